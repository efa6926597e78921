using System.Text;
using System.Text.Json;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>
/// The OpenSearch and Elasticsearch destinations over the wire: a real <c>eddy serve</c>, the AWS CLI creating the
/// delivery stream and putting records, a real <c>_bulk</c> receiver in the test process (<see cref="OpenSearchReceiver"/>,
/// Kestrel on loopback, plain http as Eddy accepts it) checking the NDJSON it gets, and the error and backup objects
/// read back with the AWS CLI over Eddy's S3 API.
/// </summary>
public sealed class FirehoseSearchTests(EddyServerFixture fixture, ITestOutputHelper output) : IClassFixture<EddyServerFixture>, IAsyncLifetime
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);
    private readonly AwsCli _aws = new(fixture.Endpoint, output, "firehose");
    private readonly FirehoseCliSteps _steps = new(fixture.Endpoint, output);
    private readonly string _p = "clios-" + Guid.NewGuid().ToString("N")[..6];
    private OpenSearchReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await OpenSearchReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private string Configuration(string bucket, string extra) => JsonSerializer.Serialize(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>($$"""
        {"RoleARN":"arn:aws:iam::000000000000:role/firehose","ClusterEndpoint":"{{_receiver.Endpoint}}","IndexName":"clicks",
         "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},
         "S3Configuration":{"RoleARN":"arn:aws:iam::000000000000:role/firehose","BucketARN":"arn:aws:s3:::{{bucket}}","Prefix":"os/"}{{extra}}}
        """));

    [Fact]
    public async Task Aws_cli_OpenSearch_delivery_indexes_documents_and_writes_failed_ones_and_the_backup_to_S3()
    {
        var bucket = _p + "-bucket";
        var name = _p + "-os";
        await _steps.S3.RunAsync("create-bucket", "--bucket", bucket);
        _receiver.ItemStatus = (item, _) => item.Source.Contains("\"bad\"", StringComparison.Ordinal) ? 400 : 201;
        await _aws.RunAsync("create-delivery-stream", "--delivery-stream-name", name, "--amazonopensearchservice-destination-configuration",
            Configuration(bucket, ""","RetryOptions":{"DurationInSeconds":0},"S3BackupMode":"AllDocuments" """));
        var described = (await _steps.WaitActiveAsync(name)).GetProperty("Destinations")[0].GetProperty("AmazonopensearchserviceDestinationDescription");
        Assert.Equal(_receiver.Endpoint, described.GetProperty("ClusterEndpoint").GetString());
        Assert.Equal("OneDay", described.GetProperty("IndexRotationPeriod").GetString());
        Assert.Equal("AllDocuments", described.GetProperty("S3BackupMode").GetString());

        var put = await _aws.RunAsync("put-record-batch", "--delivery-stream-name", name, "--records",
            """[{"Data":"{\"user\":\"alice\"}\n"},{"Data":"{\"bad\":1}\n"},{"Data":"{\"user\":\"bob\"}\n"}]""");
        Assert.Equal(0, put.GetProperty("FailedPutCount").GetInt32());
        var ids = put.GetProperty("RequestResponses").EnumerateArray().Select(r => r.GetProperty("RecordId").GetString() + ".0").ToList();
        await _receiver.WaitAsync(r => r.Requests.Count >= 1, s_wait);

        var request = Assert.Single(_receiver.Requests);
        Assert.Empty(_receiver.Violations);
        Assert.Equal(("/_bulk", "application/x-ndjson"), (request.Path, request.ContentType));
        Assert.Equal(ids, request.Items.Select(i => i.Id));
        Assert.All(request.Items, i => Assert.Matches(@"^clicks-\d{4}-\d{2}-\d{2}$", i.Index));
        Assert.Equal(["{\"user\":\"alice\"}", "{\"bad\":1}", "{\"user\":\"bob\"}"], request.Items.Select(i => i.Source));
        Assert.Equal(2, _receiver.Documents.Count);

        var keys = await _steps.WaitForObjectsAsync(bucket, 2);
        var errorKey = Assert.Single(keys, k => k.StartsWith("os/AmazonOpenSearchService-failed/", StringComparison.Ordinal));
        Assert.Matches($@"^os/AmazonOpenSearchService-failed/\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{name}-1-\d{{4}}(-\d{{2}}){{5}}-[0-9a-f-]{{36}}$", errorKey);
        var line = JsonDocument.Parse(Assert.Single((await _steps.GetAsync(bucket, errorKey)).Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal(["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "esDocumentId", "esIndexName", "esTypeName", "rawData"],
            line.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("400", 1, ids[1]), (line.GetProperty("errorCode").GetString(), line.GetProperty("attemptsMade").GetInt32(), line.GetProperty("esDocumentId").GetString()));
        Assert.Equal(request.Items[1].Index, line.GetProperty("esIndexName").GetString());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("esTypeName").ValueKind);
        Assert.Equal("{\"bad\":1}\n", Encoding.UTF8.GetString(line.GetProperty("rawData").GetBytesFromBase64()));

        var backupKey = Assert.Single(keys, k => k != errorKey);
        Assert.Matches($@"^os/\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{name}-1-", backupKey);
        Assert.Equal("{\"user\":\"alice\"}\n{\"bad\":1}\n{\"user\":\"bob\"}\n", await _steps.GetAsync(bucket, backupKey));
    }

    [Fact]
    public async Task Aws_cli_Elasticsearch_delivery_waits_for_a_cluster_that_is_down_and_delivers_each_document_once()
    {
        var bucket = _p + "-down";
        var name = _p + "-es";
        await _steps.S3.RunAsync("create-bucket", "--bucket", bucket);
        _receiver.Down = true;
        await _aws.RunAsync("create-delivery-stream", "--delivery-stream-name", name, "--elasticsearch-destination-configuration",
            Configuration(bucket, ""","TypeName":"_doc","IndexRotationPeriod":"NoRotation" """));
        await _steps.WaitActiveAsync(name);
        await _aws.RunAsync("put-record-batch", "--delivery-stream-name", name, "--records", """[{"Data":"{\"n\":1}"},{"Data":"{\"n\":2}"}]""");
        await _receiver.WaitAsync(r => r.Aborted >= 2, s_wait); // the first attempt and a retry found the cluster down
        _receiver.Down = false;
        await _receiver.WaitAsync(r => r.Documents.Count >= 2, s_wait);

        var request = Assert.Single(_receiver.Requests);
        Assert.All(request.Items, i => Assert.Equal(("clicks", "_doc"), (i.Index, i.Type)));
        Assert.Equal(2, request.Items.Select(i => i.Id).Distinct().Count());
        var listing = await _steps.S3.RunAsync("list-objects-v2", "--bucket", bucket);
        Assert.False(listing.TryGetProperty("Contents", out _), "nothing failed, nothing backed up");
    }

    [Fact]
    public async Task Aws_cli_configurations_Eddy_cannot_deliver_are_refused()
    {
        var domain = await _aws.FailsWithAsync("InvalidArgumentException", null, "create-delivery-stream", "--delivery-stream-name", _p + "-domain",
            "--amazonopensearchservice-destination-configuration", JsonSerializer.Serialize(new
            {
                RoleARN = "arn:aws:iam::000000000000:role/firehose",
                DomainARN = "arn:aws:es:us-east-1:000000000000:domain/logs",
                IndexName = "clicks",
                S3Configuration = new { RoleARN = "arn:aws:iam::000000000000:role/firehose", BucketARN = "arn:aws:s3:::b" },
            }));
        Assert.StartsWith("DomainARN is not supported by Eddy", domain.Message, StringComparison.Ordinal);
        var scheme = await _aws.FailsWithAsync("InvalidArgumentException", null, "create-delivery-stream", "--delivery-stream-name", _p + "-ftp",
            "--elasticsearch-destination-configuration", Configuration("b", "").Replace(_receiver.Endpoint, "ftp://127.0.0.1:9", StringComparison.Ordinal));
        Assert.Contains("Member must satisfy regular expression pattern: https?:.*", scheme.Message, StringComparison.Ordinal);
    }
}
