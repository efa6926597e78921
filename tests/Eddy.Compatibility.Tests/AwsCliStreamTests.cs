using System.Text.Json;
using Eddy.Testing;
using Xunit.Abstractions;
using static Eddy.Compatibility.Tests.Json;

namespace Eddy.Compatibility.Tests;

/// <summary>AWS CLI v1 (`aws kinesis ... --endpoint-url`) against a real server: control-plane operations and their
/// errors, about one CLI call per operation (each costs ~0.5 s). Set-up and waiting use the raw JSON client.</summary>
public sealed class AwsCliStreamTests(EddyServerFixture fixture, ITestOutputHelper output) : IClassFixture<EddyServerFixture>
{
    private const string ValidationMessage =
        "1 validation error detected: Value 'x y' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+";

    private readonly AwsCli _aws = new(fixture.Endpoint, output);
    private readonly string _p = "cli-" + Guid.NewGuid().ToString("N")[..6];

    private Uri Ep => fixture.Endpoint;

    [Fact]
    public async Task Create_describe_list_and_delete_streams_with_errors()
    {
        string prov = _p + "-prov", od = _p + "-od", dflt = _p + "-default", missing = _p + "-missing";
        await _aws.RunAsync("create-stream", "--stream-name", prov, "--shard-count", "3");
        await _aws.RunAsync("create-stream", "--stream-name", od, "--stream-mode-details", "StreamMode=ON_DEMAND");
        await _aws.RunAsync("create-stream", "--stream-name", dflt); // neither --shard-count nor --stream-mode-details
        await KinesisJson.WaitForStreamStatusAsync(Ep, prov);
        await KinesisJson.WaitForStreamStatusAsync(Ep, od);
        await KinesisJson.WaitForStreamStatusAsync(Ep, dflt);
        var created = (await KinesisJson.CallOkAsync(Ep, "DescribeStreamSummary", new { StreamName = dflt })).GetProperty("StreamDescriptionSummary");
        Assert.Equal(("ON_DEMAND", 4), (created.Obj("StreamModeDetails").Str("StreamMode"), created.Int("OpenShardCount"))); // what AWS creates
        await KinesisJson.CallOkAsync(Ep, "DeleteStream", new { StreamName = dflt });

        var page = (await _aws.RunAsync("describe-stream", "--stream-name", prov, "--limit", "2", "--no-paginate")).Obj("StreamDescription");
        Assert.Equal([ShardId(0), ShardId(1)], page.Arr("Shards").ShardIds());
        Assert.True(page.Bool("HasMoreShards"));
        Assert.Equal(StreamArn(prov), page.Str("StreamARN"));
        Assert.Equal("ACTIVE", page.Str("StreamStatus"));
        Assert.Equal(24, page.Int("RetentionPeriodHours"));

        // The CLI's own paginator follows ExclusiveStartShardId page by page (3 calls) and merges the shards.
        var all = (await _aws.RunAsync("describe-stream", "--stream-name", prov, "--page-size", "1")).Obj("StreamDescription");
        Assert.Equal([ShardId(0), ShardId(1), ShardId(2)], all.Arr("Shards").ShardIds());

        var summary = (await _aws.RunAsync("describe-stream-summary", "--stream-name", od)).Obj("StreamDescriptionSummary");
        Assert.Equal("ON_DEMAND", summary.Obj("StreamModeDetails").Str("StreamMode"));
        Assert.Equal(4, summary.Int("OpenShardCount"));
        Assert.Equal(StreamArn(od), summary.Str("StreamARN"));

        var first = await _aws.RunAsync("list-streams", "--limit", "1", "--no-paginate");
        Assert.Single(first.Arr("StreamNames"));
        Assert.True(first.Bool("HasMoreStreams"));
        if (await _aws.HasCurrentModelAsync())
        {
            Assert.NotNull(first.StrOrNull("NextToken"));
            Assert.Equal(first.Arr("StreamNames")[0].GetString(), first.Arr("StreamSummaries").Single().Str("StreamName"));
        }

        var names = (await _aws.RunAsync("list-streams", "--page-size", "1")).Arr("StreamNames").Select(n => n.GetString()!).ToList();
        Assert.Contains(prov, names);
        Assert.Contains(od, names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);

        var exists = await _aws.FailsWithAsync("ResourceInUseException", $"Stream {prov} under account {AwsCli.Account} already exists.",
            "create-stream", "--stream-name", prov, "--shard-count", "1");
        Assert.Equal("CreateStream", exists.Operation);
        await _aws.FailsWithAsync("ValidationException", ValidationMessage, "create-stream", "--stream-name", "x y", "--shard-count", "1");
        var limit = (await KinesisJson.CallOkAsync(Ep, "DescribeLimits", new { })).GetProperty("ShardLimit").GetInt32();
        var tooMany = await _aws.FailsWithAsync("LimitExceededException", null,
            "create-stream", "--stream-name", _p + "-huge", "--shard-count", (limit + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.StartsWith($"This request would exceed the shard limit for the account {AwsCli.Account} in {AwsCli.Region}.", tooMany.Message, StringComparison.Ordinal);
        await _aws.FailsWithAsync("ResourceNotFoundException", NotFound(missing), "describe-stream", "--stream-name", missing);

        // DeleteStream: refused while a consumer is registered, unless EnforceConsumerDeletion.
        var consumer = await KinesisJson.CallOkAsync(Ep, "RegisterStreamConsumer", new { StreamARN = StreamArn(od), ConsumerName = "keeper" });
        Assert.Equal("keeper", consumer.GetProperty("Consumer").GetProperty("ConsumerName").GetString());
        await WaitForConsumerAsync(StreamArn(od), "keeper");
        await _aws.FailsWithAsync("ResourceInUseException", null, "delete-stream", "--stream-name", od);
        await _aws.RunAsync("delete-stream", "--stream-name", od, "--enforce-consumer-deletion");
        await KinesisJson.WaitForStreamGoneAsync(Ep, od);
    }

    [Fact]
    public async Task Tags_and_retention()
    {
        var s = _p + "-tags";
        await CreateAsync(s, 1);

        await _aws.RunAsync("add-tags-to-stream", "--stream-name", s, "--tags", "team=data,env=test,cost=42");
        var tags = await _aws.RunAsync("list-tags-for-stream", "--stream-name", s);
        Assert.Equal(["cost", "env", "team"], tags.Arr("Tags").Select(t => t.Str("Key")));
        Assert.False(tags.Bool("HasMoreTags"));
        await _aws.RunAsync("remove-tags-from-stream", "--stream-name", s, "--tag-keys", "cost", "absent");
        await RetentionAsync(s);
        if (!await _aws.SupportsAsync("tag-resource", "list-tags-for-resource", "untag-resource"))
        {
            return;
        }

        await _aws.RunAsync("tag-resource", "--resource-arn", StreamArn(s), "--tags", "via=arn");
        var resourceTags = await _aws.RunAsync("list-tags-for-resource", "--resource-arn", StreamArn(s));
        Assert.Equal(
            new Dictionary<string, string> { ["env"] = "test", ["team"] = "data", ["via"] = "arn" },
            resourceTags.Arr("Tags").ToDictionary(t => t.Str("Key"), t => t.Str("Value")));
        await _aws.RunAsync("untag-resource", "--resource-arn", StreamArn(s), "--tag-keys", "via");
        var left = await KinesisJson.CallOkAsync(Ep, "ListTagsForStream", new { StreamName = s });
        Assert.Equal(["env", "team"], left.GetProperty("Tags").EnumerateArray().Select(t => t.GetProperty("Key").GetString()));
    }

    private async Task RetentionAsync(string s)
    {
        await _aws.RunAsync("increase-stream-retention-period", "--stream-name", s, "--retention-period-hours", "48");
        Assert.Equal(48, (await SummaryAsync(s)).GetProperty("RetentionPeriodHours").GetInt32());
        await _aws.RunAsync("decrease-stream-retention-period", "--stream-name", s, "--retention-period-hours", "24");
        Assert.Equal(24, (await SummaryAsync(s)).GetProperty("RetentionPeriodHours").GetInt32());
        await _aws.FailsWithAsync("InvalidArgumentException",
            "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.",
            "decrease-stream-retention-period", "--stream-name", s, "--retention-period-hours", "23");
    }

    [Fact]
    public async Task Enhanced_fan_out_consumers()
    {
        var s = _p + "-cons";
        await CreateAsync(s, 1);
        var arn = StreamArn(s);

        var registered = (await _aws.RunAsync("register-stream-consumer", "--stream-arn", arn, "--consumer-name", "app1")).Obj("Consumer");
        Assert.Equal("app1", registered.Str("ConsumerName"));
        Assert.Equal("CREATING", registered.Str("ConsumerStatus"));
        var consumerArn = registered.Str("ConsumerARN");
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(arn) + "/consumer/app1:[0-9]+$", consumerArn);
        await WaitForConsumerAsync(arn, "app1");

        var described = (await _aws.RunAsync("describe-stream-consumer", "--consumer-arn", consumerArn)).Obj("ConsumerDescription");
        Assert.Equal(("app1", "ACTIVE", arn), (described.Str("ConsumerName"), described.Str("ConsumerStatus"), described.Str("StreamARN")));
        var listed = await _aws.RunAsync("list-stream-consumers", "--stream-arn", arn);
        Assert.Equal([consumerArn], listed.Arr("Consumers").Select(c => c.Str("ConsumerARN")));
        await _aws.FailsWithAsync("ResourceInUseException", null, "register-stream-consumer", "--stream-arn", arn, "--consumer-name", "app1");

        await _aws.RunAsync("deregister-stream-consumer", "--consumer-arn", consumerArn);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await KinesisJson.CallAsync(Ep, "DescribeStreamConsumer", new { ConsumerARN = consumerArn })).IsSuccess)
        {
            Assert.True(DateTime.UtcNow < deadline, "the consumer was not deregistered");
            await Task.Delay(50);
        }

