using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Eddy.Core;
using PutRecordsHandler = Eddy.Server.Kinesis.Handlers.PutRecords;

namespace Eddy.Benchmarks.Codec;

/// <summary>
/// The PutRecords answer for 500 records, sequence numbers included: <c>Strings</c> (baseline) is what the server did
/// before (a string per sequence number, made when the append completed, then each member through
/// <see cref="Utf8JsonWriter"/>); <c>Values</c> is the server's <c>Handlers.PutRecords.Write</c>, which formats each
/// sequence number's digits straight into the answer.
/// </summary>
[MemoryDiagnoser]
public class PutRecordsAnswerBenchmarks
{
    private readonly SequenceNumber[] _sequences = new SequenceNumber[500];
    private readonly ArrayBufferWriter<byte> _output = new(128 * 1024);

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < _sequences.Length; i++)
        {
            _sequences[i] = new SequenceNumber(1_735_689_600, i % 4, 1_000_000 + i, 1_735_689_700);
        }
    }

    [Benchmark(Baseline = true)]
    public int Strings()
    {
        var outcomes = new (string ShardId, string Sequence)[_sequences.Length];
        for (int i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = (ShardId.Format(_sequences[i].ShardIndex), _sequences[i].ToString());
        }

        _output.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_output, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("FailedRecordCount", 0);
            w.WriteStartArray("Records");
            foreach (var (shardId, sequence) in outcomes)
            {
                w.WriteStartObject();
                w.WriteString("SequenceNumber", sequence);
                w.WriteString("ShardId", shardId);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return _output.WrittenCount;
    }

    [Benchmark]
    public int Values()
    {
        var outcomes = new PutOutcome[_sequences.Length];
        for (int i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = new PutOutcome(ShardId.Format(_sequences[i].ShardIndex), _sequences[i], null, null);
        }

        _output.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_output, new JsonWriterOptions { SkipValidation = true }))
        {
            PutRecordsHandler.Write(w, new PutRecordsResult(outcomes, 0, "NONE"));
        }

        return _output.WrittenCount;
    }
}
