using System.Text.Json;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>
/// Firehose from real clients against a real server: the AWS CLI (<c>aws firehose ... --endpoint-url</c>, every
/// operation once), boto3 (<c>clients/python/firehose.py</c>) and <c>@aws-sdk/client-firehose</c>
/// (<c>clients/js/firehose.mjs</c>).
/// </summary>
public sealed class FirehoseTests(EddyServerFixture fixture, ITestOutputHelper output) : IClassFixture<EddyServerFixture>
{
    private const string Role = "RoleARN=arn:aws:iam::000000000000:role/firehose";
    private const string Dest = "destinationId-000000000001";

    private readonly AwsCli _aws = new(fixture.Endpoint, output, "firehose");
    private readonly string _p = "clifh-" + Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public Task Boto3_every_operation_defaults_and_errors() =>
        ClientScripts.RunScenarioAsync("python3", Path.Combine("python", "firehose.py"), fixture.Server, ClientScripts.Prefix("py", "firehose"), output);

    [Fact]
    public async Task Js_sdk_every_operation_and_errors()
    {
        await ClientScripts.EnsureNodeModulesAsync();
        await ClientScripts.RunScenarioAsync("node", Path.Combine("js", "firehose.mjs"), fixture.Server, ClientScripts.Prefix("js", "firehose"), output);
    }

    [Fact]
    public async Task Aws_cli_every_operation()
    {
        var name = _p + "-s3";
        var created = await _aws.RunAsync("create-delivery-stream", "--delivery-stream-name", name,
            "--extended-s3-destination-configuration", $"{Role},BucketARN=arn:aws:s3:::b,CompressionFormat=GZIP,BufferingHints={{SizeInMBs=1,IntervalInSeconds=60}}",
            "--tags", "Key=team,Value=eddy");
        Assert.Equal($"arn:aws:firehose:{AwsCli.Region}:{AwsCli.Account}:deliverystream/{name}", created.GetProperty("DeliveryStreamARN").GetString());
        var described = await WaitActiveAsync(name);
        Assert.Equal("1", described.GetProperty("VersionId").GetString());
        var s3 = described.GetProperty("Destinations")[0].GetProperty("ExtendedS3DestinationDescription");
        Assert.Equal("GZIP", s3.GetProperty("CompressionFormat").GetString());

        var list = await _aws.RunAsync("list-delivery-streams", "--limit", "10000");
        Assert.Contains(name, list.GetProperty("DeliveryStreamNames").EnumerateArray().Select(n => n.GetString()));

        var one = await _aws.RunAsync("put-record", "--delivery-stream-name", name, "--record", "Data=hello");
        Assert.False(string.IsNullOrEmpty(one.GetProperty("RecordId").GetString()));
        var batch = await _aws.RunAsync("put-record-batch", "--delivery-stream-name", name, "--records", "Data=a", "Data=b", "Data=c");
        Assert.Equal(0, batch.GetProperty("FailedPutCount").GetInt32());
        Assert.Equal(3, batch.GetProperty("RequestResponses").GetArrayLength());

        await _aws.RunAsync("update-destination", "--delivery-stream-name", name, "--current-delivery-stream-version-id", "1",
            "--destination-id", Dest, "--extended-s3-destination-update", "Prefix=v2/");
        await _aws.FailsWithAsync("ConcurrentModificationException", null, "update-destination", "--delivery-stream-name", name,
            "--current-delivery-stream-version-id", "1", "--destination-id", Dest, "--extended-s3-destination-update", "Prefix=v3/");

        await _aws.RunAsync("tag-delivery-stream", "--delivery-stream-name", name, "--tags", "Key=a,Value=1");
        var tags = await _aws.RunAsync("list-tags-for-delivery-stream", "--delivery-stream-name", name);
        Assert.Equal(["a", "team"], tags.GetProperty("Tags").EnumerateArray().Select(t => t.GetProperty("Key").GetString()));
        await _aws.RunAsync("untag-delivery-stream", "--delivery-stream-name", name, "--tag-keys", "a");

        await _aws.RunAsync("start-delivery-stream-encryption", "--delivery-stream-name", name,
            "--delivery-stream-encryption-configuration-input", "KeyType=AWS_OWNED_CMK");
        Assert.Equal("ENABLED", (await DescribeAsync(name)).GetProperty("DeliveryStreamEncryptionConfiguration").GetProperty("Status").GetString());
        await _aws.RunAsync("stop-delivery-stream-encryption", "--delivery-stream-name", name);
        var after = await DescribeAsync(name);
        Assert.Equal("DISABLED", after.GetProperty("DeliveryStreamEncryptionConfiguration").GetProperty("Status").GetString());
        Assert.Equal("2", after.GetProperty("VersionId").GetString());

        await _aws.RunAsync("delete-delivery-stream", "--delivery-stream-name", name);
        for (var i = 0; i < 100 && (await _aws.RunAsync("list-delivery-streams", "--limit", "10000")).GetProperty("DeliveryStreamNames")
                 .EnumerateArray().Any(n => n.GetString() == name); i++)
        {
            await Task.Delay(EddyServerFixture.StateDelayMs); // DELETING lasts the state delay
        }
        await _aws.FailsWithAsync("ResourceNotFoundException", $"Firehose {name} under account {AwsCli.Account} not found.",
            "describe-delivery-stream", "--delivery-stream-name", name);
    }

