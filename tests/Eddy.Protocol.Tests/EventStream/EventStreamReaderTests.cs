using System.Buffers.Binary;
using System.Text;
using Eddy.Protocol.EventStream;
using static Eddy.Protocol.Tests.EventStream.EventStreamTestData;

namespace Eddy.Protocol.Tests.EventStream;

public sealed class EventStreamReaderTests
{
    [Fact]
    public void DecodesInitialResponseVector()
    {
        Assert.True(EventStreamReader.TryRead(InitialResponse, out EventMessage? message, out int consumed));
        Assert.Equal(104, consumed);
        Assert.Equal(3, message.Headers.Count);
        Assert.Equal("event", message.MessageType);
        Assert.Equal("initial-response", message.EventType);
        Assert.Equal("application/json", message.ContentType);
        Assert.Null(message.ExceptionType);
        Assert.Equal("{}"u8.ToArray(), message.Payload);
    }

    [Fact]
    public void DecodesExceptionVector()
    {
        Assert.True(EventStreamReader.TryRead(ResourceInUse, out EventMessage? message, out int consumed));
        Assert.Equal(131, consumed);
        Assert.Equal("exception", message.MessageType);
        Assert.Equal("ResourceInUseException", message.ExceptionType);
        Assert.Equal("application/json", message.ContentType);
        Assert.Null(message.EventType);
        Assert.Equal("""{"message":"x"}""", Encoding.UTF8.GetString(message.Payload));
    }

    [Fact]
    public void ReadsConsecutiveMessagesAndStopsAtAPartialOne()
    {
        byte[] stream = [.. InitialResponse, .. ResourceInUse, .. InitialResponse.AsSpan(0, 50)];
        Assert.True(EventStreamReader.TryRead(stream, out EventMessage? first, out int a));
        Assert.True(EventStreamReader.TryRead(stream.AsSpan(a), out EventMessage? second, out int b));
        Assert.False(EventStreamReader.TryRead(stream.AsSpan(a + b), out EventMessage? third, out int c));
        Assert.Equal("initial-response", first.EventType);
        Assert.Equal("ResourceInUseException", second.ExceptionType);
        Assert.Null(third);
        Assert.Equal(0, c);
    }

