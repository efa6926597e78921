using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Cbor;

public static partial class CborJson
{
    private static readonly JsonReaderOptions s_readerOptions = new() { MaxDepth = 256 };

    /// <summary>
    /// JSON response body (as the JSON handlers write it) → CBOR, guided by the output shape: base64 strings of Blob
    /// members become byte strings; Timestamp numbers (epoch seconds, fractional) become tag 1 + integer epoch
    /// milliseconds; everything else takes its natural CBOR type (definite-length maps and arrays, shortest integer
    /// encodings, float64 for non-integral numbers). An empty JSON body gives an empty CBOR body.
    /// </summary>
    /// <exception cref="JsonException">The JSON is not well-formed or escapes a lone surrogate (the handlers' output never does).</exception>
    public static void ToCbor(ReadOnlySpan<byte> json, Shape? outputShape, IBufferWriter<byte> cbor)
    {
        ArgumentNullException.ThrowIfNull(cbor);
        if (json.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            return;
        }

        // Pass 1: the entry count of every object and array, in document order (CBOR heads carry counts up front).
        var counts = ArrayPool<int>.Shared.Rent(64);
        var stack = ArrayPool<int>.Shared.Rent(s_readerOptions.MaxDepth + 1);
        try
        {
            var containers = 0;
            var depth = 0;
            var reader = new Utf8JsonReader(json, s_readerOptions);
            while (reader.Read())
            {
                var token = reader.TokenType;
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    depth--;
                    continue;
                }

                // An entry of the enclosing container: a property name in an object, any value start in an array.
                if (depth > 0)
                {
                    var parent = stack[depth - 1];
                    var parentIsArray = (parent & 1) != 0;
                    if (token == JsonTokenType.PropertyName || parentIsArray)
                    {
                        counts[parent >> 1]++;
                    }
                }

                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    if (containers == counts.Length)
                    {
                        var bigger = ArrayPool<int>.Shared.Rent(counts.Length * 2);
                        counts.AsSpan(0, containers).CopyTo(bigger);
                        ArrayPool<int>.Shared.Return(counts);
                        counts = bigger;
                    }

                    counts[containers] = 0;
                    stack[depth++] = (containers << 1) | (token == JsonTokenType.StartArray ? 1 : 0);
                    containers++;
                }
            }

