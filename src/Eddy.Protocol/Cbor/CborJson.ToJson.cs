using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text.Unicode;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Cbor;

public static partial class CborJson
{
    /// <summary>Bignums (tags 2/3) longer than this many bytes become ±1e999 (clamped by the JSON readers).</summary>
    private const int MaxBignumBytes = 64;

    /// <summary>
    /// CBOR request body → JSON 1.1 body for the same members, guided by the operation's input shape. Blob members
    /// given as byte strings become base64 strings; Timestamp members given as integer or float epoch milliseconds
    /// (tag 1 optional) become epoch seconds with up to three fraction digits; null and undefined structure members are
    /// omitted; unknown members and values of the wrong CBOR type are copied through as the nearest JSON value so that
    /// the JSON validator reports what AWS reports. The top level must be a map.
    /// </summary>
    /// <remarks>On a <see cref="CborException"/> part of the JSON may already have been written: discard it.</remarks>
    /// <exception cref="CborException">Malformed or truncated CBOR, nesting deeper than <see cref="MaxDepth"/>, lengths
    /// beyond the input, trailing bytes, invalid UTF-8, a top level that is not a map, map keys that are neither text
    /// nor integers, NaN, unassigned simple values.</exception>
    public static void ToJson(ReadOnlySpan<byte> cbor, Shape? inputShape, IBufferWriter<byte> json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var reader = new CborReader(cbor);
        var sink = new JsonSink(json);
        var head = ReadItemHead(ref reader, out _, out _);
        if (head.Major != CborHead.Map)
        {
            throw new CborException("The request body must be a CBOR map.");
        }

        var structure = inputShape is { Type: ShapeType.Structure } ? inputShape : null;
        WriteMap(ref reader, ref sink, head, structure, 1, omitNulls: true);
        if (!reader.AtEnd)
        {
            throw new CborException($"Malformed CBOR: {reader.Remaining} trailing byte(s) after the top-level map.");
        }
    }

    /// <summary>Reads the head of the next data item, skipping (and reporting the innermost of) any tags before it.</summary>
    private static CborHead ReadItemHead(ref CborReader reader, out bool tagged, out ulong tag)
    {
        tagged = false;
        tag = 0;
        var head = reader.ReadHead();
        while (head.Major == CborHead.Tag)
        {
            tagged = true;
            tag = head.Argument;
            head = reader.ReadHead();
        }

        return head;
    }

    /// <summary>Consumes the next item when it is null or undefined (possibly tagged).</summary>
    private static bool TrySkipNull(ref CborReader reader)
    {
        var probe = reader;
        var head = ReadItemHead(ref probe, out _, out _);
        if (head.Major == CborHead.Simple && head.Additional is 22 or 23)
        {
            reader = probe;
            return true;
        }

        return false;
    }

    private static void WriteValue(ref CborReader reader, ref JsonSink sink, Shape? shape, int depth)
    {
        var head = ReadItemHead(ref reader, out var tagged, out var tag);
        var isTimestamp = shape is { Type: ShapeType.Timestamp };
        switch (head.Major)
        {
            case CborHead.Unsigned:
                if (isTimestamp)
                {
                    Span<char> digits = stackalloc char[20];
                    head.Argument.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
                    sink.MillisAsSeconds(false, digits[..n]);
                }
                else
                {
                    sink.UInt64(head.Argument);
                }

                break;
            case CborHead.Negative:
                if (isTimestamp)
                {
                    Span<char> digits = stackalloc char[20];
                    var n = FormatNegativeMagnitude(head.Argument, digits);
                    sink.MillisAsSeconds(true, digits[..n]);
                }
                else
                {
                    sink.NegativeInteger(head.Argument);
                }

                break;
            case CborHead.ByteString:
                if (tagged && tag is 2 or 3)
                {
                    WriteBignum(ref reader, ref sink, head, negative: tag == 3, isTimestamp);
                }
                else
                {
                    WriteBase64(ref reader, ref sink, head);
                }

                break;
            case CborHead.TextString:
                WriteText(ref reader, ref sink, head);
                break;
            case CborHead.Array:
                WriteArray(ref reader, ref sink, head, shape is { Type: ShapeType.List } ? shape.ListMember : null, depth + 1);
                break;
            case CborHead.Map:
                var mapShape = shape is { Type: ShapeType.Structure or ShapeType.Map } ? shape : null;
                WriteMap(ref reader, ref sink, head, mapShape, depth + 1, omitNulls: mapShape is { Type: ShapeType.Structure });
                break;
            default:
                WriteSimple(ref sink, head, isTimestamp);
                break;
        }
    }

