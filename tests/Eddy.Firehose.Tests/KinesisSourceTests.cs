using System.Text;
using Eddy.Core;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Tests;

/// <summary>A stream-sourced delivery stream keeps each record's Kinesis metadata in its buffer (<see cref="SourceEnvelope"/>,
/// golden bytes) and hands it to the processing step with the source stream's ARN, even with processing off (the step
/// de-aggregates KPL records).</summary>
public sealed class KinesisSourceTests : EngineBed
{
    private const string StreamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/src";
    private const string Sequence = "49546986683135544286507457936321625675700192471156785154";

    /// <summary>The envelope of ("shardId-000000000001", Sequence, 1495072949453, "pk-a", "hello"), computed independently
    /// of the encoder (docs/formats/firehose-source-record.md).</summary>
    private const string Golden = "45464b5301cdc44a195c0100001400736861726449642d3030303030303030303030310400706b2d6138"
        + "3439353436393836363833313335353434323836353037343537393336333231363235363735373030313932343731313536373835313534"
        + "f91fb552" + "68656c6c6f";

    [Fact]
    public void The_envelope_has_the_documented_bytes_and_decodes_back()
    {
        var payload = SourceEnvelope.Encode("shardId-000000000001", Sequence, 1_495_072_949_453, "pk-a"u8, "hello"u8);
        Assert.Equal(Golden, Convert.ToHexStringLower(payload));
        var (metadata, data) = SourceEnvelope.Decode(payload);
        Assert.Equal(new KinesisRecordMetadata("shardId-000000000001", "pk-a", 1_495_072_949_453, Sequence), metadata);
        Assert.Equal("hello", Encoding.ASCII.GetString(data.Span));
    }

    [Theory]
    [InlineData(0)] // magic
    [InlineData(4)] // version
    [InlineData(20)] // inside the header: the checksum no longer matches
    public void A_payload_that_is_not_an_intact_envelope_is_bare_data(int corrupt)
    {
        var payload = Convert.FromHexString(Golden);
        payload[corrupt] ^= 0x40;
        var (metadata, data) = SourceEnvelope.Decode(payload);
        Assert.Null(metadata);
        Assert.Equal(payload, data.ToArray());
        Assert.Null(SourceEnvelope.Decode("plain record"u8.ToArray()).Metadata);
    }

    [Fact]
    public async Task Stream_records_reach_the_processor_with_their_metadata_and_the_source_arn_even_with_processing_off()
    {
        var readers = new OneShard(
            new ReadRecord(Sequence, 1_495_072_949_453, Encoding.UTF8.GetBytes("pk-a"), Encoding.UTF8.GetBytes("hello\n"), false),
            new ReadRecord(Sequence[..^1] + "5", 1_495_072_949_999, Encoding.UTF8.GetBytes("pk-b"), Encoding.UTF8.GetBytes("world\n"), false));
        var processor = new Recorder();
        var engine = await StartAsync(processor, readers);
        await engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput("fromkds", "KinesisStreamAsSource", new KinesisSourceInput(StreamArn, "arn:aws:iam::000000000000:role/r"), null,
            [new DestinationInput("ExtendedS3DestinationConfiguration",
                """{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0}}""")], []));
        await engine.WaitForMetricsAsync("fromkds", m => m.DeliveryRecords >= 2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var (context, records) = Assert.Single(processor.Calls);
        Assert.Equal(StreamArn, context.SourceKinesisStreamArn);
        Assert.Equal("""{"Enabled":false}""", context.ProcessingConfigurationJson);
        Assert.Equal([new KinesisRecordMetadata("shardId-000000000001", "pk-a", 1_495_072_949_453, Sequence),
            new KinesisRecordMetadata("shardId-000000000001", "pk-b", 1_495_072_949_999, Sequence[..^1] + "5")], records.Select(r => r.Kinesis));
        Assert.Equal("hello\nworld\n", Encoding.UTF8.GetString(Assert.Single(await Objects.ReadAllAsync("bucket")).Value));
        Assert.Equal(12, engine.Snapshot()[0].IncomingBytes); // the records' data, not their envelopes
    }

    private sealed class Recorder : IFirehoseProcessor
    {
        public List<(ProcessingContext, List<FirehoseRecord>)> Calls { get; } = [];

        public ValueTask<ProcessingResult> ProcessAsync(ProcessingContext context, IReadOnlyList<FirehoseRecord> records, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add((context, [.. records.Select(r => r with { Data = r.Data.ToArray() })]));
            }
            return ValueTask.FromResult(new ProcessingResult([.. records.Select(r => new ProcessedRecord(r.RecordId, r.ArrivalMs, r.Data))], []));
        }
    }

    /// <summary>A stream of one open shard whose reader returns the given records once, then waits until cancelled.</summary>
    private sealed class OneShard(params ReadRecord[] records) : IShardReaders
    {
        public ValueTask<StreamShards> DescribeShardsAsync(StreamRef stream) =>
            ValueTask.FromResult(new StreamShards("src", StreamArn, 7, [new ShardLineage("shardId-000000000001", 1, [], true)]));

        public ValueTask<IShardReader> OpenReaderAsync(StreamRef stream, string shardId, ShardPosition from) => ValueTask.FromResult<IShardReader>(new Reader(records));

        private sealed class Reader(ReadRecord[] records) : IShardReader
        {
            private bool _read;

            public string StreamArn => KinesisSourceTests.StreamArn;

            public long StreamId => 7;

            public string ShardId => "shardId-000000000001";

            public async ValueTask<ShardBatch> ReadAsync(int maxRecords, long maxBytes, TimeSpan maxWait, CancellationToken cancellationToken)
            {
                if (!_read)
                {
                    _read = true;
                    return new ShardBatch(records, 0, false, null, null);
                }
                await Task.Delay(Timeout.Infinite, cancellationToken);
                throw new OperationCanceledException(cancellationToken);
            }

            public void Dispose()
            {
            }
        }
    }
}