    public static TheoryData<string, object> HeaderValues() => new()
    {
        { "true", true },
        { "false", false },
        { "byte min", sbyte.MinValue },
        { "byte max", sbyte.MaxValue },
        { "int16 min", short.MinValue },
        { "int16 max", short.MaxValue },
        { "int32 min", int.MinValue },
        { "int32 max", int.MaxValue },
        { "int64 min", long.MinValue },
        { "int64 max", long.MaxValue },
        { "bytes empty", Array.Empty<byte>() },
        { "bytes", new byte[] { 0, 1, 2, 0xFF } },
        { "bytes max", Enumerable.Range(0, 32767).Select(i => (byte)i).ToArray() },
        { "string empty", "" },
        { "string", "ünïcødé ✓ 𝄞" },
        { "string max", new string('x', 32767) },
        { "timestamp", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123) },
        { "timestamp negative", DateTimeOffset.FromUnixTimeMilliseconds(-1) },
        { "timestamp min", DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.MinValue.ToUnixTimeMilliseconds()) },
        { "timestamp max", DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()) },
        { "uuid", Guid.Parse("00112233-4455-6677-8899-aabbccddeeff") },
        { "uuid empty", Guid.Empty },
    };

    [Theory]
    [MemberData(nameof(HeaderValues))]
    public void EveryHeaderTypeRoundTrips(string name, object value)
    {
        byte[] bytes = Encode(o => EventStreamWriter.WriteMessage(o, [new(name, value), new(":message-type", "event")], "payload"u8));
        Assert.True(EventStreamReader.TryRead(bytes, out EventMessage? message, out int consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(2, message.Headers.Count);
        Assert.Equal(value.GetType(), message.Headers[name].GetType());
        Assert.Equal(value, message.Headers[name]);
        Assert.Equal("event", message.MessageType);
        Assert.Equal("payload"u8.ToArray(), message.Payload);
    }

    [Fact]
    public void AllHeaderTypesInOneMessageRoundTrip()
    {
        var headers = new Dictionary<string, object>();
        foreach (object?[] row in HeaderValues())
        {
            headers.Add((string)row[0]!, row[1]!);
        }

        byte[] payload = new byte[1000];
        new Random(4).NextBytes(payload);
        byte[] bytes = Encode(o => EventStreamWriter.WriteMessage(o, headers, payload));
        Assert.True(EventStreamReader.TryRead(bytes, out EventMessage? message, out _));
        Assert.Equal(headers.Count, message.Headers.Count);
        foreach ((string name, object value) in headers)
        {
            Assert.Equal(value, message.Headers[name]);
        }

        Assert.Equal(payload, message.Payload);

        // Byte-for-byte stable: re-encoding the decoded headers (dictionary order = insertion order) gives the same bytes.
        Assert.Equal(bytes, Encode(o => EventStreamWriter.WriteMessage(o, message.Headers, message.Payload)));
    }

    [Fact]
    public void TimestampsKeepMillisecondsOnly()
    {
        var t = new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        byte[] bytes = Encode(o => EventStreamWriter.WriteMessage(o, [new("t", t)], []));
        Assert.True(EventStreamReader.TryRead(bytes, out EventMessage? message, out _));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds()), message.Headers["t"]);
    }

    public static TheoryData<string> Samples() => ["initial-response", "exception", "typed", "large"];

    private static byte[] Sample(string name) => name switch
    {
        "initial-response" => InitialResponse,
        "exception" => ResourceInUse,
        "typed" => Encode(o => EventStreamWriter.WriteMessage(
            o, [new("a", 1), new("b", "two"), new("c", Guid.NewGuid()), new("d", true), new("e", new byte[] { 9 })], "{}"u8)),
        _ => Encode(o => EventStreamWriter.WriteEvent(o, "SubscribeToShardEvent", "application/json", new byte[70_000])),
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryTruncationNeedsMoreBytes(string sample)
    {
        byte[] bytes = Sample(sample);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(EventStreamReader.TryRead(bytes.AsSpan(0, length), out EventMessage? message, out int consumed));
            Assert.Null(message);
            Assert.Equal(0, consumed);
        }

        Assert.True(EventStreamReader.TryRead(bytes, out _, out int all));
        Assert.Equal(bytes.Length, all);
    }

    [Theory]
    [InlineData("initial-response")]
    [InlineData("exception")]
    [InlineData("typed")]
    public void EverySingleByteMutationIsRejected(string sample)
    {
        byte[] original = Sample(sample);
        for (int position = 0; position < original.Length; position++)
        {
            for (int flip = 1; flip < 256; flip++)
            {
                byte[] bytes = (byte[])original.Clone();
                bytes[position] ^= (byte)flip;
                AssertRejected(bytes, $"byte {position} ^ 0x{flip:x2}");
            }
        }
    }

    [Fact]
    public void RandomSingleByteMutationsOfALargeMessageAreRejected()
    {
        byte[] original = Sample("large");
        var random = new Random(5);
        for (int i = 0; i < 2000; i++)
        {
            byte[] bytes = (byte[])original.Clone();
            int position = i < 16 ? i : random.Next(bytes.Length);
            bytes[position] ^= (byte)random.Next(1, 256);
            AssertRejected(bytes, $"byte {position}");
        }
    }

    private static void AssertRejected(byte[] bytes, string what)
    {
        try
        {
            // A corrupted length may also make the message look longer than the buffer: then no message may come out
            // even once the "missing" bytes arrive, because the CRCs can no longer match. Both outcomes are rejections.
            bool read = EventStreamReader.TryRead(bytes, out EventMessage? message, out _);
            Assert.False(read, $"{what}: corrupted message decoded");
            Assert.Null(message);
            Assert.Throws<EventStreamFormatException>(() => EventStreamReader.TryRead([.. bytes, .. new byte[64 * 1024]], out _, out _));
        }
        catch (EventStreamFormatException)
        {
        }
    }

    [Fact]
    public void RandomGarbageOnlyEverThrowsFormatExceptions()
    {
        var random = new Random(6);
        for (int i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            if (bytes.Length >= 12 && (i & 1) == 0)
            {
                // Plausible prelude with a correct CRC, so decoding gets further.
                BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)random.Next(0, bytes.Length + 20));
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), (uint)random.Next(0, bytes.Length));
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), Crc32.Compute(bytes.AsSpan(0, 8)));
            }

            TryDecode(bytes);
        }
    }

    [Fact]
    public void RandomHeaderBytesWithValidCrcsOnlyEverThrowFormatExceptions()
    {
        var random = new Random(7);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var headers = new byte[random.Next(0, 64)];
            random.NextBytes(headers);
            if (headers.Length > 0 && (i & 1) == 0)
            {
                // Bias towards plausible structure: small name length, known type.
                headers[0] = (byte)random.Next(0, 8);
                if (headers.Length > headers[0] + 1)
                {
                    headers[headers[0] + 1] = (byte)random.Next(0, 11);
                }
            }

            if (TryDecode(Raw(headers, "p"u8)))
            {
                decoded++;
            }
        }

        Assert.InRange(decoded, 1, 20_000);
    }

    private static bool TryDecode(byte[] bytes)
    {
        try
        {
            return EventStreamReader.TryRead(bytes, out _, out _);
        }
        catch (EventStreamFormatException)
        {
            return false;
        }
    }

    public static TheoryData<string, uint, uint> BadPreludes() => new()
    {
        { "total 0", 0, 0 },
        { "total 15", 15, 0 },
        { "headers past total", 100, 85 },
        { "headers past total (huge)", 100, uint.MaxValue },
        { "headers over 128 KiB", 16 + (128 * 1024) + 1, (128 * 1024) + 1 },
        { "payload over 24 MiB", 16 + (24 * 1024 * 1024) + 1, 0 },
        { "total 4 GiB", uint.MaxValue, 0 },
    };

    [Theory]
    [MemberData(nameof(BadPreludes))]
    public void LengthsOutOfRangeAreRejectedFromThePreludeAlone(string what, uint total, uint headers)
    {
        Assert.NotNull(what);
        byte[] prelude = Prelude(total, headers);
        Assert.Throws<EventStreamFormatException>(() => EventStreamReader.TryRead(prelude, out _, out _));
    }

    [Fact]
    public void LargestLengthsAreAccepted()
    {
        // 128 KiB of headers and 24 MiB of payload: valid prelude, so the reader just asks for more bytes.
        byte[] prelude = Prelude(16 + (128 * 1024) + (24 * 1024 * 1024), 128 * 1024);
        Assert.False(EventStreamReader.TryRead(prelude, out _, out int consumed));
        Assert.Equal(0, consumed);
        Assert.True(EventStreamReader.TryReadPrelude(prelude, out int total, out int headers));
        Assert.Equal(16 + (128 * 1024) + (24 * 1024 * 1024), total);
        Assert.Equal(128 * 1024, headers);

        byte[] full = Raw([], new byte[24 * 1024 * 1024]);
        Assert.True(EventStreamReader.TryRead(full, out EventMessage? message, out _));
        Assert.Equal(24 * 1024 * 1024, message.Payload.Length);
    }

    [Fact]
    public void BadPreludeCrcIsRejected()
    {
        byte[] bytes = (byte[])InitialResponse.Clone();
        bytes[11] ^= 1;
        var e = Assert.Throws<EventStreamFormatException>(() => EventStreamReader.TryRead(bytes.AsSpan(0, 12), out _, out _));
        Assert.Contains("prelude CRC", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadMessageCrcIsRejected()
    {
        byte[] bytes = (byte[])InitialResponse.Clone();
        bytes[^1] ^= 1;
        var e = Assert.Throws<EventStreamFormatException>(() => EventStreamReader.TryRead(bytes, out _, out _));
        Assert.Contains("message CRC", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[]> BadHeaders() => new()
    {
        { "unknown type 10", [1, (byte)'n', 10] },
        { "unknown type 255", [1, (byte)'n', 255] },
        { "name past end", [5, (byte)'n', (byte)'a'] },
        { "type missing", [1, (byte)'n'] },
        { "empty name", [0, 0] },
        { "byte value missing", [1, (byte)'n', 2] },
        { "int16 value short", [1, (byte)'n', 3, 0] },
        { "int32 value short", [1, (byte)'n', 4, 0, 0, 0] },
        { "int64 value short", [1, (byte)'n', 5, 0, 0, 0, 0, 0, 0, 0] },
        { "bytes length missing", [1, (byte)'n', 6, 0] },
        { "bytes past end", [1, (byte)'n', 6, 0, 3, 1, 2] },
        { "string past end", [1, (byte)'n', 7, 0, 3, (byte)'a', (byte)'b'] },
        { "string length huge", [1, (byte)'n', 7, 0xFF, 0xFF, (byte)'a'] },
        { "timestamp short", [1, (byte)'n', 8, 0, 0, 0, 0] },
        { "timestamp out of range", [1, (byte)'n', 8, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] },
        { "uuid short", [1, (byte)'n', 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] },
        { "invalid UTF-8 string", [1, (byte)'n', 7, 0, 2, 0xC3, 0x28] },
        { "invalid UTF-8 name", [1, 0xFF, 0] },
        { "duplicate name", [1, (byte)'n', 0, 1, (byte)'n', 1] },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void BadHeadersAreRejected(string what, byte[] headers)
    {
        Assert.NotNull(what);
        byte[] bytes = Raw(headers, "{}"u8);
        Assert.Throws<EventStreamFormatException>(() => EventStreamReader.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void HeadersEndExactlyAtTheSectionEnd()
    {
        // A header whose value ends at the last byte of the section, followed by the payload.
        byte[] bytes = Raw([1, (byte)'n', 4, 0, 0, 1, 0], "xyz"u8);
        Assert.True(EventStreamReader.TryRead(bytes, out EventMessage? message, out _));
        Assert.Equal(256, message.Headers["n"]);
        Assert.Equal("xyz"u8.ToArray(), message.Payload);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(100_000)]
    public async Task ReadAllAsyncYieldsMessagesAcrossArbitraryReadBoundaries(int readSize)
    {
        byte[] large = Encode(o => EventStreamWriter.WriteEvent(o, "SubscribeToShardEvent", "application/json", new byte[200_000]));
        byte[] all = [.. InitialResponse, .. large, .. ResourceInUse, .. InitialResponse];
        using var stream = new TrickleStream(all, readSize);
        var seen = new List<EventMessage>();
        await foreach (EventMessage message in EventStreamReader.ReadAllAsync(stream))
        {
            seen.Add(message);
        }

        Assert.Equal(4, seen.Count);
        Assert.Equal("initial-response", seen[0].EventType);
        Assert.Equal(200_000, seen[1].Payload.Length);
        Assert.Equal("ResourceInUseException", seen[2].ExceptionType);
        Assert.Equal("initial-response", seen[3].EventType);
    }

    [Fact]
    public async Task ReadAllAsyncRejectsAStreamEndingInsideAMessage()
    {
        byte[] all = [.. InitialResponse, .. ResourceInUse.AsSpan(0, 20)];
        using var stream = new TrickleStream(all, 13);
        int count = 0;
        await Assert.ThrowsAsync<EventStreamFormatException>(async () =>
        {
            await foreach (EventMessage _ in EventStreamReader.ReadAllAsync(stream))
            {
                count++;
            }
        });
        Assert.Equal(1, count);
    }

    /// <summary>A read-only stream returning at most <c>readSize</c> bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int readSize) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(buffer.Length, readSize), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
