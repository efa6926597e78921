using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Compatibility.Tests;

/// <summary>Dynamic partitioning and stream sources end to end (<c>clients/python/firehose_dynamic.py</c>): boto3 creates a
/// partitioned delivery stream with a MetadataExtraction query and lists the partitioned keys over the S3 API; a
/// stream-sourced delivery stream sends its records, a KPL aggregate de-aggregated, to a function
/// (<c>eddy serve --function meta=URL</c>) that sees each record's <c>kinesisRecordMetadata</c>.</summary>
public sealed partial class FirehoseDynamicTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Boto3_partitioned_delivery_and_a_stream_source_whose_lambda_sees_kinesis_metadata_and_deaggregated_records()
    {
        var seen = new ConcurrentQueue<(string? Source, string Data, JsonElement Metadata)>();
        using var function = new TestFunction(body => Identity(body, seen));
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true, ExtraArgs = ["--function", "meta=" + function.Url] });
        await ClientScripts.RunScenarioAsync("python3", Path.Combine("python", "firehose_dynamic.py"), server, ClientScripts.Prefix("py", "fhdyn"), output);

        var records = seen.ToList();
        Assert.Equal(["plain", "hello", "world", "!"], records.Select(r => r.Data));
        Assert.All(records, r => Assert.Matches(SourceArn(), r.Source));
        Assert.Equal([("pk-plain", ""), ("pk-a", "0"), ("pk-b", "1"), ("pk-a", "2")],
            records.Select(r => (r.Metadata.GetProperty("partitionKey").GetString(), r.Metadata.GetProperty("subsequenceNumber").GetString())));
        Assert.All(records, r =>
        {
            Assert.Equal("shardId-000000000000", r.Metadata.GetProperty("shardId").GetString());
            Assert.Matches("^[0-9]{20,}$", r.Metadata.GetProperty("sequenceNumber").GetString());
            Assert.InRange(r.Metadata.GetProperty("approximateArrivalTimestamp").GetInt64(), 1_600_000_000_000, 4_000_000_000_000);
        });
        // The three user records of the aggregate share the aggregate's sequence number; the plain record has its own.
        Assert.Equal(2, records.Select(r => r.Metadata.GetProperty("sequenceNumber").GetString()).Distinct().Count());
    }

    /// <summary>Answers every record Ok with its data and a newline, remembering what the event said of it.</summary>
    private static byte[] Identity(byte[] body, ConcurrentQueue<(string?, string, JsonElement)> seen)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var source = root.TryGetProperty("sourceKinesisStreamArn", out var arn) ? arn.GetString() : null;
        var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteStartArray("records");
            foreach (var record in root.GetProperty("records").EnumerateArray())
            {
                var data = record.GetProperty("data").GetBytesFromBase64();
                seen.Enqueue((source, Encoding.UTF8.GetString(data), record.GetProperty("kinesisRecordMetadata").Clone()));
                w.WriteStartObject();
                w.WriteString("recordId", record.GetProperty("recordId").GetString());
                w.WriteString("result", "Ok");
                w.WriteBase64String("data", [.. data, (byte)'\n']);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return output.ToArray();
    }

    [GeneratedRegex("^arn:aws:kinesis:us-east-1:000000000000:stream/py-fhdyn-[0-9a-f]{6}-src$")]
    private static partial Regex SourceArn();
}