    private static void WriteSimple(ref JsonSink sink, CborHead head, bool isTimestamp)
    {
        switch (head.Additional)
        {
            case 20:
                sink.Raw("false"u8);
                break;
            case 21:
                sink.Raw("true"u8);
                break;
            case 22:
            case 23:
                sink.Raw("null"u8);
                break;
            case 25:
                WriteFloat(ref sink, (double)BitConverter.UInt16BitsToHalf((ushort)head.Argument), isTimestamp);
                break;
            case 26:
                WriteFloat(ref sink, BitConverter.UInt32BitsToSingle((uint)head.Argument), isTimestamp);
                break;
            case 27:
                WriteFloat(ref sink, BitConverter.UInt64BitsToDouble(head.Argument), isTimestamp);
                break;
            case 31:
                throw new CborException("Malformed CBOR: unexpected break code.");
            default:
                throw new CborException($"Unsupported CBOR simple value {head.Argument}.");
        }
    }

    private static void WriteFloat(ref JsonSink sink, double value, bool isTimestamp)
    {
        if (double.IsNaN(value))
        {
            throw new CborException("NaN is not a number Kinesis accepts.");
        }

        if (double.IsInfinity(value))
        {
            // Beyond every range: the JSON readers clamp it, as they do for a JSON client sending 1e999.
            sink.Raw(value > 0 ? "1e999"u8 : "-1e999"u8);
            return;
        }

        if (!isTimestamp)
        {
            sink.Double(value);
            return;
        }

        // Epoch milliseconds; sub-millisecond digits are dropped (floor), as for JSON timestamps.
        var millis = Math.Floor(value);
        if (Math.Abs(millis) < 9e18)
        {
            var m = (long)millis;
            Span<char> digits = stackalloc char[20];
            ((ulong)Math.Abs(m)).TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
            sink.MillisAsSeconds(m < 0, digits[..n]);
        }
        else
        {
            sink.Double(value / 1000);
        }
    }

    /// <summary>Digits of the magnitude of the CBOR negative integer -1 - <paramref name="n"/>.</summary>
    private static int FormatNegativeMagnitude(ulong n, Span<char> digits)
    {
        if (n == ulong.MaxValue)
        {
            "18446744073709551616".CopyTo(digits);
            return 20;
        }

        (n + 1).TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        return written;
    }

    private static void WriteBignum(ref CborReader reader, ref JsonSink sink, CborHead head, bool negative, bool isTimestamp)
    {
        byte[]? rented = null;
        var bytes = head.IsIndefinite ? Gather(ref reader, CborHead.ByteString, ref rented) : reader.ReadContent(head.Argument);
        bytes = bytes.TrimStart((byte)0);
        if (bytes.Length > MaxBignumBytes)
        {
            sink.Raw(negative ? "-1e999"u8 : "1e999"u8);
        }
        else
        {
            var magnitude = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
            if (negative)
            {
                magnitude += BigInteger.One; // the value is -1 - n
            }

            Span<char> digits = stackalloc char[160];
            magnitude.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
            if (isTimestamp)
            {
                sink.MillisAsSeconds(negative, digits[..n]);
            }
            else
            {
                if (negative)
                {
                    sink.Byte((byte)'-');
                }

                Span<byte> ascii = stackalloc byte[160];
                for (var i = 0; i < n; i++)
                {
                    ascii[i] = (byte)digits[i];
                }

                sink.Raw(ascii[..n]);
            }
        }

        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void WriteBase64(ref CborReader reader, ref JsonSink sink, CborHead head)
    {
        sink.Byte((byte)'"');
        sink.Base64Begin();
        if (!head.IsIndefinite)
        {
            sink.Base64Append(reader.ReadContent(head.Argument));
        }
        else
        {
            while (!reader.TryReadBreak())
            {
                sink.Base64Append(ReadChunk(ref reader, CborHead.ByteString));
            }
        }

        sink.Base64End();
        sink.Byte((byte)'"');
    }

    private static void WriteText(ref CborReader reader, ref JsonSink sink, CborHead head)
    {
        sink.Byte((byte)'"');
        if (!head.IsIndefinite)
        {
            sink.StringContent(Utf8Checked(reader.ReadContent(head.Argument)));
        }
        else
        {
            while (!reader.TryReadBreak())
            {
                sink.StringContent(ReadChunk(ref reader, CborHead.TextString));
            }
        }

        sink.Byte((byte)'"');
    }

    /// <summary>One chunk of an indefinite-length string: a definite string of the same major type (text checked).</summary>
    private static ReadOnlySpan<byte> ReadChunk(ref CborReader reader, int major)
    {
        var chunk = reader.ReadHead();
        if (chunk.Major != major || chunk.IsIndefinite)
        {
            throw new CborException("Malformed CBOR: a chunk of an indefinite-length string must be a definite string of the same type.");
        }

        var content = reader.ReadContent(chunk.Argument);
        return major == CborHead.TextString ? Utf8Checked(content) : content;
    }

    /// <summary>Concatenates the chunks of an indefinite-length string into a pooled buffer.</summary>
    private static ReadOnlySpan<byte> Gather(ref CborReader reader, int major, ref byte[]? rented)
    {
        rented ??= ArrayPool<byte>.Shared.Rent(256);
        var length = 0;
        while (!reader.TryReadBreak())
        {
            var content = ReadChunk(ref reader, major);
            if (length + content.Length > rented.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(length + content.Length, rented.Length * 2));
                rented.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(rented);
                rented = bigger;
            }

            content.CopyTo(rented.AsSpan(length));
            length += content.Length;
        }

        return rented.AsSpan(0, length);
    }