        await _aws.FailsWithAsync("ResourceNotFoundException", null, "describe-stream-consumer", "--stream-arn", arn, "--consumer-name", "app1");
    }

    [Fact]
    public async Task Encryption_monitoring_modes_limits_account_settings_and_policies()
    {
        string s = _p + "-set", od = _p + "-warm";
        await CreateAsync(s, 1);
        var arn = StreamArn(s);

        await _aws.RunAsync("start-stream-encryption", "--stream-name", s, "--encryption-type", "KMS", "--key-id", "alias/aws/kinesis");
        await KinesisJson.WaitForStreamStatusAsync(Ep, s);
        var encrypted = await SummaryAsync(s);
        Assert.Equal("KMS", encrypted.GetProperty("EncryptionType").GetString());
        Assert.Equal("alias/aws/kinesis", encrypted.GetProperty("KeyId").GetString());
        await _aws.RunAsync("stop-stream-encryption", "--stream-name", s, "--encryption-type", "KMS", "--key-id", "alias/aws/kinesis");
        await KinesisJson.WaitForStreamStatusAsync(Ep, s);
        var plain = await SummaryAsync(s);
        Assert.Equal("NONE", plain.TryGetProperty("EncryptionType", out var et) ? et.GetString() : "NONE");

        var enabled = await _aws.RunAsync("enable-enhanced-monitoring", "--stream-name", s, "--shard-level-metrics", "IncomingBytes", "OutgoingRecords");
        Assert.Empty(enabled.Arr("CurrentShardLevelMetrics"));
        Assert.Equal(["IncomingBytes", "OutgoingRecords"], enabled.Arr("DesiredShardLevelMetrics").Select(m => m.GetString()).Order());
        var disabled = await _aws.RunAsync("disable-enhanced-monitoring", "--stream-name", s, "--shard-level-metrics", "ALL");
        Assert.Empty(disabled.Arr("DesiredShardLevelMetrics"));

        await _aws.RunAsync("update-stream-mode", "--stream-arn", arn, "--stream-mode-details", "StreamMode=ON_DEMAND");
        await WaitForModeAsync(s, "ON_DEMAND");
        await _aws.FailsWithAsync("ValidationException", null, "update-shard-count", "--stream-name", s, "--target-shard-count", "2", "--scaling-type", "UNIFORM_SCALING");

        var limits = await _aws.RunAsync("describe-limits");
        Assert.True(limits.Int("ShardLimit") > 0);
        Assert.True(limits.Int("OpenShardCount") >= 1);
        Assert.True(limits.Int("OnDemandStreamCount") >= 1);
        Assert.True(limits.Int("OnDemandStreamCountLimit") > 0);
        if (!await _aws.SupportsAsync(AwsCli.NewerCommands))
        {
            return;
        }

        await _aws.RunAsync("update-max-record-size", "--stream-arn", arn, "--max-record-size-in-ki-b", "2048");
        await KinesisJson.WaitForStreamStatusAsync(Ep, s);
        Assert.Equal(2048, (await SummaryAsync(s)).GetProperty("MaxRecordSizeInKiB").GetInt32());

        var settings = await _aws.RunAsync("describe-account-settings");
        var initial = settings.Has("MinimumThroughputBillingCommitment") ? settings.Obj("MinimumThroughputBillingCommitment").Str("Status") : "DISABLED";
        Assert.Contains(initial, new[] { "ENABLED", "DISABLED", "ENABLED_UNTIL_EARLIEST_ALLOWED_END" });
        var updated = await _aws.RunAsync("update-account-settings", "--minimum-throughput-billing-commitment", "Status=ENABLED");
        Assert.Equal("ENABLED", updated.Obj("MinimumThroughputBillingCommitment").Str("Status"));

        await KinesisJson.CallOkAsync(Ep, "CreateStream", new { StreamName = od, StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        await KinesisJson.WaitForStreamStatusAsync(Ep, od);
        var warm = await _aws.RunAsync("update-stream-warm-throughput", "--stream-name", od, "--warm-throughput-mi-bps", "100");
        Assert.Equal(od, warm.Str("StreamName"));
        Assert.Equal(100, warm.Obj("WarmThroughput").Int("TargetMiBps"));

        var policy = JsonSerializer.Serialize(new
        {
            Version = "2012-10-17",
            Statement = new[]
            {
                new { Sid = "Read", Effect = "Allow", Principal = new { AWS = $"arn:aws:iam::{AwsCli.Account}:root" }, Action = "kinesis:GetRecords", Resource = arn },
            },
        });
        await _aws.RunAsync("put-resource-policy", "--resource-arn", arn, "--policy", policy);
        var got = await _aws.RunAsync("get-resource-policy", "--resource-arn", arn);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(policy).RootElement, JsonDocument.Parse(got.Str("Policy")).RootElement), got.ToString());
        await _aws.RunAsync("delete-resource-policy", "--resource-arn", arn);
        var after = await KinesisJson.CallAsync(Ep, "GetResourcePolicy", new { ResourceARN = arn });
        Assert.True(
            after.ErrorType == "ResourceNotFoundException" || (after.IsSuccess && after.Json.StrOrNull("Policy") is null or "" or "{}"),
            "after DeleteResourcePolicy the policy must be gone: " + after);
    }

    private async Task CreateAsync(string stream, int shards)
    {
        await KinesisJson.CallOkAsync(Ep, "CreateStream", new { StreamName = stream, ShardCount = shards });
        await KinesisJson.WaitForStreamStatusAsync(Ep, stream);
    }

    private async Task<JsonElement> SummaryAsync(string stream) =>
        (await KinesisJson.CallOkAsync(Ep, "DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary");

    private async Task WaitForModeAsync(string stream, string mode)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var s = await SummaryAsync(stream);
            if (s.Str("StreamStatus") == "ACTIVE" && s.Obj("StreamModeDetails").Str("StreamMode") == mode)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"stream {stream} did not become ACTIVE in {mode}: {s}");
            await Task.Delay(50);
        }
    }

    private async Task WaitForConsumerAsync(string streamArn, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var d = await KinesisJson.CallOkAsync(Ep, "DescribeStreamConsumer", new { StreamARN = streamArn, ConsumerName = name });
            if (d.GetProperty("ConsumerDescription").GetProperty("ConsumerStatus").GetString() == "ACTIVE")
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"consumer {name} did not become ACTIVE: {d}");
            await Task.Delay(50);
        }
    }
}
