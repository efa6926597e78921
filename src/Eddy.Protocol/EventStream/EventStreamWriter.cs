using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Eddy.Protocol.EventStream;

/// <summary>
/// Encodes <c>application/vnd.amazon.eventstream</c> messages (docs/formats/event-stream.md):
/// <code>
/// offset  size  field (integers unsigned big-endian)
/// 0       4     total length T = 16 + H + P (whole message, both CRCs included)
/// 4       4     headers length H
/// 8       4     prelude CRC = CRC32(bytes 0..7)
/// 12      H     headers: { name length N (1 byte), name (N bytes UTF-8), type (1 byte), value }*
///               string (type 7) value = length (2 bytes) + UTF-8 bytes
/// 12+H    P     payload
/// T-4     4     message CRC = CRC32(bytes 0..T-5)
/// </code>
/// CRC32 is IEEE 802.3 / zlib (reflected polynomial 0xEDB88320). Headers are written in the order given.
/// Every method validates everything before writing, so on an exception nothing was written to the output.
/// The message goes to the output in pieces (prelude + headers, payload in chunks of whatever span the writer
/// offers, message CRC); nothing is flushed.
/// </summary>
public static class EventStreamWriter
{
    public const string ContentType = "application/vnd.amazon.eventstream";

    /// <summary>Prelude (12) + message CRC (4).</summary>
    public const int Overhead = 16;

    /// <summary>Prelude length: total length, headers length, prelude CRC.</summary>
    public const int PreludeLength = 12;

    /// <summary>Longest header name written (aws-c-event-stream's limit; the framing allows 255).</summary>
    public const int MaxHeaderNameLength = 127;

    /// <summary>Longest string or byte-array header value.</summary>
    public const int MaxHeaderValueLength = 32767;

    /// <summary>Largest headers section (botocore, aws-c-event-stream).</summary>
    public const int MaxHeadersLength = 128 * 1024;

    /// <summary>
    /// Largest whole message written: 16 MiB, the smallest limit among the SDK decoders (botocore rejects payloads
    /// over 16 MiB, older aws-c-event-stream messages over 16 MiB). <see cref="EventStreamReader"/> is more lenient.
    /// </summary>
    public const int MaxMessageLength = 16 * 1024 * 1024;

    private const int PayloadChunk = 16 * 1024;

    /// <summary>One message with string headers and a payload (total length, headers length, prelude CRC, headers, payload, message CRC).</summary>
    /// <exception cref="ArgumentException">A header name is empty or longer than 127 UTF-8 bytes, a value longer than 32767 bytes,
    /// two headers share a name, or the message would exceed <see cref="MaxHeadersLength"/> / <see cref="MaxMessageLength"/>.</exception>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<EventHeader> headers, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(output);
        int headersLength = 0;
        for (int i = 0; i < headers.Length; i++)
        {
            string name = headers[i].Name;
            for (int j = 0; j < i; j++)
            {
                if (string.Equals(headers[j].Name, name, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"duplicate event-stream header '{name}'", nameof(headers));
                }
            }

            headersLength += MeasureHeader(name, headers[i].Value, nameof(headers));
        }

        int total = CheckLengths(headersLength, payload.Length);
        Span<byte> span = output.GetSpan(PreludeLength + headersLength);
        WritePrelude(span, total, headersLength);
        int position = PreludeLength;
        foreach (EventHeader header in headers)
        {
            position += WriteHeader(span[position..], header.Name, header.Value);
        }

