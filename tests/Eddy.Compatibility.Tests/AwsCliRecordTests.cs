using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Eddy.Testing;
using Xunit.Abstractions;
using static Eddy.Compatibility.Tests.Json;

namespace Eddy.Compatibility.Tests;

/// <summary>AWS CLI v1 against a real server: the data plane (PutRecord(s), all five iterator types, GetRecords)
/// and resharding (SplitShard, ListShards paging and filters, ChildShards, MergeShards, UpdateShardCount).</summary>
public sealed class AwsCliRecordTests(EddyServerFixture fixture, ITestOutputHelper output) : IClassFixture<EddyServerFixture>
{
    private static readonly BigInteger s_hashMax = BigInteger.Pow(2, 128) - 1;
    private static readonly BigInteger s_half = BigInteger.Pow(2, 127);

    private readonly AwsCli _aws = new(fixture.Endpoint, output);
    private readonly string _p = "cli-" + Guid.NewGuid().ToString("N")[..6];

    private Uri Ep => fixture.Endpoint;

    [Fact]
    public async Task Put_and_get_records_with_every_iterator_type()
    {
        var s = _p + "-rec";
        await CreateAsync(s, 2);

        // "a" hashes (MD5, big-endian) below 2^127, so it lands in shard 0 of two.
        var first = await _aws.RunAsync("put-record", "--stream-name", s, "--partition-key", "a", "--data", "rec-0");
        Assert.Equal(ShardId(0), first.Str("ShardId"));
        Assert.False(first.TryGetProperty("EncryptionType", out _), "AWS names no EncryptionType for an unencrypted stream: " + first);
        var seqs = new List<string> { first.Str("SequenceNumber") };
        for (var i = 1; i < 5; i++)
        {
            var r = await KinesisJson.CallOkAsync(Ep, "PutRecord", new { StreamName = s, PartitionKey = "a", Data = B64($"rec-{i}") });
            seqs.Add(r.GetProperty("SequenceNumber").GetString()!);
        }

        var explicitKey = await _aws.RunAsync("put-record", "--stream-name", s, "--partition-key", "a", "--data", "top",
            "--explicit-hash-key", s_hashMax.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(ShardId(1), explicitKey.Str("ShardId"));
        var ordered = await _aws.RunAsync("put-record", "--stream-name", s, "--partition-key", "a", "--data", "rec-5",
            "--sequence-number-for-ordering", seqs[^1]);
        Assert.True(BigInteger.Parse(ordered.Str("SequenceNumber"), CultureInfo.InvariantCulture) > BigInteger.Parse(seqs[^1], CultureInfo.InvariantCulture));
        seqs.Add(ordered.Str("SequenceNumber"));

        var batch = await _aws.RunAsync("put-records", "--stream-name", s, "--records",
            JsonSerializer.Serialize(new object[]
            {
                new { Data = "rec-6", PartitionKey = "a" },
                new { Data = "b-1", PartitionKey = "b", ExplicitHashKey = s_half.ToString(CultureInfo.InvariantCulture) },
                new { Data = "rec-7", PartitionKey = "a" },
            }));
        Assert.Equal(0, batch.Int("FailedRecordCount"));
        var results = batch.Arr("Records");
        Assert.Equal([ShardId(0), ShardId(1), ShardId(0)], results.ShardIds());
        Assert.All(results, r => Assert.Matches("^[1-9][0-9]*$", r.Str("SequenceNumber")));
        seqs.Add(results[0].Str("SequenceNumber"));
        seqs.Add(results[2].Str("SequenceNumber"));

        // TRIM_HORIZON + GetRecords with Limit, paging with NextShardIterator.
        var trim = (await _aws.RunAsync("get-shard-iterator", "--stream-name", s, "--shard-id", ShardId(0), "--shard-iterator-type", "TRIM_HORIZON")).Str("ShardIterator");
        var page1 = await _aws.RunAsync("get-records", "--shard-iterator", trim, "--limit", "3");
        Assert.Equal(["rec-0", "rec-1", "rec-2"], page1.Arr("Records").Select(r => r.DecodeData()));
        Assert.Equal(seqs.Take(3), page1.Arr("Records").Select(r => r.Str("SequenceNumber")));
        Assert.All(page1.Arr("Records"), r => Assert.Equal("a", r.Str("PartitionKey")));
        Assert.True(page1.Long("MillisBehindLatest") > 0, "MillisBehindLatest must be > 0 while records remain unread: " + page1);
        var rest = await GetRecordsAsync(page1.Str("NextShardIterator"));
        Assert.Equal(seqs.Skip(3), rest.Records.Select(r => r.Str("SequenceNumber")));
        Assert.Equal(0, rest.MillisBehindLatest);

        var at = (await _aws.RunAsync("get-shard-iterator", "--stream-name", s, "--shard-id", ShardId(0),
            "--shard-iterator-type", "AT_SEQUENCE_NUMBER", "--starting-sequence-number", seqs[2])).Str("ShardIterator");
        Assert.Equal(seqs.Skip(2), (await GetRecordsAsync(at)).Records.Select(r => r.Str("SequenceNumber")));
        var after = (await _aws.RunAsync("get-shard-iterator", "--stream-name", s, "--shard-id", ShardId(0),
            "--shard-iterator-type", "AFTER_SEQUENCE_NUMBER", "--starting-sequence-number", seqs[2])).Str("ShardIterator");
        Assert.Equal(seqs.Skip(3), (await GetRecordsAsync(after)).Records.Select(r => r.Str("SequenceNumber")));

        var latest = (await _aws.RunAsync("get-shard-iterator", "--stream-name", s, "--shard-id", ShardId(0), "--shard-iterator-type", "LATEST")).Str("ShardIterator");
        Assert.Empty((await GetRecordsAsync(latest)).Records);
        await Task.Delay(1100); // the CLI sends whole seconds: keep the timestamp below clear of the records above
        var mark = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await KinesisJson.CallOkAsync(Ep, "PutRecord", new { StreamName = s, PartitionKey = "a", Data = B64("late") });
        Assert.Equal(["late"], (await GetRecordsAsync(latest)).Records.Select(r => r.DecodeData()));
        var atTime = (await _aws.RunAsync("get-shard-iterator", "--stream-name", s, "--shard-id", ShardId(0),
            "--shard-iterator-type", "AT_TIMESTAMP", "--timestamp", mark.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))).Str("ShardIterator");
        Assert.Equal(["late"], (await GetRecordsAsync(atTime)).Records.Select(r => r.DecodeData()));

        // An iterator pasted with its JSON quotes: AWS accepts it, and so does Eddy.
        var quoted = await _aws.RunAsync("get-records", "--shard-iterator", '"' + trim + '"', "--limit", "1");
        Assert.Equal(["rec-0"], quoted.Arr("Records").Select(r => r.DecodeData()));

        // ExpiredIteratorException needs an iterator older than 300 s; a tampered iterator must be refused instead.
        var mid = trim.Length / 2;
        var tampered = string.Concat(trim.AsSpan(0, mid), trim[mid] == 'A' ? "B" : "A", trim.AsSpan(mid + 1));
        await _aws.FailsWithAsync("InvalidArgumentException", "Invalid ShardIterator.", "get-records", "--shard-iterator", tampered);
        await _aws.FailsWithAsync("ResourceNotFoundException", $"Shard {ShardId(7)} in stream {s} under account {AwsCli.Account} does not exist",
            "get-shard-iterator", "--stream-name", s, "--shard-id", ShardId(7), "--shard-iterator-type", "LATEST");
        await _aws.FailsWithAsync("ResourceNotFoundException", NotFound(_p + "-missing"),
            "put-record", "--stream-name", _p + "-missing", "--partition-key", "a", "--data", "x");
    }

