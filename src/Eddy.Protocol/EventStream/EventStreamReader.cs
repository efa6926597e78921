using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace Eddy.Protocol.EventStream;

/// <summary>
/// Decodes <c>application/vnd.amazon.eventstream</c> messages (layout: <see cref="EventStreamWriter"/>,
/// docs/formats/event-stream.md). Rejects, with <see cref="EventStreamFormatException"/>: a prelude CRC or message CRC
/// mismatch; total length &lt; 16; headers length &gt; total − 16; headers &gt; 128 KiB; payload &gt; 24 MiB; an unknown
/// header type; a header running past the headers section; an empty header name; a duplicate header name; a string
/// header that is not valid UTF-8; a timestamp outside <see cref="DateTimeOffset"/>'s range.
/// </summary>
public static class EventStreamReader
{
    /// <summary>Largest headers section accepted (botocore, aws-c-event-stream).</summary>
    public const int MaxHeadersLength = 128 * 1024;

    /// <summary>Largest payload accepted (24 MiB, aws-c-event-stream's message limit).</summary>
    public const int MaxPayloadLength = 24 * 1024 * 1024;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Decodes one complete message from the start of <paramref name="buffer"/>; returns false if more bytes are
    /// needed (<paramref name="consumed"/> = 0). On success <paramref name="consumed"/> is the message's total length.
    /// </summary>
    /// <exception cref="EventStreamFormatException">The bytes are not a valid message (see the class summary).</exception>
    public static bool TryRead(ReadOnlySpan<byte> buffer, [NotNullWhen(true)] out EventMessage? message, out int consumed)
    {
        message = null;
        consumed = 0;
        if (!TryReadPrelude(buffer, out int total, out int headersLength) || buffer.Length < total)
        {
            return false;
        }

        uint expected = BinaryPrimitives.ReadUInt32BigEndian(buffer[(total - 4)..]);
        uint actual = Crc32.Compute(buffer[..(total - 4)]);
        if (expected != actual)
        {
            throw new EventStreamFormatException($"event-stream message CRC mismatch: message says 0x{expected:x8}, computed 0x{actual:x8}");
        }

        int payloadStart = EventStreamWriter.PreludeLength + headersLength;
        Dictionary<string, object> headers = ParseHeaders(buffer[EventStreamWriter.PreludeLength..payloadStart]);
        byte[] payload = buffer[payloadStart..(total - 4)].ToArray();
        message = new EventMessage(headers, payload);
        consumed = total;
        return true;
    }

    /// <summary>
    /// Reads and validates the 12-byte prelude at the start of <paramref name="buffer"/>: returns false when fewer than
    /// 12 bytes are there, otherwise the message's total length and headers length (the whole message may still be
    /// incomplete).
    /// </summary>
    /// <exception cref="EventStreamFormatException">Prelude CRC mismatch or lengths out of range.</exception>
    public static bool TryReadPrelude(ReadOnlySpan<byte> buffer, out int totalLength, out int headersLength)
    {
        totalLength = 0;
        headersLength = 0;
        if (buffer.Length < EventStreamWriter.PreludeLength)
        {
            return false;
        }

        uint total = BinaryPrimitives.ReadUInt32BigEndian(buffer);
        uint headers = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        uint expected = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
        uint actual = Crc32.Compute(buffer[..8]);
        if (expected != actual)
        {
            throw new EventStreamFormatException($"event-stream prelude CRC mismatch: prelude says 0x{expected:x8}, computed 0x{actual:x8}");
        }

        if (total < EventStreamWriter.Overhead)
        {
            throw new EventStreamFormatException($"event-stream total length {total} is below the minimum of {EventStreamWriter.Overhead}");
        }

        if (headers > total - EventStreamWriter.Overhead)
        {
            throw new EventStreamFormatException($"event-stream headers length {headers} exceeds total length {total} - 16");
        }

        if (headers > MaxHeadersLength)
        {
            throw new EventStreamFormatException($"event-stream headers length {headers} exceeds the maximum of {MaxHeadersLength}");
        }

        uint payload = total - EventStreamWriter.Overhead - headers;
        if (payload > MaxPayloadLength)
        {
            throw new EventStreamFormatException($"event-stream payload length {payload} exceeds the maximum of {MaxPayloadLength}");
        }

        totalLength = (int)total;
        headersLength = (int)headers;
        return true;
    }

