using System.Numerics;
using Eddy.Core;

namespace Eddy.Streams.Tests;

/// <summary>
/// The engine's answers where AWS's are known exactly (kinesalite's test suite, run against AWS): shard-id parsing,
/// sequence-number decoding, deleted streams' iterators, tag rules, the default stream mode.
/// </summary>
public class ExactAnswersTests
{
    private const string Account = "000000000000";

    private static StreamRef S(string name) => TestEngine.S(name);

    /// <summary>A sequence number written as hex digits, in decimal as a client sends it.</summary>
    private static string Hex(string hex) => BigInteger.Parse("0" + hex, System.Globalization.NumberStyles.HexNumber).ToString();

    private static async Task<KinesisException> FailsAsync(Func<Task> call) => await Assert.ThrowsAsync<KinesisException>(call);

    private static KinesisException Fails(Action call) => Assert.Throws<KinesisException>(call);

    [Theory]
    [InlineData("ABKLFD8")]
    [InlineData("2.14E4")]
    [InlineData("2147483648")]
    [InlineData("shardId-002147483648")]
    public async Task A_shard_id_that_does_not_parse_is_named_as_given_even_for_an_unknown_stream(string shardId)
    {
        await using var t = new TestEngine();
        var expected = $"Could not find shard {shardId} in stream nope under account {Account}.";
        var e = Fails(() => t.Engine.GetShardIterator(S("nope"), shardId, ShardIteratorType.Latest, null, null));
        Assert.Equal((ErrorCode.ResourceNotFoundException, expected), (e.Code, e.Message));
        e = await FailsAsync(() => t.Engine.SplitShardAsync(S("nope"), shardId, "0"));
        Assert.Equal((ErrorCode.ResourceNotFoundException, expected), (e.Code, e.Message));
        e = await FailsAsync(() => t.Engine.MergeShardsAsync(S("nope"), "x-0", shardId));
        Assert.Equal((ErrorCode.ResourceNotFoundException, expected), (e.Code, e.Message));
    }

    [Theory]
    [InlineData("2147483647")]
    [InlineData("abc-2147483647")]
    [InlineData("a-00002147483647")]
    [InlineData("-00002147483647")]
    public async Task A_parsed_shard_id_of_an_unknown_stream(string shardId)
    {
        await using var t = new TestEngine();
        var e = Fails(() => t.Engine.GetShardIterator(S("nope"), shardId, ShardIteratorType.Latest, null, null));
        Assert.Equal((ErrorCode.ResourceNotFoundException, $"Shard shardId-002147483647 in stream nope under account {Account} does not exist"), (e.Code, e.Message));
        e = await FailsAsync(() => t.Engine.SplitShardAsync(S("nope"), shardId, "0"));
        Assert.Equal($"Stream nope under account {Account} not found.", e.Message);
        e = await FailsAsync(() => t.Engine.MergeShardsAsync(S("nope"), shardId, "x-0"));
        Assert.Equal($"Stream nope under account {Account} not found.", e.Message);
    }