    [Fact]
    public async Task Split_list_shards_child_shards_merge_and_update_shard_count()
    {
        var s = _p + "-split";
        await CreateAsync(s, 2);
        var before = await KinesisJson.CallOkAsync(Ep, "PutRecord", new { StreamName = s, PartitionKey = "a", Data = B64("before") });
        Assert.Equal(ShardId(0), before.GetProperty("ShardId").GetString());
        var splitAt = BigInteger.Pow(2, 126);

        await _aws.FailsWithAsync("InvalidArgumentException",
            $"NewStartingHashKey 1 used in SplitShard() on shard {ShardId(0)} in stream {s} under account {AwsCli.Account} is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey {s_half - 1}.",
            "split-shard", "--stream-name", s, "--shard-to-split", ShardId(0), "--new-starting-hash-key", "1");
        await _aws.RunAsync("split-shard", "--stream-name", s, "--shard-to-split", ShardId(0), "--new-starting-hash-key", splitAt.ToString(CultureInfo.InvariantCulture));
        await KinesisJson.WaitForStreamStatusAsync(Ep, s);
        var after = await KinesisJson.CallOkAsync(Ep, "PutRecord", new { StreamName = s, PartitionKey = "a", Data = B64("after") });
        Assert.Equal(ShardId(2), after.GetProperty("ShardId").GetString());

        // Read the closed parent to its end: the last response has no NextShardIterator and lists the children.
        var it = (await _aws.RunAsync("get-shard-iterator", "--stream-name", s, "--shard-id", ShardId(0), "--shard-iterator-type", "TRIM_HORIZON")).Str("ShardIterator");
        var read = new List<string>();
        JsonElement end = default;
        for (var calls = 0; calls < 10; calls++)
        {
            end = await _aws.RunAsync("get-records", "--shard-iterator", it);
            read.AddRange(end.Arr("Records").Select(r => r.DecodeData()));
            if (end.StrOrNull("NextShardIterator") is not { } next)
            {
                break;
            }

            it = next;
        }

        Assert.Equal(["before"], read);
        Assert.Null(end.StrOrNull("NextShardIterator"));
        var children = end.ArrOrEmpty("ChildShards").OrderBy(c => c.Str("ShardId"), StringComparer.Ordinal).ToArray();
        Assert.Equal([ShardId(2), ShardId(3)], children.ShardIds());
        Assert.All(children, c => Assert.Equal([ShardId(0)], c.Arr("ParentShards").Select(p => p.GetString())));
        Assert.Equal(splitAt.ToString(CultureInfo.InvariantCulture), children[1].Obj("HashKeyRange").Str("StartingHashKey"));

        var firstPage = await _aws.RunAsync("list-shards", "--stream-name", s, "--max-results", "2", "--no-paginate");
        Assert.Equal([ShardId(0), ShardId(1)], firstPage.Arr("Shards").ShardIds());
        Assert.True(firstPage.Arr("Shards")[0].Obj("SequenceNumberRange").Has("EndingSequenceNumber"), "the split parent must be closed");
        var secondPage = await _aws.RunAsync("list-shards", "--next-token", firstPage.Str("NextToken"), "--no-paginate");
        Assert.Equal([ShardId(2), ShardId(3)], secondPage.Arr("Shards").ShardIds());
        Assert.Equal([ShardId(1), ShardId(2), ShardId(3)],
            (await _aws.RunAsync("list-shards", "--stream-name", s, "--shard-filter", "Type=AT_LATEST")).Arr("Shards").ShardIds());
        Assert.Equal([ShardId(2), ShardId(3)],
            (await _aws.RunAsync("list-shards", "--stream-name", s, "--shard-filter", $"Type=AFTER_SHARD_ID,ShardId={ShardId(1)}")).Arr("Shards").ShardIds());
        Assert.Equal([ShardId(0), ShardId(1), ShardId(2), ShardId(3)],
            (await _aws.RunAsync("list-shards", "--stream-name", s, "--shard-filter", "Type=FROM_TRIM_HORIZON")).Arr("Shards").ShardIds());
        Assert.Equal([ShardId(0), ShardId(1)],
            (await _aws.RunAsync("list-shards", "--stream-name", s, "--shard-filter", "Type=AT_TRIM_HORIZON")).Arr("Shards").ShardIds());

        await _aws.FailsWithAsync("InvalidArgumentException",
            $"Shards {ShardId(1)} and {ShardId(2)} in stream {s} under account {AwsCli.Account} are not an adjacent pair of shards eligible for merging",
            "merge-shards", "--stream-name", s, "--shard-to-merge", ShardId(1), "--adjacent-shard-to-merge", ShardId(2));
        await _aws.RunAsync("merge-shards", "--stream-name", s, "--shard-to-merge", ShardId(2), "--adjacent-shard-to-merge", ShardId(3));
        await KinesisJson.WaitForStreamStatusAsync(Ep, s);
        var merged = (await KinesisJson.CallOkAsync(Ep, "ListShards", new { StreamName = s, ShardFilter = new { Type = "AT_LATEST" } }))
            .GetProperty("Shards").EnumerateArray().Single(x => x.GetProperty("ShardId").GetString() == ShardId(4));
        Assert.Equal((ShardId(2), ShardId(3)), (merged.Str("ParentShardId"), merged.Str("AdjacentParentShardId")));
        Assert.Equal(("0", (s_half - 1).ToString(CultureInfo.InvariantCulture)),
            (merged.Obj("HashKeyRange").Str("StartingHashKey"), merged.Obj("HashKeyRange").Str("EndingHashKey")));

        var scale = _p + "-scale";
        await CreateAsync(scale, 1);
        var scaled = await _aws.RunAsync("update-shard-count", "--stream-name", scale, "--target-shard-count", "2", "--scaling-type", "UNIFORM_SCALING");
        Assert.Equal((scale, 1, 2), (scaled.Str("StreamName"), scaled.Int("CurrentShardCount"), scaled.Int("TargetShardCount")));
        await KinesisJson.WaitForStreamStatusAsync(Ep, scale);
        var summary = await KinesisJson.CallOkAsync(Ep, "DescribeStreamSummary", new { StreamName = scale });
        Assert.Equal(2, summary.GetProperty("StreamDescriptionSummary").GetProperty("OpenShardCount").GetInt32());
    }

    private async Task CreateAsync(string stream, int shards)
    {
        await KinesisJson.CallOkAsync(Ep, "CreateStream", new { StreamName = stream, ShardCount = shards });
        await KinesisJson.WaitForStreamStatusAsync(Ep, stream);
    }

    private async Task<(JsonElement[] Records, long MillisBehindLatest)> GetRecordsAsync(string iterator)
    {
        var r = await KinesisJson.CallOkAsync(Ep, "GetRecords", new { ShardIterator = iterator });
        return (r.Arr("Records"), r.Long("MillisBehindLatest"));
    }

    private static string B64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));
}