    /// <summary>
    /// Reads messages from <paramref name="stream"/> as they arrive (e.g. a SubscribeToShard response body), yielding each
    /// as soon as its last byte was read. Ends when the stream ends between messages.
    /// </summary>
    /// <exception cref="EventStreamFormatException">A malformed message, or the stream ended inside a message.</exception>
    public static async IAsyncEnumerable<EventMessage> ReadAllAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] buffer = new byte[64 * 1024];
        int start = 0;
        int end = 0;
        while (true)
        {
            while (TryRead(buffer.AsSpan(start, end - start), out EventMessage? message, out int consumed))
            {
                start += consumed;
                yield return message;
            }

            // Make room: move the partial message to the front, grow to its declared length if known.
            int needed = TryReadPrelude(buffer.AsSpan(start, end - start), out int total, out _) ? total : EventStreamWriter.PreludeLength;
            if (start > 0 && (start == end || buffer.Length - start < needed))
            {
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                end -= start;
                start = 0;
            }

            if (buffer.Length - start < needed)
            {
                Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
            }

            int n = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (end > start)
                {
                    throw new EventStreamFormatException($"event stream ended inside a message ({end - start} bytes of it received)");
                }

                yield break;
            }

            end += n;
        }
    }

    private static Dictionary<string, object> ParseHeaders(ReadOnlySpan<byte> span)
    {
        var headers = new Dictionary<string, object>(StringComparer.Ordinal);
        int p = 0;
        while (p < span.Length)
        {
            int nameLength = span[p++];
            if (nameLength == 0)
            {
                throw new EventStreamFormatException($"event-stream header at offset {p - 1} has an empty name");
            }

            Need(span, p, nameLength + 1, "header name and type");
            string name = Utf8(span.Slice(p, nameLength), "header name");
            p += nameLength;
            var type = (EventHeaderType)span[p++];
            object value;
            switch (type)
            {
                case EventHeaderType.BoolTrue:
                    value = true;
                    break;
                case EventHeaderType.BoolFalse:
                    value = false;
                    break;
                case EventHeaderType.Byte:
                    Need(span, p, 1, name);
                    value = (sbyte)span[p];
                    p += 1;
                    break;
                case EventHeaderType.Int16:
                    Need(span, p, 2, name);
                    value = BinaryPrimitives.ReadInt16BigEndian(span[p..]);
                    p += 2;
                    break;
                case EventHeaderType.Int32:
                    Need(span, p, 4, name);
                    value = BinaryPrimitives.ReadInt32BigEndian(span[p..]);
                    p += 4;
                    break;
                case EventHeaderType.Int64:
                    Need(span, p, 8, name);
                    value = BinaryPrimitives.ReadInt64BigEndian(span[p..]);
                    p += 8;
                    break;
                case EventHeaderType.ByteArray or EventHeaderType.String:
                    {
                        Need(span, p, 2, name);
                        int length = BinaryPrimitives.ReadUInt16BigEndian(span[p..]);
                        p += 2;
                        Need(span, p, length, name);
                        ReadOnlySpan<byte> bytes = span.Slice(p, length);
                        value = type == EventHeaderType.String ? Utf8(bytes, name) : bytes.ToArray();
                        p += length;
                        break;
                    }

                case EventHeaderType.Timestamp:
                    {
                        Need(span, p, 8, name);
                        long millis = BinaryPrimitives.ReadInt64BigEndian(span[p..]);
                        p += 8;
                        if (millis < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || millis > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
                        {
                            throw new EventStreamFormatException($"event-stream header '{name}': timestamp {millis} ms is out of range");
                        }

                        value = DateTimeOffset.FromUnixTimeMilliseconds(millis);
                        break;
                    }

                case EventHeaderType.Uuid:
                    Need(span, p, 16, name);
                    value = new Guid(span.Slice(p, 16), bigEndian: true);
                    p += 16;
                    break;
                default:
                    throw new EventStreamFormatException($"event-stream header '{name}' has unknown value type {(byte)type}");
            }

            if (!headers.TryAdd(name, value))
            {
                throw new EventStreamFormatException($"duplicate event-stream header '{name}'");
            }
        }

        return headers;
    }

    private static void Need(ReadOnlySpan<byte> span, int position, int count, string what)
    {
        if (span.Length - position < count)
        {
            throw new EventStreamFormatException(
                $"event-stream header '{what}' runs past the headers section ({count} bytes needed at offset {position} of {span.Length})");
        }
    }

    private static string Utf8(ReadOnlySpan<byte> bytes, string what)
    {
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new EventStreamFormatException($"event-stream {what} is not valid UTF-8");
        }
    }
}
