using System.Text;
using System.Text.Json;
using Eddy.Core.Firehose;

namespace Eddy.Functions.Tests;

/// <summary>Dynamic partitioning through the real processing step: the Lambda answer's <c>metadata.partitionKeys</c> and
/// the MetadataExtraction query's keys both reach the S3 writer, named as the prefix names them.</summary>
public sealed partial class FirehoseProcessingTests
{
    /// <summary>Answers every record Ok, unchanged, with <c>metadata.partitionKeys.region</c> taken from its JSON.</summary>
    private static async Task RegionKeys(Microsoft.AspNetCore.Http.HttpContext context, byte[] body)
    {
        using var request = JsonDocument.Parse(body);
        using var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteStartArray("records");
            foreach (var record in request.RootElement.GetProperty("records").EnumerateArray())
            {
                var data = record.GetProperty("data").GetBytesFromBase64();
                using var json = JsonDocument.Parse(data);
                w.WriteStartObject();
                w.WriteString("recordId", record.GetProperty("recordId").GetString());
                w.WriteString("result", "Ok");
                w.WriteBase64String("data", data);
                w.WriteStartObject("metadata");
                w.WriteStartObject("partitionKeys");
                w.WriteString("region", json.RootElement.GetProperty("region").GetString());
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(output.ToArray());
    }

    [Fact]
    public async Task Lambda_and_query_partition_keys_both_name_the_partitions()
    {
        _receiver.Handler = RegionKeys;
        await _engine.CreateDeliveryStreamAsync(new CreateDeliveryStreamInput("dp", null, null, null, [new DestinationInput("ExtendedS3DestinationConfiguration", """
            {"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::bucket",
             "BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},
             "Prefix":"r=!{partitionKeyFromLambda:region}/c=!{partitionKeyFromQuery:customer}/","ErrorOutputPrefix":"e/!{firehose:error-output-type}/",
             "DynamicPartitioningConfiguration":{"Enabled":true},
             "ProcessingConfiguration":{"Enabled":true,"Processors":[
               {"Type":"Lambda","Parameters":[{"ParameterName":"LambdaArn","ParameterValue":"arn:aws:lambda:us-east-1:000000000000:function:transform"}]},
               {"Type":"MetadataExtraction","Parameters":[{"ParameterName":"MetadataExtractionQuery","ParameterValue":"{customer:.customer}"},{"ParameterName":"JsonParsingEngine","ParameterValue":"JQ-1.6"}]},
               {"Type":"AppendDelimiterToRecord","Parameters":[]}]}}
            """)], []));
        string[] records = ["""{"customer":"a","region":"eu"}""", """{"customer":"b","region":"eu"}""", """{"customer":"a","region":"us"}""", """{"customer":"a","region":"eu","n":2}"""];
        await _engine.PutRecordsAsync("dp", [.. records.Select(r => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(r))]);
        await _engine.WaitForMetricsAsync("dp", m => m.DeliveryRecords >= 4, CancellationToken.None).WaitAsync(s_wait);

        var objects = await ReadAllAsync();
        Assert.Equal(["r=eu/c=a/", "r=eu/c=b/", "r=us/c=a/"], objects.Keys.Select(k => k[..(k.LastIndexOf('/') + 1)]));
        Assert.All(objects.Keys, k => Assert.Matches("/dp-1-2026-03-04-05-06-07-[0-9a-f-]{36}$", k));
        Assert.Equal(records[0] + "\n" + records[3] + "\n", objects.First().Value);
    }
}
