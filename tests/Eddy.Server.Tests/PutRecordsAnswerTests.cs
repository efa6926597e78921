using System.Buffers;
using System.Text.Json;
using Eddy.Core;
using Eddy.Server.Kinesis.Handlers;

namespace Eddy.Server.Tests;

/// <summary>The PutRecords answer written from sequence-number values is byte for byte what the writer made from
/// strings before (every entry through <see cref="Utf8JsonWriter"/>, as <c>PutRecords.WriteEntry</c> still writes failures).</summary>
public sealed class PutRecordsAnswerTests
{
    private static byte[] Reference(PutRecordsResult r)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("FailedRecordCount", r.FailedRecordCount);
            w.WriteStartArray("Records");
            foreach (var o in r.Records) PutRecords.WriteEntry(w, o); // every entry through the writer, as before
            w.WriteEndArray();
            if (r.EncryptionType != "NONE") w.WriteString("EncryptionType", r.EncryptionType);
            w.WriteEndObject();
        }
        return output.WrittenSpan.ToArray();
    }

    private static byte[] Written(PutRecordsResult r)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true })) PutRecords.Write(w, r);
        return output.WrittenSpan.ToArray();
    }

    private static PutOutcome Ok(int shard, long counter) =>
        new(ShardId.Format(shard), new SequenceNumber(1_735_689_600, shard, counter, 1_735_689_700), null, null);

    private static PutOutcome Failed(string message) =>
        new(null, null, "ProvisionedThroughputExceededException", message);

    [Fact]
    public void Successes_failures_and_encryption_in_any_order_match_the_reference_writer()
    {
        PutOutcome[][] cases =
        [
            [Ok(0, 1)],
            [Ok(1, 1), Ok(2, 2), Ok(3, long.MaxValue - 1)],
            [Failed("Rate exceeded for shard shardId-000000000001 in stream s under account 000000000000.")],
            [Failed("<&'+\"\\>"), Ok(0, 7), Failed("ü"), Ok(4095, 123_456_789_012)],
            [Ok(0, 1), Failed("x"), Ok(int.MaxValue, 0)],
            [],
        ];
        foreach (var outcomes in cases)
        {
            foreach (var encryption in new[] { "NONE", "KMS" })
            {
                var r = new PutRecordsResult(outcomes, outcomes.Count(o => o.ErrorCode is not null), encryption);
                Assert.Equal(Reference(r), Written(r));
            }
        }
    }

    [Fact]
    public void Format_writes_the_same_digits_as_ToString()
    {
        Span<byte> digits = stackalloc byte[SequenceNumber.MaxDigits];
        foreach (var seq in new[] { new SequenceNumber(0, 0, 0, 0), new SequenceNumber(1_735_689_600, 3, 1, 1_735_689_601), new SequenceNumber((1L << 36) - 1, -1, long.MaxValue, (1L << 36) - 1) })
        {
            var n = seq.Format(digits);
            Assert.Equal(seq.ToString(), System.Text.Encoding.ASCII.GetString(digits[..n]));
            Assert.True(SequenceNumber.TryParse(seq.ToString(), out var back) && back == seq || seq.ShardIndex < 0);
        }
    }
}