    [Fact]
    public async Task Aws_cli_delivery_is_served_by_the_S3_API()
    {
        var s3api = new AwsCli(fixture.Endpoint, output, "s3api");
        var bucket = _p + "-bucket";
        var name = _p + "-delivered";
        await s3api.RunAsync("create-bucket", "--bucket", bucket);
        await _aws.RunAsync("create-delivery-stream", "--delivery-stream-name", name, "--extended-s3-destination-configuration",
            $"{Role},BucketARN=arn:aws:s3:::{bucket},Prefix=cli/,BufferingHints={{SizeInMBs=1,IntervalInSeconds=0}}");
        await WaitActiveAsync(name);
        await _aws.RunAsync("put-record-batch", "--delivery-stream-name", name, "--records", """[{"Data":"one\n"},{"Data":"two\n"}]""");

        JsonElement[] objects = [];
        for (var i = 0; i < 100 && objects.Length == 0; i++)
        {
            var listing = await s3api.RunAsync("list-objects-v2", "--bucket", bucket, "--prefix", "cli/");
            objects = listing.TryGetProperty("Contents", out var contents) ? [.. contents.EnumerateArray()] : [];
            if (objects.Length == 0)
            {
                await Task.Delay(EddyServerFixture.StateDelayMs); // delivery runs in the background: wait for the object
            }
        }
        var key = Assert.Single(objects).GetProperty("Key").GetString()!;
        Assert.Matches($"^cli/\\d{{4}}/\\d{{2}}/\\d{{2}}/\\d{{2}}/{name}-1-\\d{{4}}(-\\d{{2}}){{5}}-[0-9a-f-]{{36}}$", key);
        var file = Path.Combine(Path.GetTempPath(), "eddy-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            await s3api.RunAsync("get-object", "--bucket", bucket, "--key", key, file);
            Assert.Equal("one\ntwo\n", await File.ReadAllTextAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<JsonElement> DescribeAsync(string name) =>
        (await _aws.RunAsync("describe-delivery-stream", "--delivery-stream-name", name)).GetProperty("DeliveryStreamDescription");

    private async Task<JsonElement> WaitActiveAsync(string name)
    {
        for (var i = 0; i < 100; i++)
        {
            var d = await DescribeAsync(name);
            if (d.GetProperty("DeliveryStreamStatus").GetString() == "ACTIVE")
            {
                return d;
            }
            await Task.Delay(EddyServerFixture.StateDelayMs);
        }
        throw new TimeoutException($"{name} did not become ACTIVE");
    }
}
