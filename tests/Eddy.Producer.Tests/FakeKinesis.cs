using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Eddy.Client;
using Eddy.Client.Kinesis;

namespace Eddy.Producer.Tests;

/// <summary>An in-memory <see cref="IProducerKinesis"/>: a shard map the test sets, PutRecords answered by
/// <see cref="Answer"/> (default: every entry stored on the shard its hash key falls in), every call recorded and
/// announced on <see cref="Calls"/>.</summary>
internal sealed class FakeKinesis : IProducerKinesis
{
    private long _sequence;

    public FakeKinesis(int shards) => SetShards(Even(shards));

    public volatile IReadOnlyList<Shard> Shards = [];

    /// <summary>Every PutRecords request, in the order received.</summary>
    public Channel<PutRecordsRequest> Calls { get; } = Channel.CreateUnbounded<PutRecordsRequest>();

    public ConcurrentQueue<PutRecordsRequest> All { get; } = new();

    public int ListShardsCalls;

    /// <summary>Overrides the answer of a call (call number from 1, request) → response; null → the default answer.</summary>
    public Func<int, PutRecordsRequest, PutRecordsResponse?>? Answer { get; set; }

    /// <summary>Thrown by ListShards when set.</summary>
    public Exception? ListShardsError { get; set; }

    private int _puts;

    public void SetShards(IReadOnlyList<Shard> shards) => Shards = shards;

    public static IReadOnlyList<Shard> Even(int count, int firstIndex = 0)
    {
        var width = UInt128.MaxValue / (UInt128)count;
        return [.. Enumerable.Range(0, count).Select(i => Shard(firstIndex + i, width * (UInt128)i, i == count - 1 ? UInt128.MaxValue : width * (UInt128)(i + 1) - 1))];
    }

    public static Shard Shard(int index, UInt128 start, UInt128 end) => new()
    {
        ShardId = $"shardId-{index:D12}",
        HashKeyRange = new HashKeyRange { StartingHashKey = start.ToString(CultureInfo.InvariantCulture), EndingHashKey = end.ToString(CultureInfo.InvariantCulture) },
        SequenceNumberRange = new SequenceNumberRange { StartingSequenceNumber = "0" },
    };

    public static UInt128 HashOf(PutRecordsRequestEntry entry) => entry.ExplicitHashKey is { } e
        ? UInt128.Parse(e, CultureInfo.InvariantCulture)
        : System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(MD5.HashData(Encoding.UTF8.GetBytes(entry.PartitionKey)));

    public string ShardOf(UInt128 hash) => Shards.First(s =>
        UInt128.Parse(s.HashKeyRange.StartingHashKey, CultureInfo.InvariantCulture) <= hash && hash <= UInt128.Parse(s.HashKeyRange.EndingHashKey, CultureInfo.InvariantCulture)).ShardId;

    public Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ListShardsCalls);
        if (ListShardsError is { } error) return Task.FromException<ListShardsResponse>(error);
        return Task.FromResult(new ListShardsResponse { Shards = Shards });
    }

    public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken)
    {
        All.Enqueue(request);
        Calls.Writer.TryWrite(request);
        var call = Interlocked.Increment(ref _puts);
        try
        {
            return Task.FromResult(Answer?.Invoke(call, request) ?? Stored(request));
        }
        catch (Exception e)
        {
            return Task.FromException<PutRecordsResponse>(e);
        }
    }

    /// <summary>The default answer: every entry stored.</summary>
    public PutRecordsResponse Stored(PutRecordsRequest request) => new()
    {
        FailedRecordCount = 0,
        Records = [.. request.Records.Select(Ok)],
    };

    public PutRecordsResultEntry Ok(PutRecordsRequestEntry entry) => new()
    {
        ShardId = ShardOf(HashOf(entry)),
        SequenceNumber = Interlocked.Increment(ref _sequence).ToString("D20", CultureInfo.InvariantCulture),
    };

    public static PutRecordsResultEntry Throttled() => new()
    {
        ErrorCode = "ProvisionedThroughputExceededException",
        ErrorMessage = "Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.",
    };

    public static EddyServiceException NotFound(string stream) =>
        new("ResourceNotFoundException", $"Stream {stream} under account 000000000000 not found.", HttpStatusCode.BadRequest);

    /// <summary>The next PutRecords call (fails the test after 10 s of real time).</summary>
    public async Task<PutRecordsRequest> NextCallAsync() =>
        await Calls.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
}
