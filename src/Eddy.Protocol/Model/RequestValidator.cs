using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Eddy.Protocol.Model;

/// <summary>
/// Validates a JSON request body against an operation's input shape the way AWS does:
/// first the JSON types of the whole document (<c>SerializationException</c>), then the model
/// constraints (<c>ValidationException</c>: required, length, value range, pattern, enum).
/// </summary>
/// <remarks>
/// <para>JSON <c>null</c> members are treated as absent; unknown members are ignored; member names
/// are case-sensitive. Fractional numbers for integer/long members are accepted and truncated
/// toward zero (read them with <see cref="JsonNumbers"/>); values beyond the type's range are clamped.</para>
/// <para>Like AWS, at most <see cref="MaxListedErrors"/> constraint violations are collected and the
/// count in the message is the number listed (AWS answers "10 validation errors detected" for
/// 500+ violations).</para>
/// <para>Item order follows the model's member order; list- and map-level constraints come before
/// their entries. Entries that are structures/lists/maps are validated individually with paths like
/// <c>records.1.member.partitionKey</c> / <c>tags.k.member</c>; scalar entries are summarised in one item
/// per collection, as AWS does (<c>Member must satisfy constraint: [...]</c>,
/// <c>Map keys must satisfy constraint: [...]</c>, <c>Map value must satisfy constraint: [...]</c>).</para>
/// </remarks>
public static class RequestValidator
{
    /// <summary>Maximum number of constraint violations AWS lists (and counts) in one message.</summary>
    public const int MaxListedErrors = 10;

    private const string TruncatingBigNumber = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";
    private const string ListNotExpected = "Start of list found where not expected";
    private const string StructureNotExpected = "Start of structure or map found where not expected.";
    private const string NotNullRule = "Member must not be null";

    private const int PatternBit = 1;
    private const int MinBit = 2;
    private const int MaxBit = 4;
    private const int EnumBit = 8;

    /// <summary>Validates against <see cref="ServiceModel.Kinesis"/>.</summary>
    /// <returns>null when valid; otherwise the error to send. An unknown operation gives <c>UnknownOperationException</c>.</returns>
    public static ProtocolError? Validate(string operationName, JsonElement body) =>
        Validate(ServiceModel.Kinesis, operationName, body);

