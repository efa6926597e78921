using System.Buffers;
using Eddy.Protocol.EventStream;
using static Eddy.Protocol.Tests.EventStream.EventStreamTestData;

namespace Eddy.Protocol.Tests.EventStream;

public sealed class EventStreamWriterTests
{
    [Fact]
    public void InitialResponseVectorByteForByte()
    {
        byte[] bytes = Encode(o => EventStreamWriter.WriteEvent(o, "initial-response", "application/json", "{}"u8));
        Assert.Equal(104, bytes.Length);
        Assert.Equal(Convert.ToHexString(InitialResponse), Convert.ToHexString(bytes));
    }

    [Fact]
    public void ExceptionVectorByteForByte()
    {
        byte[] bytes = Encode(o => EventStreamWriter.WriteException(o, "ResourceInUseException", "application/json", """{"message":"x"}"""u8));
        Assert.Equal(131, bytes.Length);
        Assert.Equal(Convert.ToHexString(ResourceInUse), Convert.ToHexString(bytes));
    }

    [Fact]
    public void WriteIsTheGeneralFormOfWriteEvent()
    {
        EventHeader[] headers =
        [
            new(":message-type", "event"),
            new(":event-type", "initial-response"),
            new(":content-type", "application/json"),
        ];
        Assert.Equal(InitialResponse, Encode(o => EventStreamWriter.Write(o, headers, "{}"u8)));
        Assert.Equal(104, EventStreamWriter.GetEncodedLength(headers, 2));
    }

