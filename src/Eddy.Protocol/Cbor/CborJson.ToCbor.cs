using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Globalization;
using System.Text.Json;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Cbor;

public static partial class CborJson
{
    internal static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

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

        var counts = ArrayPool<int>.Shared.Rent(64);
        try
        {
            var containers = CountEntries(json, ref counts);

            // Pass 2: write. CBOR is never much longer than the JSON it comes from (base64 shrinks by a quarter).
            var reader = new Utf8JsonReader(json, ReaderOptions);
            reader.Read();
            var lease = RentWriter(json.Length + 64);
            var next = 0;
            WriteJsonValue(ref reader, lease.Writer, outputShape, counts.AsSpan(0, containers), ref next);
            ReturnWriter(lease, cbor);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(counts);
        }
    }

    /// <summary>
    /// Pass 1 of <see cref="ToCbor"/>: the entry count of every object and array, in document order, into
    /// <paramref name="counts"/> (pooled; replaced by a bigger pooled array when it fills). CBOR heads carry counts up
    /// front. Returns the number of containers.
    /// </summary>
    internal static int CountEntries(ReadOnlySpan<byte> json, ref int[] counts)
    {
        var stack = ArrayPool<int>.Shared.Rent(ReaderOptions.MaxDepth + 1);
        try
        {
            var containers = 0;
            var depth = 0;
            var reader = new Utf8JsonReader(json, ReaderOptions);
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

            return containers;
        }
        finally
        {
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
                    writer.WriteStartMap(counts[next++]);
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        Shape? valueShape = null;
                        if (shape is { Type: ShapeType.Structure })
                        {
                            byte[]? rented = null;
                            var member = FindMember(shape, Unescaped(ref reader, ref rented));
                            Return(rented);
                            valueShape = member?.Shape;
                            if (member is not null)
                            {
                                writer.WriteTextString(member.Name);
                            }
                            else
                            {
                                WriteJsonText(ref reader, writer);
                            }
                        }
                        else
                        {
                            valueShape = shape is { Type: ShapeType.Map } ? shape.MapValue : null;
                            WriteJsonText(ref reader, writer);
                        }

                        reader.Read();
                        WriteJsonValue(ref reader, writer, valueShape, counts, ref next);
                    }

                    writer.WriteEndMap();
                    break;
                }

            case JsonTokenType.StartArray:
                {
                    writer.WriteStartArray(counts[next++]);
                    var item = shape is { Type: ShapeType.List } ? shape.ListMember : null;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        WriteJsonValue(ref reader, writer, item, counts, ref next);
                    }

                    writer.WriteEndArray();
                    break;
                }

            case JsonTokenType.String:
                if (shape is not { Type: ShapeType.Blob } || !TryWriteBase64AsBytes(ref reader, writer))
                {
                    WriteJsonText(ref reader, writer);
                }

                break;
            case JsonTokenType.Number:
                WriteJsonNumber(ref reader, writer, shape);
                break;
            case JsonTokenType.True:
                writer.WriteBoolean(true);
                break;
            case JsonTokenType.False:
                writer.WriteBoolean(false);
                break;
            default:
                writer.WriteNull();
                break;
        }
    }

    /// <summary>The current string or property name as a text string (unescaped; the writer takes UTF-16).</summary>
    private static void WriteJsonText(ref Utf8JsonReader reader, CborWriter writer)
    {
        // Never more UTF-16 code units than UTF-8 bytes, and unescaping only shortens.
        var length = reader.ValueSpan.Length;
        char[]? rented = null;
        var chars = length <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            var n = reader.CopyString(chars);
            writer.WriteTextString(chars[..n]);
        }
        catch (InvalidOperationException e)
        {
            // An escaped lone surrogate (\ud800): not representable as UTF-8.
            throw new JsonException("The JSON holds a string that is not valid Unicode.", e);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The current string or property name as UTF-8, unescaped into a pooled buffer when it has escapes.</summary>
    internal static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, ref byte[]? rented)
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
            throw new JsonException("The JSON holds a string that is not valid Unicode.", e);
        }
    }

    /// <summary>
    /// Writes the current string as a byte string when it is standard padded base64; false (nothing written) when not.
    /// </summary>
    private static bool TryWriteBase64AsBytes(ref Utf8JsonReader reader, CborWriter writer)
    {
        byte[]? escaped = null;
        byte[]? decoded = null;
        try
        {
            var base64 = Unescaped(ref reader, ref escaped);
            if (base64.Length % 4 != 0)
            {
                return false;
            }

            var padding = base64.EndsWith("=="u8) ? 2 : base64.EndsWith("="u8) ? 1 : 0;
            var length = (base64.Length / 4 * 3) - padding;
            var bytes = length <= 1024 ? stackalloc byte[1024] : (decoded = ArrayPool<byte>.Shared.Rent(length));
            var status = Base64.DecodeFromUtf8(base64, bytes, out var consumed, out var written);
            if (status != OperationStatus.Done || consumed != base64.Length || written != length)
            {
                return false;
            }

            writer.WriteByteString(bytes[..length]);
            return true;
        }
        finally
        {
            Return(escaped);
            Return(decoded);
        }
    }

    private static void WriteJsonNumber(ref Utf8JsonReader reader, CborWriter writer, Shape? shape)
    {
        if (shape is { Type: ShapeType.Timestamp } && TryReadEpochMillis(reader.ValueSpan, out var millis))
        {
            writer.WriteTag(CborTag.UnixTimeSeconds); // tag 1, carrying milliseconds as the Java SDK does
            writer.WriteInt64(millis);
            return;
        }

        if (reader.TryGetInt64(out var l))
        {
            writer.WriteInt64(l);
            return;
        }

        if (reader.TryGetUInt64(out var u))
        {
            writer.WriteUInt64(u);
            return;
        }

        var d = reader.GetDouble(); // ±Infinity for magnitudes beyond double
        if (shape is { Type: ShapeType.Integer or ShapeType.Long } && Math.Floor(d) == d && Math.Abs(d) < 9e18)
        {
            writer.WriteInt64((long)d);
            return;
        }

        // Always float64: the writer's WriteDouble would pick the shortest float that keeps the value.
        Span<byte> float64 = stackalloc byte[9];
        float64[0] = 0xFB;
        BinaryPrimitives.WriteDoubleBigEndian(float64[1..], d);
        writer.WriteEncodedValue(float64);
    }

    /// <summary>JSON epoch seconds (<c>1441215410.867</c>, <c>1441215410</c>, <c>1.441215410867E9</c>) → epoch millis (floor).</summary>
    internal static bool TryReadEpochMillis(ReadOnlySpan<byte> number, out long millis)
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
