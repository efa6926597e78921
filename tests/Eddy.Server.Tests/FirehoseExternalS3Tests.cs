using System.Text;
using Eddy.Client;
using Eddy.Client.Firehose;
using Eddy.Objects;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>
/// <c>eddy serve --firehose-s3-endpoint</c>: Firehose delivers to an external S3-compatible endpoint (a real s3rver from
/// npm) through AWSSDK.S3 instead of the embedded bucket store. A bucket that does not exist yet delays delivery (the
/// put is retried) and nothing is lost once it exists; the embedded store stays untouched.
/// </summary>
public sealed class FirehoseExternalS3Tests(S3rver s3rver) : IClassFixture<S3rver>
{
    private const string Bucket = "external-deliveries";

    [Fact]
    public async Task Delivers_to_the_external_endpoint_and_retries_until_the_bucket_exists()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions
        {
            StateDelayMs = 0,
            ExtraArgs = ["--firehose-s3-endpoint", s3rver.Url, "--firehose-retry-max-ms", "1000"],
            Environment = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = S3rver.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = S3rver.AccessKey },
        });
        using var client = new FirehoseClient(new EddyClientOptions { Endpoint = server.Endpoint, Credentials = new AwsCredentials("test", "test") });
        await client.CreateDeliveryStreamAsync(new CreateDeliveryStreamRequest
        {
            DeliveryStreamName = "outside",
            ExtendedS3DestinationConfiguration = new ExtendedS3DestinationConfiguration
            {
                RoleARN = "arn:aws:iam::000000000000:role/firehose",
                BucketARN = "arn:aws:s3:::" + Bucket,
                Prefix = "out/",
                BufferingHints = new BufferingHints(1, 0),
            },
        });
        await client.PutRecordBatchAsync(new PutRecordBatchRequest
        {
            DeliveryStreamName = "outside",
            Records = [.. Enumerable.Range(0, 100).Select(i => new FirehoseRecord(Encoding.ASCII.GetBytes($"line {i}\n")))],
        });

        // The bucket does not exist on s3rver yet: the first put fails and is retried.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await WaitForAsync(client, m => m.DeliveryAttempts > m.DeliveryPuts, timeout.Token);
        using var external = new S3ObjectStore(new S3StoreOptions(s3rver.Url, "us-east-1", S3rver.AccessKey, S3rver.AccessKey));
        await external.CreateBucketAsync(Bucket, CancellationToken.None);
        await WaitForAsync(client, m => m.DeliveryRecords == 100, timeout.Token);

        var listing = await external.ListObjectsAsync(Bucket, "out/", null, null, 100, CancellationToken.None);
        var info = Assert.Single(listing.Objects);
        Assert.Matches(@"^out/\d{4}/\d{2}/\d{2}/\d{2}/outside-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}$", info.Key);
        await using var content = (await external.GetObjectAsync(Bucket, info.Key, null, CancellationToken.None))!;
        using var reader = new StreamReader(content.Content, Encoding.ASCII);
        Assert.Equal(string.Concat(Enumerable.Range(0, 100).Select(i => $"line {i}\n")), await reader.ReadToEndAsync());

        // The embedded store (what Eddy's own S3 API serves) was not touched.
        Assert.Empty(await FileObjectStore.Open(Path.Combine(server.DataDir, "s3")).ListBucketsAsync(CancellationToken.None));
    }

    /// <summary>Waits for the delivery stream's counters to satisfy <paramref name="condition"/> (bounded by the token).</summary>
    private static async Task WaitForAsync(FirehoseClient client, Func<DeliveryStreamMetrics, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var metrics = (await client.GetMetricsAsync(cancellationToken)).Single(m => m.DeliveryStreamName == "outside");
            if (condition(metrics))
            {
                return;
            }
            await Task.Delay(50, cancellationToken);
        }
    }
}