            // Pass 2: write.
            reader = new Utf8JsonReader(json, s_readerOptions);
            reader.Read();
            var writer = new CborWriter(cbor);
            var next = 0;
            WriteJsonValue(ref reader, writer, outputShape, counts.AsSpan(0, containers), ref next);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(counts);
            ArrayPool<int>.Shared.Return(stack);
        }
    }

    /// <summary>Writes the value at the reader's current token (the reader ends on its last token).</summary>
    private static void WriteJsonValue(ref Utf8JsonReader reader, CborWriter writer, Shape? shape, ReadOnlySpan<int> counts, ref int next)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    writer.MapHeader(counts[next++]);
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        Shape? valueShape = null;
                        byte[]? rented = null;
                        var name = Unescaped(ref reader, ref rented);
                        if (shape is { Type: ShapeType.Structure })
                        {
                            valueShape = FindMember(shape, name)?.Shape;
                        }
                        else if (shape is { Type: ShapeType.Map })
                        {
                            valueShape = shape.MapValue;
                        }

                        writer.TextString(name);
                        Return(rented);
                        reader.Read();
                        WriteJsonValue(ref reader, writer, valueShape, counts, ref next);
                    }

                    break;
                }

            case JsonTokenType.StartArray:
                {
                    writer.ArrayHeader(counts[next++]);
                    var item = shape is { Type: ShapeType.List } ? shape.ListMember : null;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        WriteJsonValue(ref reader, writer, item, counts, ref next);
                    }

                    break;
                }

            case JsonTokenType.String:
                {
                    byte[]? rented = null;
                    var text = Unescaped(ref reader, ref rented);
                    if (shape is not { Type: ShapeType.Blob } || !TryWriteBase64AsBytes(writer, text))
                    {
                        writer.TextString(text);
                    }

                    Return(rented);
                    break;
                }

            case JsonTokenType.Number:
                WriteJsonNumber(ref reader, writer, shape);
                break;
            case JsonTokenType.True:
                writer.Boolean(true);
                break;
            case JsonTokenType.False:
                writer.Boolean(false);
                break;
            default:
                writer.Null();
                break;
        }
    }

    /// <summary>The current string or property name as UTF-8, unescaped into a pooled buffer when it has escapes.</summary>
    private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, ref byte[]? rented)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            var n = reader.CopyString(rented);
            return rented.AsSpan(0, n);
        }
        catch (InvalidOperationException e)
        {
            // An escaped lone surrogate (\ud800): not representable as UTF-8.
            throw new JsonException("The JSON holds a string that is not valid Unicode.", e);
        }
    }

    /// <summary>
    /// Writes a byte string decoded from standard padded base64; false (nothing written) when the text is not that.
    /// Decodes straight into the output behind the head, which is committed only on success.
    /// </summary>
    private static bool TryWriteBase64AsBytes(CborWriter writer, ReadOnlySpan<byte> base64)
    {
        if (base64.Length % 4 != 0)
        {
            return false;
        }

        var padding = base64.EndsWith("=="u8) ? 2 : base64.EndsWith("="u8) ? 1 : 0;
        var length = (base64.Length / 4 * 3) - padding;
        var headLength = length switch
        {
            < 24 => 1,
            <= byte.MaxValue => 2,
            <= ushort.MaxValue => 3,
            _ => 5,
        };
        var span = writer.Output.GetSpan(headLength + length);
        var status = Base64.DecodeFromUtf8(base64, span[headLength..], out var consumed, out var written);
        if (status != OperationStatus.Done || consumed != base64.Length || written != length)
        {
            return false;
        }

        span[0] = (byte)((CborHead.ByteString << 5) | headLength switch { 1 => length, 2 => 24, 3 => 25, _ => 26 });
        switch (headLength)
        {
            case 2:
                span[1] = (byte)length;
                break;
            case 3:
                BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
                break;
            case 5:
                BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
                break;
            default:
                break;
        }

        writer.Output.Advance(headLength + length);
        return true;
    }

    private static void WriteJsonNumber(ref Utf8JsonReader reader, CborWriter writer, Shape? shape)
    {
        if (shape is { Type: ShapeType.Timestamp } && TryReadEpochMillis(reader.ValueSpan, out var millis))
        {
            writer.Tag(1);
            writer.Int64(millis);
            return;
        }

        if (reader.TryGetInt64(out var l))
        {
            writer.Int64(l);
            return;
        }

        if (reader.TryGetUInt64(out var u))
        {
            writer.UInt64(u);
            return;
        }

        var d = reader.GetDouble(); // ±Infinity for magnitudes beyond double
        if (shape is { Type: ShapeType.Integer or ShapeType.Long } && Math.Floor(d) == d && Math.Abs(d) < 9e18)
        {
            writer.Int64((long)d);
            return;
        }

        writer.Double(d);
    }

    /// <summary>JSON epoch seconds (<c>1441215410.867</c>, <c>1441215410</c>, <c>1.441215410867E9</c>) → epoch millis (floor).</summary>
    private static bool TryReadEpochMillis(ReadOnlySpan<byte> number, out long millis)
    {
        millis = 0;
        if (decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            if (Math.Abs(seconds) >= 9_000_000_000_000_000m)
            {
                return false;
            }

            millis = (long)decimal.Floor(seconds * 1000m);
            return true;
        }

        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            && double.IsFinite(x) && Math.Abs(x) < 9e15)
        {
            millis = (long)Math.Floor(x * 1000d);
            return true;
        }

        return false;
    }
}
