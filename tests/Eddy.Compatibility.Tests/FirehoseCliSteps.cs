using System.Text.Json;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>AWS CLI steps the Firehose destination tests share: wait for ACTIVE, wait for a bucket's objects, read one
/// (all through Eddy's Firehose and S3 APIs, bounded waits).</summary>
internal sealed class FirehoseCliSteps(Uri endpoint, ITestOutputHelper output)
{
    public AwsCli Firehose { get; } = new(endpoint, output, "firehose");

    public AwsCli S3 { get; } = new(endpoint, output, "s3api");

    public async Task<List<string>> WaitForObjectsAsync(string bucket, int count)
    {
        List<string> keys = [];
        for (var i = 0; i < 300 && keys.Count < count; i++)
        {
            var listing = await S3.RunAsync("list-objects-v2", "--bucket", bucket);
            keys = listing.TryGetProperty("Contents", out var contents) ? [.. contents.EnumerateArray().Select(o => o.GetProperty("Key").GetString()!)] : [];
            if (keys.Count < count)
            {
                await Task.Delay(EddyServerFixture.StateDelayMs); // the objects follow the delivery: wait for them
            }
        }
        Assert.Equal(count, keys.Count);
        return keys;
    }

    public async Task<string> GetAsync(string bucket, string key)
    {
        var file = Path.Combine(Path.GetTempPath(), "eddy-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            await S3.RunAsync("get-object", "--bucket", bucket, "--key", key, file);
            return await File.ReadAllTextAsync(file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public async Task<JsonElement> WaitActiveAsync(string name)
    {
        for (var i = 0; i < 100; i++)
        {
            var d = (await Firehose.RunAsync("describe-delivery-stream", "--delivery-stream-name", name)).GetProperty("DeliveryStreamDescription");
            if (d.GetProperty("DeliveryStreamStatus").GetString() == "ACTIVE")
            {
                return d;
            }
            await Task.Delay(EddyServerFixture.StateDelayMs);
        }
        throw new TimeoutException($"{name} did not become ACTIVE");
    }
}