        Finish(output, span, position, payload);
    }

    /// <summary>
    /// One message with headers of any type (values as in <see cref="EventMessage.Headers"/>: string, bool, sbyte, short,
    /// int, long, byte[], DateTimeOffset, Guid), written in enumeration order.
    /// </summary>
    /// <exception cref="ArgumentException">An unsupported value type, or the rules of <see cref="Write"/>.</exception>
    public static void WriteMessage(IBufferWriter<byte> output, IEnumerable<KeyValuePair<string, object>> headers, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(headers);
        KeyValuePair<string, object>[] list = [.. headers];
        var names = new HashSet<string>(StringComparer.Ordinal);
        int headersLength = 0;
        foreach ((string name, object value) in list)
        {
            if (!names.Add(name))
            {
                throw new ArgumentException($"duplicate event-stream header '{name}'", nameof(headers));
            }

            headersLength += MeasureHeader(name, value, nameof(headers));
        }

        int total = CheckLengths(headersLength, payload.Length);
        Span<byte> span = output.GetSpan(PreludeLength + headersLength);
        WritePrelude(span, total, headersLength);
        int position = PreludeLength;
        foreach ((string name, object value) in list)
        {
            position += WriteHeader(span[position..], name, value);
        }

        Finish(output, span, position, payload);
    }

    /// <summary>:message-type=event, :event-type=<paramref name="eventType"/>, :content-type=<paramref name="contentType"/></summary>
    public static void WriteEvent(IBufferWriter<byte> output, string eventType, string contentType, ReadOnlySpan<byte> payload)
    {
        ReadOnlySpan<EventHeader> headers =
        [
            new(EventStreamHeaders.MessageType, EventStreamHeaders.MessageTypeEvent),
            new(EventStreamHeaders.EventType, eventType),
            new(EventStreamHeaders.ContentType, contentType),
        ];
        Write(output, headers, payload);
    }

    /// <summary>:message-type=exception, :exception-type=<paramref name="exceptionType"/>, :content-type=<paramref name="contentType"/></summary>
    public static void WriteException(IBufferWriter<byte> output, string exceptionType, string contentType, ReadOnlySpan<byte> payload)
    {
        ReadOnlySpan<EventHeader> headers =
        [
            new(EventStreamHeaders.MessageType, EventStreamHeaders.MessageTypeException),
            new(EventStreamHeaders.ExceptionType, exceptionType),
            new(EventStreamHeaders.ContentType, contentType),
        ];
        Write(output, headers, payload);
    }

    /// <summary>:message-type=error, :error-code, :error-message, empty payload</summary>
    public static void WriteError(IBufferWriter<byte> output, string errorCode, string errorMessage)
    {
        ReadOnlySpan<EventHeader> headers =
        [
            new(EventStreamHeaders.MessageType, EventStreamHeaders.MessageTypeError),
            new(EventStreamHeaders.ErrorCode, errorCode),
            new(EventStreamHeaders.ErrorMessage, errorMessage),
        ];
        Write(output, headers, []);
    }

    /// <summary>The encoded size of a message with these string headers and a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int GetEncodedLength(ReadOnlySpan<EventHeader> headers, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        long length = Overhead + (long)payloadLength;
        foreach (EventHeader header in headers)
        {
            length += MeasureHeader(header.Name, header.Value, nameof(headers));
        }

        return length <= int.MaxValue ? (int)length : throw new ArgumentOutOfRangeException(nameof(payloadLength));
    }

    private static int CheckLengths(int headersLength, int payloadLength)
    {
        if (headersLength > MaxHeadersLength)
        {
            throw new ArgumentException($"event-stream headers of {headersLength} bytes exceed {MaxHeadersLength}");
        }

        long total = Overhead + (long)headersLength + payloadLength;
        if (total > MaxMessageLength)
        {
            throw new ArgumentException($"event-stream message of {total} bytes exceeds {MaxMessageLength}");
        }

        return (int)total;
    }

    private static void WritePrelude(Span<byte> span, int total, int headersLength)
    {
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)headersLength);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], Crc32.Compute(span[..8]));
    }

    /// <summary>Advances past prelude + headers, then copies the payload and appends the message CRC.</summary>
    private static void Finish(IBufferWriter<byte> output, Span<byte> head, int headLength, ReadOnlySpan<byte> payload)
    {
        uint crc = Crc32.Append(Crc32.Compute(head[..headLength]), payload);
        if (head.Length >= headLength + payload.Length + 4)
        {
            // Common case: the whole message fits in the span already obtained.
            payload.CopyTo(head[headLength..]);
            BinaryPrimitives.WriteUInt32BigEndian(head[(headLength + payload.Length)..], crc);
            output.Advance(headLength + payload.Length + 4);
            return;
        }

        output.Advance(headLength);
        while (!payload.IsEmpty)
        {
            Span<byte> span = output.GetSpan(Math.Min(payload.Length, PayloadChunk));
            int n = Math.Min(span.Length, payload.Length);
            payload[..n].CopyTo(span);
            output.Advance(n);
            payload = payload[n..];
        }

        BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), crc);
        output.Advance(4);
    }

    private static int MeasureHeader(string name, object value, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        int nameLength = Encoding.UTF8.GetByteCount(name);
        if (nameLength is 0 or > MaxHeaderNameLength)
        {
            throw new ArgumentException($"event-stream header name '{name}' must be 1..{MaxHeaderNameLength} UTF-8 bytes", paramName);
        }

        int valueLength = value switch
        {
            string s => 2 + CheckValueLength(Encoding.UTF8.GetByteCount(s), name, paramName),
            bool => 0,
            sbyte => 1,
            short => 2,
            int => 4,
            long => 8,
            byte[] bytes => 2 + CheckValueLength(bytes.Length, name, paramName),
            DateTimeOffset => 8,
            Guid => 16,
            null => throw new ArgumentException($"event-stream header '{name}' has a null value", paramName),
            _ => throw new ArgumentException($"event-stream header '{name}': unsupported value type {value.GetType().Name}", paramName),
        };
        return 1 + nameLength + 1 + valueLength;
    }

    private static int CheckValueLength(int length, string name, string paramName) => length <= MaxHeaderValueLength
        ? length
        : throw new ArgumentException($"event-stream header '{name}' value of {length} bytes exceeds {MaxHeaderValueLength}", paramName);

    /// <summary>Writes one (already measured) header; returns its length.</summary>
    private static int WriteHeader(Span<byte> span, string name, object value)
    {
        int nameLength = Encoding.UTF8.GetBytes(name, span[1..]);
        span[0] = (byte)nameLength;
        int p = 1 + nameLength;
        switch (value)
        {
            case string s:
                span[p] = (byte)EventHeaderType.String;
                int n = Encoding.UTF8.GetBytes(s, span[(p + 3)..]);
                BinaryPrimitives.WriteUInt16BigEndian(span[(p + 1)..], (ushort)n);
                return p + 3 + n;
            case bool b:
                span[p] = (byte)(b ? EventHeaderType.BoolTrue : EventHeaderType.BoolFalse);
                return p + 1;
            case sbyte v:
                span[p] = (byte)EventHeaderType.Byte;
                span[p + 1] = (byte)v;
                return p + 2;
            case short v:
                span[p] = (byte)EventHeaderType.Int16;
                BinaryPrimitives.WriteInt16BigEndian(span[(p + 1)..], v);
                return p + 3;
            case int v:
                span[p] = (byte)EventHeaderType.Int32;
                BinaryPrimitives.WriteInt32BigEndian(span[(p + 1)..], v);
                return p + 5;
            case long v:
                span[p] = (byte)EventHeaderType.Int64;
                BinaryPrimitives.WriteInt64BigEndian(span[(p + 1)..], v);
                return p + 9;
            case byte[] bytes:
                span[p] = (byte)EventHeaderType.ByteArray;
                BinaryPrimitives.WriteUInt16BigEndian(span[(p + 1)..], (ushort)bytes.Length);
                bytes.CopyTo(span[(p + 3)..]);
                return p + 3 + bytes.Length;
            case DateTimeOffset t:
                span[p] = (byte)EventHeaderType.Timestamp;
                BinaryPrimitives.WriteInt64BigEndian(span[(p + 1)..], t.ToUnixTimeMilliseconds());
                return p + 9;
            case Guid g:
                span[p] = (byte)EventHeaderType.Uuid;
                g.TryWriteBytes(span.Slice(p + 1, 16), bigEndian: true, out _);
                return p + 17;
            default:
                throw new InvalidOperationException("unreachable: header value was measured");
        }
    }
}