    [Fact]
    public async Task Missing_shards_are_named_by_their_canonical_id()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s", 3);
        // The shard is looked up before the sequence number is decoded.
        var e = Fails(() => t.Engine.GetShardIterator(S("s"), "shardId-5", ShardIteratorType.AtSequenceNumber, "5", null));
        Assert.Equal($"Shard shardId-000000000005 in stream s under account {Account} does not exist", e.Message);
        e = await FailsAsync(() => t.Engine.SplitShardAsync(S("s"), "shardId-5", "0"));
        Assert.Equal($"Could not find shard shardId-000000000005 in stream s under account {Account}.", e.Message);
        e = await FailsAsync(() => t.Engine.MergeShardsAsync(S("s"), "x-0", "shardId-5"));
        Assert.Equal($"Could not find shard shardId-000000000005 in stream s under account {Account}.", e.Message);
        e = await FailsAsync(() => t.Engine.MergeShardsAsync(S("s"), "a-0", "b-2"));
        Assert.Equal($"Shards shardId-000000000000 and shardId-000000000002 in stream s under account {Account} are not an adjacent pair of shards eligible for merging", e.Message);
        Assert.NotNull(t.Engine.GetShardIterator(S("s"), "random.name-1", ShardIteratorType.TrimHorizon, null, null));
    }

    [Theory]
    [InlineData("5", "Invalid StartingSequenceNumber. It encodes shardId-000000000005, while it was used in a call to a shard with shardId-000000000000")]
    [InlineData("20000000000000000000000000000000000000800000002", "Invalid StartingSequenceNumber. It encodes shardId--02147483648, while it was used in a call to a shard with shardId-000000000000")]
    [InlineData("20000000000800000000000000000000000000000000002", "StartingSequenceNumber {0} used in GetShardIterator on shard shardId-000000000000 in stream s under account 000000000000 is invalid.")]
    [InlineData("13bb2cc3d80000000000000000000000", "StartingSequenceNumber {0} used in GetShardIterator on shard shardId-000000000000 in stream s under account 000000000000 is invalid.")]
    [InlineData("2ffffffffff7fffffffffffffff000000000007fffffff2", "StartingSequenceNumber {0} used in GetShardIterator on shard shardId-000000000000 in stream s under account 000000000000 is invalid.")]
    [InlineData("20000000000000000000000000000000000000000000002", "StartingSequenceNumber {0} used in GetShardIterator on shard shardId-000000000000 in stream s under account 000000000000 is invalid because it did not come from this stream.")]
    public async Task StartingSequenceNumber_is_decoded_as_AWS_decodes_it(string number, string message)
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        var text = number == "5" ? "5" : Hex(number);
        var e = Fails(() => t.Engine.GetShardIterator(S("s"), "shardId-0", ShardIteratorType.AtSequenceNumber, text, null));
        Assert.Equal((ErrorCode.InvalidArgumentException, string.Format(System.Globalization.CultureInfo.InvariantCulture, message, text)), (e.Code, e.Message));
    }

    [Fact]
    public async Task A_version_0_number_of_the_right_shard_did_not_come_from_this_stream()
    {
        // AWS answers InternalFailure here; Eddy never answers bad input with a 5xx.
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        var e = Fails(() => t.Engine.GetShardIterator(S("s"), "shardId-0", ShardIteratorType.AtSequenceNumber, "0", null));
        Assert.Equal($"StartingSequenceNumber 0 used in GetShardIterator on shard shardId-000000000000 in stream s under account {Account} is invalid because it did not come from this stream.", e.Message);
    }

    [Theory]
    [InlineData("20000000000000000000000000000000000000000000002", true)] // all zero, version 2
    [InlineData("20000000000000000000000000000000000000000000001", true)] // all zero, version 1
    [InlineData("20000000000000000000000000000000000000800000002", true)] // negative shard index
    [InlineData("3039", true)] // 12345: below 2^124, read as version 0
    [InlineData("20000000000000000000000000000000000000000000000", false)] // version 0 digit in the version-2 range
    [InlineData("20000000000000000000000000000000000000000000004", false)]
    [InlineData("20000000000000000000000000000000000000000000003", false)]
    [InlineData("30000000000000000000000000000000000000000000001", false)]
    [InlineData("1ffffffffff7fffffffffffffff000000000007fffffff2", false)]
    [InlineData("20000000000800000000000000000000000000000000002", false)] // counter's first hex digit above 7
    [InlineData("13bb2cc3d80000000000000000000000", false)] // creation second 16025175000
    [InlineData("2ffffffffff7fffffffffffffff000000000007fffffff2", false)]
    public async Task SequenceNumberForOrdering_accepts_what_AWS_accepts(string hex, bool accepted)
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        var text = Hex(hex);
        if (accepted)
        {
            var put = await t.Engine.PutRecordAsync(S("s"), TestEngine.Entry("a", "x"), text);
            Assert.Equal("shardId-000000000000", put.Records[0].ShardId);
            return;
        }
        var e = await FailsAsync(async () => await t.Engine.PutRecordAsync(S("s"), TestEngine.Entry("a", "x"), text));
        Assert.Equal((ErrorCode.InvalidArgumentException, $"ExclusiveMinimumSequenceNumber {text} used in PutRecord on stream s under account {Account} is invalid."), (e.Code, e.Message));
    }

    [Fact]
    public async Task An_iterator_of_a_deleted_stream_answers_like_a_missing_shard()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("gone", 2);
        var first = t.Engine.GetShardIterator(S("gone"), "shardId-0", ShardIteratorType.Latest, null, null);
        var second = t.Engine.GetShardIterator(S("gone"), "shardId-1", ShardIteratorType.Latest, null, null);
        await t.Engine.DeleteStreamAsync(S("gone"), false);
        await TestEngine.WaitAsync(() => t.Engine.ListStreams(null, null, null).Streams.Count == 0);
        async Task<string> Message(string iterator) => (await FailsAsync(async () => await t.Engine.GetRecordsAsync(iterator, null, default))).Message!;
        Assert.Equal($"Shard shardId-000000000000 in stream gone under account {Account} does not exist", await Message(first));
        Assert.Equal($"Shard shardId-000000000001 in stream gone under account {Account} does not exist", await Message(second));
        Assert.Equal($"arn:aws:kinesis:us-east-1:{Account}:stream/gone", t.Engine.StreamArnOfIterator(first));

        await t.CreateActiveAsync("gone", 1); // a new incarnation: the old iterators read nothing of it
        Assert.Equal($"Shard shardId-000000000000 in stream gone under account {Account} does not exist", await Message(first));
        Assert.Equal($"Shard shardId-000000000001 in stream gone under account {Account} does not exist", await Message(second));
    }

    [Theory]
    [InlineData("abc;def")]
    [InlineData("abc,def")]
    [InlineData("abc\ndef")]
    [InlineData("abc\tdef")]
    public async Task Tag_keys_with_invalid_characters_are_refused_when_removed_and_added(string key)
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        const string message = "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.";
        var e = await FailsAsync(() => t.Engine.RemoveTagsAsync(S("s"), [key]));
        Assert.Equal((ErrorCode.InvalidArgumentException, message), (e.Code, e.Message));
        e = await FailsAsync(() => t.Engine.UntagResourceAsync($"arn:aws:kinesis:us-east-1:{Account}:stream/s", ["ok", key]));
        Assert.Equal((ErrorCode.InvalidArgumentException, message), (e.Code, e.Message));
        e = await FailsAsync(() => t.Engine.AddTagsAsync(S("s"), new Dictionary<string, string> { ["a%"] = "1", ["b"] = key }));
        Assert.Equal((ErrorCode.InvalidArgumentException, message), (e.Code, e.Message)); // characters first, '%' after
    }

    [Fact]
    public async Task Percent_signs_and_the_fifty_tag_limit()
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        const string allowed = "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";
        var e = await FailsAsync(() => t.Engine.RemoveTagsAsync(S("s"), ["abc%def"]));
        Assert.Equal((ErrorCode.InvalidArgumentException, $"Failed to remove tags from stream s under account {Account} because some tags contained illegal characters. {allowed}"), (e.Code, e.Message));
        e = await FailsAsync(() => t.Engine.AddTagsAsync(S("s"), new Dictionary<string, string> { ["a"] = "abc%def" }));
        Assert.Equal($"Failed to add tags to stream s under account {Account} because some tags contained illegal characters. {allowed}", e.Message);
        await t.Engine.RemoveTagsAsync(S("s"), ["ü0 _.", "/=+-@"]);

        await t.Engine.AddTagsAsync(S("s"), Enumerable.Range(0, 50).ToDictionary(i => $"k{i}", _ => "v"));
        await t.Engine.AddTagsAsync(S("s"), new Dictionary<string, string> { ["k0"] = "overwritten" }); // still 50
        e = await FailsAsync(() => t.Engine.AddTagsAsync(S("s"), new Dictionary<string, string> { ["k50"] = "v" }));
        Assert.Equal((ErrorCode.InvalidArgumentException,
            $"Failed to add tags to stream s under account {Account} because a given stream cannot have more than 50 tags associated with it."), (e.Code, e.Message));
    }

    [Fact]
    public async Task A_stream_created_with_neither_ShardCount_nor_a_mode_is_on_demand_with_four_shards()
    {
        await using var t = new TestEngine();
        await t.Engine.CreateStreamAsync("d", null, null, null, null, null);
        await TestEngine.WaitAsync(() => t.Engine.DescribeStreamSummary(S("d")).Status == StreamStatus.Active);
        var summary = t.Engine.DescribeStreamSummary(S("d"));
        Assert.Equal((StreamMode.OnDemand, 4), (summary.Mode, summary.OpenShardCount));

        await t.Engine.CreateStreamAsync("p", 2, null, null, null, null);
        Assert.Equal((StreamMode.Provisioned, 2), (t.Engine.DescribeStreamSummary(S("p")).Mode, t.Engine.DescribeStreamSummary(S("p")).OpenShardCount));
        var e = await FailsAsync(() => t.Engine.CreateStreamAsync("q", null, StreamMode.Provisioned, null, null, null));
        Assert.Equal("ShardCount is required for streams in PROVISIONED mode.", e.Message);
    }
}
