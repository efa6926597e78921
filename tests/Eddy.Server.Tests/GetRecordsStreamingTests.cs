using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Eddy.Core;
using Eddy.Server.Kinesis.Handlers;

namespace Eddy.Server.Tests;

/// <summary>The streamed GetRecords answer: its precomputed length and its bytes are exactly those of the answer
/// built whole with <see cref="Utf8JsonWriter"/> (what Eddy sent before it streamed).</summary>
public sealed class GetRecordsStreamingTests
{
    private static byte[] Buffered(GetRecordsResult r)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true })) GetRecords.Write(w, r);
        return output.WrittenSpan.ToArray();
    }

    private static async Task<byte[]> StreamedAsync(GetRecordsResult r)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await GetRecords.WriteAsync(pipe.Writer, r, CancellationToken.None);
        await pipe.Writer.CompleteAsync();
        using var copy = new MemoryStream();
        await pipe.Reader.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static ReadRecord Record(string key, int dataBytes, long arrivalMs, bool encrypted = false, string sequence = "49654871237461547820374609283745098273450982374509823745")
    {
        var data = new byte[dataBytes];
        new Random(dataBytes).NextBytes(data);
        return new ReadRecord(sequence, arrivalMs, Encoding.UTF8.GetBytes(key), data, encrypted);
    }

    /// <summary>Partition keys as the hex of their UTF-8 (xunit would give control characters the same test id).</summary>
    public static TheoryData<string> Keys()
    {
        var keys = new TheoryData<string>();
        foreach (var key in new[] { "pk0000000001", "a b", "ü", "日本", "😀", "\u2028", "<>&'+`\"\\", "\t\n" }) keys.Add(Convert.ToHexString(Encoding.UTF8.GetBytes(key)));
        for (var c = 0; c < 0x80; c++) keys.Add(c.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        return keys;
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task Length_and_streamed_bytes_match_the_buffered_answer_for_any_partition_key(string keyHex)
    {
        var key = Encoding.UTF8.GetString(Convert.FromHexString(keyHex));
        var r = new GetRecordsResult([Record(key, 5, 1_735_689_600_123), Record("k" + key, 0, 1_735_689_600_000, encrypted: true)], "AAAA+/==", 0, null);
        var expected = Buffered(r);
        Assert.Equal(expected.Length, GetRecords.Length(r));
        Assert.Equal(expected, await StreamedAsync(r));
    }

    [Fact]
    public void Verbatim_bytes_are_exactly_those_the_writer_does_not_escape()
    {
        for (var b = 0; b < 0x80; b++)
        {
            var output = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(output)) w.WriteStringValue([(byte)b]);
            Assert.True(JsonLength.IsVerbatim((byte)b) == (output.WrittenCount == 3), $"byte 0x{b:x2}");
        }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(1_000L)]
    [InlineData(1_735_689_600_100L)]
    [InlineData(1_735_689_600_120L)]
    [InlineData(1_735_689_600_123L)]
    public void Timestamp_length_matches_the_writer(long ms)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(output)) w.WriteNumberValue(ms / 1000m);
        Assert.Equal(output.WrittenCount, JsonLength.Timestamp(ms));
    }

    [Fact]
    public async Task A_ten_thousand_record_answer_with_every_tail_member_streams_identically()
    {
        var records = Enumerable.Range(0, 10_000).Select(i => Record("pk" + i, i % 1500, 1_735_689_600_000 + i, encrypted: i % 7 == 0)).ToArray();
        var children = new List<ChildShardView>
        {
            new("shardId-000000000002", ["shardId-000000000000", "shardId-000000000001"], new HashKeyRange(0, UInt128.MaxValue)),
        };
        foreach (var r in new[]
        {
            new GetRecordsResult(records, "iterator+with/escapes=", 12345, null),
            new GetRecordsResult(records, null, 0, children),
            new GetRecordsResult([], "it", 0, null),
            new GetRecordsResult([], null, 0, []),
        })
        {
            var expected = Buffered(r);
            Assert.Equal(expected.Length, GetRecords.Length(r));
            Assert.Equal(expected, await StreamedAsync(r));
        }
    }
}