    private static ReadOnlySpan<byte> Utf8Checked(ReadOnlySpan<byte> text) =>
        Utf8.IsValid(text) ? text : throw new CborException("Malformed CBOR: a text string is not valid UTF-8.");

    private static void WriteArray(ref CborReader reader, ref JsonSink sink, CborHead head, Shape? item, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new CborException($"CBOR nesting deeper than {MaxDepth} levels.");
        }

        sink.Byte((byte)'[');
        if (!head.IsIndefinite)
        {
            // Every item takes at least one byte.
            if (head.Argument > (ulong)reader.Remaining)
            {
                throw new CborException($"Malformed CBOR: array of {head.Argument} items goes beyond the end of the input.");
            }

            for (var i = 0; i < (int)head.Argument; i++)
            {
                if (i > 0)
                {
                    sink.Byte((byte)',');
                }

                WriteValue(ref reader, ref sink, item, depth);
            }
        }
        else
        {
            var first = true;
            while (!reader.TryReadBreak())
            {
                if (!first)
                {
                    sink.Byte((byte)',');
                }

                first = false;
                WriteValue(ref reader, ref sink, item, depth);
            }
        }

        sink.Byte((byte)']');
    }

    /// <param name="shape">A structure (members looked up by name), a map (values of its value shape) or null (generic).</param>
    /// <param name="omitNulls">Drop entries whose value is null or undefined (structure members: null means absent).</param>
    private static void WriteMap(ref CborReader reader, ref JsonSink sink, CborHead head, Shape? shape, int depth, bool omitNulls)
    {
        if (depth > MaxDepth)
        {
            throw new CborException($"CBOR nesting deeper than {MaxDepth} levels.");
        }

        var definite = !head.IsIndefinite;
        if (definite && head.Argument > (ulong)reader.Remaining / 2)
        {
            throw new CborException($"Malformed CBOR: map of {head.Argument} entries goes beyond the end of the input.");
        }

        var count = definite ? (int)head.Argument : -1;
        sink.Byte((byte)'{');
        var first = true;
        for (var i = 0; definite ? i < count : !reader.TryReadBreak(); i++)
        {
            byte[]? rented = null;
            var key = ReadKey(ref reader, ref rented, out var numberHead);
            Shape? valueShape = null;
            if (shape is { Type: ShapeType.Structure } && numberHead.Major == CborHead.TextString)
            {
                valueShape = FindMember(shape, key)?.Shape;
            }
            else if (shape is { Type: ShapeType.Map })
            {
                valueShape = shape.MapValue;
            }

            if (omitNulls && TrySkipNull(ref reader))
            {
                Return(rented);
                continue;
            }

            if (!first)
            {
                sink.Byte((byte)',');
            }

            first = false;
            switch (numberHead.Major)
            {
                case CborHead.Unsigned:
                    sink.Byte((byte)'"');
                    sink.UInt64(numberHead.Argument);
                    sink.Byte((byte)'"');
                    break;
                case CborHead.Negative:
                    sink.Byte((byte)'"');
                    sink.NegativeInteger(numberHead.Argument);
                    sink.Byte((byte)'"');
                    break;
                default:
                    sink.String(key);
                    break;
            }

            Return(rented);
            sink.Byte((byte)':');
            WriteValue(ref reader, ref sink, valueShape, depth);
        }

        sink.Byte((byte)'}');
    }

    /// <summary>
    /// Reads a map key. Text keys (definite or chunked, possibly tagged) are returned as UTF-8 with
    /// <paramref name="numberHead"/> of major type 3; integer keys (which Jackson also accepts) return an empty span and
    /// their head in <paramref name="numberHead"/>. Anything else is refused.
    /// </summary>
    private static ReadOnlySpan<byte> ReadKey(ref CborReader reader, ref byte[]? rented, out CborHead numberHead)
    {
        var head = ReadItemHead(ref reader, out _, out _);
        numberHead = head;
        switch (head.Major)
        {
            case CborHead.TextString:
                return head.IsIndefinite ? Gather(ref reader, CborHead.TextString, ref rented) : Utf8Checked(reader.ReadContent(head.Argument));
            case CborHead.Unsigned:
            case CborHead.Negative:
                return default;
            default:
                if (head.IsBreak)
                {
                    throw new CborException("Malformed CBOR: unexpected break code.");
                }

                throw new CborException("Unsupported CBOR map key: keys must be text strings.");
        }
    }

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