    [Fact]
    public void ErrorMessageHasThreeHeadersAndNoPayload()
    {
        byte[] bytes = Encode(o => EventStreamWriter.WriteError(o, "InternalFailure", "something broke"));
        byte[] expected = Raw(
            [
                .. StringHeader(":message-type", "error"),
                .. StringHeader(":error-code", "InternalFailure"),
                .. StringHeader(":error-message", "something broke"),
            ],
            []);
        Assert.Equal(expected, bytes);
        Assert.True(EventStreamReader.TryRead(bytes, out EventMessage? message, out int consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal("error", message.MessageType);
        Assert.Equal("InternalFailure", message.ErrorCode);
        Assert.Equal("something broke", message.ErrorMessage);
        Assert.Empty(message.Payload);
    }

    [Fact]
    public void EmptyMessageIsSixteenBytes()
    {
        byte[] bytes = Encode(o => EventStreamWriter.Write(o, [], []));
        Assert.Equal(Raw([], []), bytes);
        Assert.Equal(16, bytes.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public void SmallSpansGiveTheSameBytes(int maxSpan)
    {
        var payload = new byte[100_000];
        new Random(3).NextBytes(payload);
        byte[] expected = Encode(o => EventStreamWriter.WriteEvent(o, "SubscribeToShardEvent", "application/json", payload));
        var stingy = new StingyBufferWriter(maxSpan);
        EventStreamWriter.WriteEvent(stingy, "SubscribeToShardEvent", "application/json", payload);
        Assert.Equal(expected, stingy.Written);
        Assert.True(EventStreamReader.TryRead(expected, out EventMessage? message, out _));
        Assert.Equal(payload, message.Payload);
    }

    [Fact]
    public void MessagesAppendToTheSameOutput()
    {
        var output = new ArrayBufferWriter<byte>();
        EventStreamWriter.WriteEvent(output, "initial-response", "application/json", "{}"u8);
        EventStreamWriter.WriteException(output, "ResourceInUseException", "application/json", """{"message":"x"}"""u8);
        Assert.Equal([.. InitialResponse, .. ResourceInUse], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void NonAsciiStringsAreUtf8()
    {
        byte[] bytes = Encode(o => EventStreamWriter.Write(o, [new("x-é", "ünïcødé ✓")], []));
        Assert.Equal(Raw(StringHeader("x-é", "ünïcødé ✓"), []), bytes);
    }

    public static TheoryData<string> InvalidHeaderCases() => ["empty name", "long name", "long value", "duplicate", "null value"];

    [Theory]
    [MemberData(nameof(InvalidHeaderCases))]
    public void InvalidHeadersAreRejectedBeforeAnythingIsWritten(string which)
    {
        EventHeader[] headers = which switch
        {
            "empty name" => [new("", "v")],
            "long name" => [new(new string('n', 128), "v")],
            "long value" => [new("n", new string('v', 32768))],
            "duplicate" => [new("a", "1"), new("b", "2"), new("a", "3")],
            _ => [new("n", null!)],
        };
        var output = new ArrayBufferWriter<byte>();
        Assert.ThrowsAny<ArgumentException>(() => EventStreamWriter.Write(output, headers, "x"u8));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void LimitsAreInclusive()
    {
        EventHeader[] headers = [new(new string('n', 127), new string('v', 32767))];
        byte[] bytes = Encode(o => EventStreamWriter.Write(o, headers, []));
        Assert.True(EventStreamReader.TryRead(bytes, out EventMessage? message, out _));
        Assert.Equal(new string('v', 32767), message.Headers[new string('n', 127)]);
    }

    [Fact]
    public void OversizedMessagesAreRejected()
    {
        var output = new ArrayBufferWriter<byte>();
        var payload = new byte[EventStreamWriter.MaxMessageLength - 16 + 1];
        Assert.Throws<ArgumentException>(() => EventStreamWriter.Write(output, [], payload));
        Assert.Equal(0, output.WrittenCount);

        // Five headers of 32767-byte values: 163 KiB of headers.
        EventHeader[] many = [.. Enumerable.Range(0, 5).Select(i => new EventHeader("h" + i, new string('v', 32767)))];
        Assert.Throws<ArgumentException>(() => EventStreamWriter.Write(output, many, []));
        Assert.Equal(0, output.WrittenCount);

        // The largest message is fine.
        EventStreamWriter.Write(output, [], payload.AsSpan(1));
        Assert.Equal(EventStreamWriter.MaxMessageLength, output.WrittenCount);
        Assert.True(EventStreamReader.TryRead(output.WrittenSpan, out _, out int consumed));
        Assert.Equal(EventStreamWriter.MaxMessageLength, consumed);
    }

    [Fact]
    public void UnsupportedTypedValueIsRejected()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => EventStreamWriter.WriteMessage(output, [new("n", 1.5)], []));
        Assert.Throws<ArgumentException>(() => EventStreamWriter.WriteMessage(output, [new("n", 1), new("n", 2)], []));
        Assert.Throws<ArgumentException>(() => EventStreamWriter.WriteMessage(output, [new("n", new byte[32768])], []));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void TypedValuesHaveTheSpecifiedEncoding()
    {
        var guid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        byte[] bytes = Encode(o => EventStreamWriter.WriteMessage(
            o,
            [
                new("t", true), new("f", false), new("b", (sbyte)-2), new("s", (short)-3), new("i", 0x01020304),
                new("l", 0x0102030405060708L), new("a", new byte[] { 0xAA, 0xBB }), new("u", "hi"),
                new("d", DateTimeOffset.FromUnixTimeMilliseconds(0x0102030405)), new("g", guid),
            ],
            []));
        byte[] expected = Raw(
            [
                1, (byte)'t', 0,
                1, (byte)'f', 1,
                1, (byte)'b', 2, 0xFE,
                1, (byte)'s', 3, 0xFF, 0xFD,
                1, (byte)'i', 4, 1, 2, 3, 4,
                1, (byte)'l', 5, 1, 2, 3, 4, 5, 6, 7, 8,
                1, (byte)'a', 6, 0, 2, 0xAA, 0xBB,
                1, (byte)'u', 7, 0, 2, (byte)'h', (byte)'i',
                1, (byte)'d', 8, 0, 0, 0, 1, 2, 3, 4, 5,
                1, (byte)'g', 9, .. Hex("00112233445566778899aabbccddeeff"),
            ],
            []);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(bytes));
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> that never hands out more than <c>maxSpan</c> bytes beyond the size hint.</summary>
    private sealed class StingyBufferWriter(int maxSpan) : IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _current = [];

        public byte[] Written => [.. _written];

        public void Advance(int count)
        {
            Assert.InRange(count, 0, _current.Length);
            _written.AddRange(_current.AsSpan(0, count));
            _current = [];
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            _current = new byte[Math.Max(sizeHint, maxSpan)];
            return _current;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