    /// <returns>null when valid; otherwise the error to send. An unknown operation gives <c>UnknownOperationException</c>.</returns>
    public static ProtocolError? Validate(ServiceModel model, string operationName, JsonElement body)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(operationName);
        return model.TryGetOperation(operationName, out var operation)
            ? Validate(operation, body)
            : new ProtocolError(ProtocolError.UnknownOperationException, null);
    }

    /// <returns>null when valid; otherwise a <c>SerializationException</c> or <c>ValidationException</c>.</returns>
    public static ProtocolError? Validate(Operation operation, JsonElement body)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (body.ValueKind != JsonValueKind.Object)
        {
            return new ProtocolError(ProtocolError.SerializationException, null);
        }

        if (operation.Input is not { } input)
        {
            return null;
        }

        var walker = new Walker();
        if (!walker.VisitMembers(input, body))
        {
            return new ProtocolError(ProtocolError.SerializationException, walker.TypeError);
        }

        return walker.Result();
    }

    private enum SegmentKind : byte
    {
        Member,
        ListItem,
        MapEntry,
    }

    [InlineArray(Capacity)]
    private struct MemberValues
    {
        public const int Capacity = 16;
        private JsonElement _element;
    }

    private struct Segment
    {
        public SegmentKind Kind;
        public string? Name;
        public int Index;
    }

    private sealed class Walker
    {
        private Segment[] _path = new Segment[8];
        private int _depth;
        private List<string>? _items;

        public string? TypeError { get; private set; }

        private bool Collecting => _items is null || _items.Count < MaxListedErrors;

        public ProtocolError? Result()
        {
            if (_items is null)
            {
                return null;
            }

            var n = _items.Count;
            var message = n.ToString(CultureInfo.InvariantCulture)
                + (n == 1 ? " validation error detected: " : " validation errors detected: ")
                + string.Join("; ", _items);
            return new ProtocolError(ProtocolError.ValidationException, message);
        }

        // ---------------------------------------------------------------- traversal

        public bool VisitMembers(Shape structure, JsonElement obj)
        {
            var members = structure.Members;
            if (members.Length > MemberValues.Capacity)
            {
                return VisitManyMembers(structure, obj);
            }

            // One pass over the object's properties (cheaper than a TryGetProperty per member);
            // unknown members are skipped, and a duplicated member keeps its last value.
            var values = default(MemberValues);
            foreach (var property in obj.EnumerateObject())
            {
                var index = IndexOfMember(members, property);
                if (index >= 0)
                {
                    values[index] = property.Value;
                }
            }

            for (var i = 0; i < members.Length; i++)
            {
                if (!VisitMember(members[i], values[i]))
                {
                    return false;
                }
            }

            return true;
        }

        private bool VisitManyMembers(Shape structure, JsonElement obj)
        {
            foreach (var member in structure.Members)
            {
                obj.TryGetProperty(member.Utf8Name, out var value);
                if (!VisitMember(member, value))
                {
                    return false;
                }
            }

            return true;
        }

        private static int IndexOfMember(ImmutableArray<Member> members, JsonProperty property)
        {
            var raw = JsonMarshal.GetRawUtf8PropertyName(property);
            var escaped = raw.IndexOf((byte)'\\') >= 0;
            for (var i = 0; i < members.Length; i++)
            {
                if (escaped ? property.NameEquals(members[i].Utf8Name) : raw.SequenceEqual(members[i].Utf8Name))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>Visits one member; <paramref name="value"/> is Undefined when absent.</summary>
        private bool VisitMember(Member member, JsonElement value)
        {
            if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                if (member.IsRequired && Collecting)
                {
                    Push(SegmentKind.Member, member.PathName, 0);
                    Add(null, NotNullRule);
                    Pop();
                }

                return true;
            }

            Push(SegmentKind.Member, member.PathName, 0);
            var ok = Visit(member.Shape, value);
            Pop();
            return ok;
        }

        /// <summary>Type-checks and validates a non-null value. False on a type error.</summary>
        private bool Visit(Shape shape, JsonElement value)
        {
            switch (shape.Type)
            {
                case ShapeType.Structure:
                    return value.ValueKind == JsonValueKind.Object
                        ? VisitMembers(shape, value)
                        : Fail(TypeMismatch(shape.Type, value));
                case ShapeType.List:
                    return value.ValueKind == JsonValueKind.Array
                        ? VisitList(shape, value)
                        : Fail(TypeMismatch(shape.Type, value));
                case ShapeType.Map:
                    return value.ValueKind == JsonValueKind.Object
                        ? VisitMap(shape, value)
                        : Fail(TypeMismatch(shape.Type, value));
                default:
                    if (!CheckScalarType(shape, value, out var blobLength))
                    {
                        return false;
                    }

                    if (shape.HasConstraints && Collecting)
                    {
                        var violated = Evaluate(shape, value, blobLength);
                        if (violated != 0)
                        {
                            Report(shape, value, blobLength, violated);
                        }
                    }

                    return true;
            }
        }

        private bool VisitList(Shape shape, JsonElement array)
        {
            if (shape.HasConstraints && Collecting)
            {
                var count = array.GetArrayLength();
                if (shape.Min is { } min && count < min)
                {
                    Add(FormatValue(shape, array), shape.MinRule!);
                }

                if (shape.Max is { } max && count > max && Collecting)
                {
                    Add(FormatValue(shape, array), shape.MaxRule!);
                }
            }

            var item = shape.ListMember!;
            var index = 0;
            var anyViolation = false;
            foreach (var element in array.EnumerateArray())
            {
                index++;
                if (element.ValueKind == JsonValueKind.Null)
                {
                    if (Collecting)
                    {
                        Push(SegmentKind.ListItem, null, index);
                        Add(null, NotNullRule);
                        Pop();
                    }

                    continue;
                }

                if (item.IsAggregate)
                {
                    Push(SegmentKind.ListItem, null, index);
                    var ok = Visit(item, element);
                    Pop();
                    if (!ok)
                    {
                        return false;
                    }

                    continue;
                }

                if (!CheckScalarType(item, element, out var blobLength))
                {
                    return false;
                }

                if (!anyViolation && item.HasConstraints && Collecting)
                {
                    anyViolation = Evaluate(item, element, blobLength) != 0;
                }
            }

            if (anyViolation && Collecting)
            {
                Add(FormatValue(shape, array), "Member must satisfy constraint: " + item.RulesSummary);
            }

            return true;
        }

        private bool VisitMap(Shape shape, JsonElement obj)
        {
            var keyShape = shape.MapKey!;
            var valueShape = shape.MapValue!;

            if (shape.HasConstraints && Collecting)
            {
                var count = obj.GetPropertyCount();
                if (shape.Min is { } min && count < min)
                {
                    Add(FormatValue(shape, obj), shape.MinRule!);
                }

                if (shape.Max is { } max && count > max && Collecting)
                {
                    Add(FormatValue(shape, obj), shape.MaxRule!);
                }
            }

            if (keyShape.HasConstraints && Collecting)
            {
                foreach (var property in obj.EnumerateObject())
                {
                    if (EvaluateString(keyShape, property.Name) != 0)
                    {
                        Add(FormatValue(shape, obj), "Map keys must satisfy constraint: " + keyShape.RulesSummary);
                        break;
                    }
                }
            }

            var anyViolation = false;
            foreach (var property in obj.EnumerateObject())
            {
                var value = property.Value;
                if (value.ValueKind == JsonValueKind.Null)
                {
                    if (Collecting)
                    {
                        Push(SegmentKind.MapEntry, property.Name, 0);
                        Add(null, NotNullRule);
                        Pop();
                    }

                    continue;
                }

                if (valueShape.IsAggregate)
                {
                    Push(SegmentKind.MapEntry, property.Name, 0);
                    var ok = Visit(valueShape, value);
                    Pop();
                    if (!ok)
                    {
                        return false;
                    }

                    continue;
                }

                if (!CheckScalarType(valueShape, value, out var blobLength))
                {
                    return false;
                }

                if (!anyViolation && valueShape.HasConstraints && Collecting)
                {
                    anyViolation = Evaluate(valueShape, value, blobLength) != 0;
                }
            }

            if (anyViolation && Collecting)
            {
                Add(FormatValue(shape, obj), "Map value must satisfy constraint: " + valueShape.RulesSummary);
            }

            return true;
        }

        // ---------------------------------------------------------------- types

        private bool Fail(string message)
        {
            TypeError = message;
            return false;
        }

        private bool CheckScalarType(Shape shape, JsonElement value, out int blobLength)
        {
            blobLength = 0;
            var kind = value.ValueKind;
            switch (shape.Type)
            {
                case ShapeType.String:
                    return kind == JsonValueKind.String || Fail(TypeMismatch(shape.Type, value));
                case ShapeType.Integer:
                case ShapeType.Long:
                case ShapeType.Double:
                case ShapeType.Float:
                case ShapeType.Timestamp:
                    return kind == JsonValueKind.Number || Fail(TypeMismatch(shape.Type, value));
                case ShapeType.Boolean:
                    return kind is JsonValueKind.True or JsonValueKind.False || Fail(TypeMismatch(shape.Type, value));
                case ShapeType.Blob:
                    if (kind != JsonValueKind.String)
                    {
                        return Fail(TypeMismatch(shape.Type, value));
                    }

                    var error = Base64Check.Check(value, out blobLength);
                    return error is null || Fail(error);
                default:
                    return Fail(TypeMismatch(shape.Type, value));
            }
        }

        private static string TypeMismatch(ShapeType expected, JsonElement value)
        {
            var kind = value.ValueKind;
            switch (expected)
            {
                case ShapeType.Structure:
                    return kind == JsonValueKind.Array ? ListNotExpected : "Expected null";
                case ShapeType.List:
                    return kind == JsonValueKind.Object ? StructureNotExpected : "Expected list or null";
                case ShapeType.Map:
                    return kind == JsonValueKind.Array ? ListNotExpected : "Expected map or null";
                default:
                    break;
            }

            if (kind == JsonValueKind.Array)
            {
                return ListNotExpected;
            }

            if (kind == JsonValueKind.Object)
            {
                return StructureNotExpected;
            }

            var source = kind switch
            {
                JsonValueKind.String => "class java.lang.String",
                JsonValueKind.Number => TruncatingBigNumber,
                _ => "class java.lang.Boolean",
            };

            return expected switch
            {
                ShapeType.String => source + " can not be converted to an String",
                ShapeType.Integer => source + " can not be converted to an Integer",
                ShapeType.Long => source + " can not be converted to an Long",
                ShapeType.Double => source + " can not be converted to an Double",
                ShapeType.Float => source + " can not be converted to an Float",
                ShapeType.Blob => source + " can not be converted to a Blob",
                ShapeType.Timestamp => source + " can not be converted to milliseconds since epoch",
                // AWS upper-cases the offending string ("'23' can not be converted to an Boolean").
                ShapeType.Boolean when kind == JsonValueKind.String =>
                    "'" + value.GetString()!.ToUpperInvariant() + "' can not be converted to an Boolean",
                ShapeType.Boolean => source + " can not be converted to an Boolean",
                _ => throw new UnreachableException($"No type check for {expected}."),
            };
        }

        // ---------------------------------------------------------------- constraints

        /// <summary>Bit mask of violated constraints of a type-checked scalar.</summary>
        private static int Evaluate(Shape shape, JsonElement value, int blobLength)
        {
            switch (shape.Type)
            {
                case ShapeType.String:
                    if (shape.PatternRegex is null && !shape.IsEnum)
                    {
                        return LengthBits(shape, Utf16Length(value));
                    }

                    Span<char> buffer = stackalloc char[256];
                    return EvaluateString(shape, GetChars(value, buffer));
                case ShapeType.Blob:
                    return LengthBits(shape, blobLength);
                case ShapeType.Integer:
                    return LengthBits(shape, JsonNumbers.ReadIntegral(value, int.MinValue, int.MaxValue));
                case ShapeType.Long:
                    return LengthBits(shape, JsonNumbers.ReadIntegral(value, long.MinValue, long.MaxValue));
                case ShapeType.Double:
                case ShapeType.Float:
                    {
                        var d = value.GetDouble();
                        var bits = 0;
                        if (shape.Min is { } min && d < min)
                        {
                            bits |= MinBit;
                        }

                        if (shape.Max is { } max && d > max)
                        {
                            bits |= MaxBit;
                        }

                        return bits;
                    }

                default:
                    return 0;
            }
        }

        private static int EvaluateString(Shape shape, ReadOnlySpan<char> chars)
        {
            var bits = LengthBits(shape, chars.Length);
            if (shape.PatternRegex is { } regex && !regex.IsMatch(chars))
            {
                bits |= PatternBit;
            }

            if (shape.IsEnum && !shape.EnumLookup.Contains(chars))
            {
                bits |= EnumBit;
            }

            return bits;
        }

        private static int LengthBits(Shape shape, long n)
        {
            var bits = 0;
            if (shape.Min is { } min && n < min)
            {
                bits |= MinBit;
            }

            if (shape.Max is { } max && n > max)
            {
                bits |= MaxBit;
            }

            return bits;
        }

        /// <summary>Adds one item per violated rule, in AWS's order: pattern, min, max, enum.</summary>
        private void Report(Shape shape, JsonElement value, int blobLength, int violated)
        {
            var text = FormatScalar(shape, value, blobLength);
            if ((violated & PatternBit) != 0)
            {
                Add(text, shape.PatternRule!);
            }

            if ((violated & MinBit) != 0 && Collecting)
            {
                Add(text, shape.MinRule!);
            }

            if ((violated & MaxBit) != 0 && Collecting)
            {
                Add(text, shape.MaxRule!);
            }

            if ((violated & EnumBit) != 0 && Collecting)
            {
                Add(text, shape.EnumRule!);
            }
        }

        /// <summary>String length in UTF-16 code units (what AWS's Java stack counts), without allocating when possible.</summary>
        private static int Utf16Length(JsonElement value)
        {
            var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
            return raw.IndexOf((byte)'\\') < 0 ? Encoding.UTF8.GetCharCount(raw) : value.GetString()!.Length;
        }

        private static ReadOnlySpan<char> GetChars(JsonElement value, Span<char> buffer)
        {
            var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
            if (raw.Length <= buffer.Length && raw.IndexOf((byte)'\\') < 0)
            {
                var n = Encoding.UTF8.GetChars(raw, buffer);
                return buffer[..n];
            }

            return value.GetString();
        }

        // ---------------------------------------------------------------- messages (failure path only)

        private void Add(string? value, string rule)
        {
            _items ??= new List<string>(4);
            if (_items.Count >= MaxListedErrors)
            {
                return;
            }

            var sb = new StringBuilder(96);
            sb.Append("Value ");
            if (value is null)
            {
                sb.Append("null");
            }
            else
            {
                sb.Append('\'').Append(value).Append('\'');
            }

            sb.Append(" at '");
            AppendPath(sb);
            sb.Append("' failed to satisfy constraint: ").Append(rule);
            _items.Add(sb.ToString());
        }

        private void Push(SegmentKind kind, string? name, int index)
        {
            if (_depth == _path.Length)
            {
                Array.Resize(ref _path, _path.Length * 2);
            }

            _path[_depth++] = new Segment { Kind = kind, Name = name, Index = index };
        }

        private void Pop() => _depth--;

        private void AppendPath(StringBuilder sb)
        {
            for (var i = 0; i < _depth; i++)
            {
                if (i > 0)
                {
                    sb.Append('.');
                }

                ref readonly var segment = ref _path[i];
                switch (segment.Kind)
                {
                    case SegmentKind.Member:
                        sb.Append(segment.Name);
                        break;
                    case SegmentKind.ListItem:
                        sb.Append(segment.Index.ToString(CultureInfo.InvariantCulture)).Append(".member");
                        break;
                    default:
                        sb.Append(segment.Name).Append(".member");
                        break;
                }
            }
        }

        private static string FormatScalar(Shape shape, JsonElement value, int blobLength)
        {
            if (shape.Type == ShapeType.Blob && value.ValueKind == JsonValueKind.String)
            {
                var n = blobLength.ToString(CultureInfo.InvariantCulture);
                return "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]";
            }

            return FormatValue(shape, value);
        }

        /// <summary>The value as AWS prints it (Java toString of the deserialized value).</summary>
        private static string FormatValue(Shape shape, JsonElement value)
        {
            var kind = value.ValueKind;
            switch (kind)
            {
                case JsonValueKind.Null:
                case JsonValueKind.Undefined:
                    return "null";
                case JsonValueKind.True:
                    return "true";
                case JsonValueKind.False:
                    return "false";
                default:
                    break;
            }

            switch (shape.Type)
            {
                case ShapeType.String when kind == JsonValueKind.String:
                    return value.GetString()!;
                case ShapeType.Integer when kind == JsonValueKind.Number:
                    return JsonNumbers.ReadIntegral(value, int.MinValue, int.MaxValue).ToString(CultureInfo.InvariantCulture);
                case ShapeType.Long when kind == JsonValueKind.Number:
                    return JsonNumbers.ReadIntegral(value, long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture);
                case ShapeType.Blob when kind == JsonValueKind.String:
                    return Base64Check.Check(value, out var length) is null
                        ? FormatScalar(shape, value, length)
                        : value.GetString()!;
                case ShapeType.List when kind == JsonValueKind.Array:
                    {
                        var sb = new StringBuilder();
                        sb.Append('[');
                        var first = true;
                        foreach (var item in value.EnumerateArray())
                        {
                            if (!first)
                            {
                                sb.Append(", ");
                            }

                            first = false;
                            sb.Append(FormatValue(shape.ListMember!, item));
                        }

                        return sb.Append(']').ToString();
                    }

                case ShapeType.Map when kind == JsonValueKind.Object:
                    {
                        var sb = new StringBuilder();
                        sb.Append('{');
                        var first = true;
                        foreach (var property in value.EnumerateObject())
                        {
                            if (!first)
                            {
                                sb.Append(", ");
                            }

                            first = false;
                            sb.Append(property.Name).Append('=').Append(FormatValue(shape.MapValue!, property.Value));
                        }

                        return sb.Append('}').ToString();
                    }

                case ShapeType.Structure when kind == JsonValueKind.Object:
                    return shape.JavaTypeName + "@" + JavaIdentity(value).ToString("x", CultureInfo.InvariantCulture);
                default:
                    return kind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            }
        }

        /// <summary>A stable stand-in for Java's identity hash code (FNV-1a of the raw JSON).</summary>
        private static uint JavaIdentity(JsonElement value)
        {
            var hash = 2166136261u;
            foreach (var b in JsonMarshal.GetRawUtf8Value(value))
            {
                hash = (hash ^ b) * 16777619u;
            }

            return hash;
        }
    }
}
