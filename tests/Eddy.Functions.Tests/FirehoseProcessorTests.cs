using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eddy.Catalog;
using Eddy.Core.Firehose;
using Eddy.Core.Functions;
using Eddy.Functions.Firehose;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Functions.Tests;

/// <summary>The Lambda transform contract (firehose.md §7) and the other processors, per record.</summary>
public sealed class FirehoseProcessorTests
{
    private const string Arn = "arn:aws:lambda:us-east-1:111122223333:function:f:$LATEST";
    private const string StreamArn = "arn:aws:firehose:us-east-1:111122223333:deliverystream/orders";
    private static readonly DeliveryContext s_directPut = new(StreamArn, "us-east-1");
    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_123_456);

    private readonly FakeTimeProvider _time = new(s_now);

    private static ProcessorSpec Lambda(params (string Name, string Value)[] extra) =>
        Processor("Lambda", [("LambdaArn", Arn), .. extra]);

    /// <summary>A processor; a parameter given twice takes its last value.</summary>
    private static ProcessorSpec Processor(string type, params (string Name, string Value)[] parameters)
    {
        var map = new Dictionary<string, string>();
        foreach (var (name, value) in parameters)
        {
            map[name] = value;
        }
        return new(type, map);
    }

    private static SourceRecord Record(string id, string data, long arrival = 1_495_072_949_453) => new(id, arrival, Encoding.UTF8.GetBytes(data));

    private FirehoseProcessor Create(IFunctionInvoker invoker, params ProcessorSpec[] processors) =>
        FirehoseProcessor.Create(processors, s_directPut, invoker, _time);

    private static string Text(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span);

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task The_event_is_built_as_Firehose_sends_it_for_DirectPut()
    {
        var invoker = new ScriptedInvoker(ScriptedInvoker.UpperCase);
        await Create(invoker, Lambda()).ProcessAsync([Record("r1", "hello world"), Record("r2", "x", 1_495_072_949_454)]);

        var sent = JsonNode.Parse(Assert.Single(invoker.Payloads))!.AsObject();
        Assert.True(Guid.TryParse((string?)sent["invocationId"], out _));
        sent.Remove("invocationId");
        Assert.Equal(
            $$"""{"deliveryStreamArn":"{{StreamArn}}","region":"us-east-1","records":[{"recordId":"r1","approximateArrivalTimestamp":1495072949453,"data":"aGVsbG8gd29ybGQ="},{"recordId":"r2","approximateArrivalTimestamp":1495072949454,"data":"eA=="}]}""",
            sent.ToJsonString());
        Assert.StartsWith("{\"invocationId\":", invoker.Payloads[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_source_adds_sourceKinesisStreamArn_and_kinesisRecordMetadata()
    {
        var invoker = new ScriptedInvoker(ScriptedInvoker.UpperCase);
        var context = s_directPut with { SourceKinesisStreamArn = "arn:aws:kinesis:us-east-1:111122223333:stream/src" };
        var record = Record("49546986683135544286507457936321625675700192471156785154", "hello world") with
        {
            Kinesis = new KinesisRecordMetadata("shardId-000000000000", "pk", 1_495_072_949_453, "49546986683135544286507457936321625675700192471156785154"),
        };
        await FirehoseProcessor.Create([Lambda()], context, invoker, _time).ProcessAsync([record]);

        var sent = JsonNode.Parse(Assert.Single(invoker.Payloads))!.AsObject();
        sent.Remove("invocationId");
        Assert.Equal(
            $$$"""{"deliveryStreamArn":"{{{StreamArn}}}","sourceKinesisStreamArn":"arn:aws:kinesis:us-east-1:111122223333:stream/src","region":"us-east-1","records":[{"recordId":"49546986683135544286507457936321625675700192471156785154","approximateArrivalTimestamp":1495072949453,"data":"aGVsbG8gd29ybGQ=","kinesisRecordMetadata":{"shardId":"shardId-000000000000","partitionKey":"pk","approximateArrivalTimestamp":1495072949453,"sequenceNumber":"49546986683135544286507457936321625675700192471156785154","subsequenceNumber":""}}]}""",
            sent.ToJsonString());
    }

    [Fact]
    public async Task Ok_replaces_the_data_and_carries_lambda_keys_Dropped_disappears_ProcessingFailed_is_an_exact_error_document()
    {
        var invoker = new ScriptedInvoker(_ => ScriptedInvoker.Answer("""
            {"records":[
              {"recordId":"r3","result":"ProcessingFailed","data":"aWdub3JlZA=="},
              {"recordId":"r1","result":"Ok","data":"SEVMTE8=","metadata":{"partitionKeys":{"customerId":"1234567890","year":"2019"}}},
              {"recordId":"r2","result":"Dropped"}]}
            """));

        var outcome = await Create(invoker, Lambda()).ProcessAsync([Record("r1", "hello"), Record("r2", "drop me"), Record("r3", "bad", 1_495_072_949_999)]);

        var ok = Assert.Single(outcome.Records);
        Assert.Equal(("r1", 1_495_072_949_453L, "HELLO"), (ok.RecordId, ok.ArrivalTimestampMs, Text(ok.Data)));
        Assert.Equal(new Dictionary<string, string> { ["customerId"] = "1234567890", ["year"] = "2019" }, ok.FromLambda);
        Assert.Empty(ok.FromQuery);
        var error = Assert.Single(outcome.Errors);
        Assert.Equal(("processing-failed", "r3"), (error.ErrorOutputType, error.RecordId));
        Assert.Equal(
            $$"""{"attemptsMade":1,"arrivalTimestamp":1495072949999,"errorCode":"Lambda.ProcessingFailedStatus","errorMessage":"ProcessingFailed status set for record","attemptEndingTimestamp":1700000123456,"rawData":"{{B64("bad")}}","lambdaArn":"{{Arn}}"}""",
            Text(error.Json));
    }

    [Theory]
    [InlineData("""{"records":[{"recordId":"r1","result":"Ok","data":"QQ=="}]}""", "Lambda.MissingRecordId",
        "One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.")]
    [InlineData("""{"records":[{"recordId":"r1","result":"Ok","data":"QQ=="},{"recordId":"r1","result":"Dropped"},{"recordId":"r2","result":"Dropped"}]}""",
        "Lambda.DuplicatedRecordId", "Multiple records were returned with the same record Id. Ensure that the Lambda function returns a unique record Id for each record.")]
    [InlineData("""{"records":[{"recordId":"r1","result":"Ok","data":"QQ=="},{"recordId":"r2","result":"Dropped"},{"recordId":"r9","result":"Dropped"}]}""",
        "Lambda.JsonProcessingException", null)]
    [InlineData("""{"records":[{"recordId":"r1","result":"OK","data":"QQ=="},{"recordId":"r2","result":"Dropped"}]}""", "Lambda.JsonProcessingException", null)]
    [InlineData("""{"records":[{"recordId":"r1","result":"Ok","data":"not base64!"},{"recordId":"r2","result":"Dropped"}]}""", "Lambda.JsonProcessingException", null)]
    [InlineData("""{"records":[{"recordId":"r1","result":"Ok"},{"recordId":"r2","result":"Dropped"}]}""", "Lambda.JsonProcessingException", null)]
    [InlineData("""not json""", "Lambda.JsonProcessingException", null)]
    [InlineData("""{"recordz":[]}""", "Lambda.JsonProcessingException", null)]
    public async Task A_bad_response_fails_the_whole_batch_after_NumberOfRetries_and_every_record_goes_to_processing_failed(string response, string code, string? message)
    {
        var invoker = new ScriptedInvoker(_ => ScriptedInvoker.Answer(response));

        var outcome = await Create(invoker, Lambda()).ProcessAsync([Record("r1", "a"), Record("r2", "b")]);

        Assert.Equal(4, invoker.Payloads.Count); // the first attempt and NumberOfRetries (default 3) retries
        Assert.Empty(outcome.Records);
        Assert.Equal(["r1", "r2"], outcome.Errors.Select(e => e.RecordId));
        using var doc = JsonDocument.Parse(outcome.Errors[0].Json);
        Assert.Equal(["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "rawData", "lambdaArn"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(4, doc.RootElement.GetProperty("attemptsMade").GetInt32());
        Assert.Equal(code, doc.RootElement.GetProperty("errorCode").GetString());
        Assert.Equal(message ?? "There was an error parsing returned records from the Lambda function. Ensure that the returned records follow the status model required by Kinesis Firehose.",
            doc.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal("YQ==", doc.RootElement.GetProperty("rawData").GetString());
    }

    [Fact]
    public async Task NumberOfRetries_counts_retries_and_a_later_success_delivers()
    {
        var failing = new ScriptedInvoker(_ => FunctionResult.Failed(Arn, FunctionFailureKind.FunctionError, "Unhandled", "boom"));
        var none = await Create(failing, Lambda(("NumberOfRetries", "0"))).ProcessAsync([Record("r1", "a")]);
        Assert.Single(failing.Payloads);
        Assert.Contains("\"attemptsMade\":1,", Text(Assert.Single(none.Errors).Json), StringComparison.Ordinal);
        Assert.Contains("\"errorCode\":\"Lambda.FunctionError\",\"errorMessage\":\"The Lambda function was successfully invoked but it returned an error result.\"",
            Text(none.Errors[0].Json), StringComparison.Ordinal);

        var flaky = new ScriptedInvoker(_ => FunctionResult.Failed(Arn, FunctionFailureKind.Timeout, "TimeoutException", "slow"), ScriptedInvoker.UpperCase);
        var later = await Create(flaky, Lambda(("NumberOfRetries", "1"))).ProcessAsync([Record("r1", "a")]);
        Assert.Equal(2, flaky.Payloads.Count);
        Assert.Equal("A", Text(Assert.Single(later.Records).Data));
        Assert.Empty(later.Errors);
    }

    [Fact]
    public async Task An_unmapped_function_is_Lambdas_not_found_in_the_error_documents()
    {
        await using var catalog = new MemoryCatalogStore();
        using var map = new FunctionMap(catalog.Functions);
        using var invoker = new FunctionInvoker(map, new FunctionsOptions());

        var outcome = await Create(invoker, Lambda(("NumberOfRetries", "2"))).ProcessAsync([Record("r1", "a", 5)]);

        Assert.Equal(
            $$"""{"attemptsMade":3,"arrivalTimestamp":5,"errorCode":"Lambda.ResourceNotFound","errorMessage":"Function not found: {{Arn}}","attemptEndingTimestamp":1700000123456,"rawData":"YQ==","lambdaArn":"{{Arn}}"}""",
            Text(Assert.Single(outcome.Errors).Json));
    }

    [Fact]
    public async Task Batches_are_split_by_BufferSizeInMBs()
    {
        var invoker = new ScriptedInvoker(ScriptedInvoker.UpperCase);
        var big = new string('x', 100_000);

        var outcome = await Create(invoker, Lambda(("BufferSizeInMBs", "0.2"))).ProcessAsync([Record("a", big), Record("b", big), Record("c", big)]);

        Assert.Equal([2, 1], invoker.Payloads.Select(p => JsonDocument.Parse(p).RootElement.GetProperty("records").GetArrayLength()));
        Assert.Equal(["a", "b", "c"], outcome.Records.Select(r => r.RecordId));
    }

    [Fact]
    public async Task A_runtime_emulator_behind_the_map_transforms_end_to_end()
    {
        await using var receiver = await FunctionReceiver.StartAsync();
        receiver.Handler = (context, body) =>
        {
            using var doc = JsonDocument.Parse(body);
            var answer = ScriptedInvoker.UpperCase(doc.RootElement);
            return context.Response.Body.WriteAsync(answer.Payload).AsTask();
        };
        await using var catalog = new MemoryCatalogStore();
        using var map = new FunctionMap(catalog.Functions);
        await map.LoadAsync([new FunctionBinding("f", receiver.Url(FunctionNames.InvocationPath))]);
        using var invoker = new FunctionInvoker(map, new FunctionsOptions());

        var outcome = await Create(invoker, Lambda(), Processor("AppendDelimiterToRecord")).ProcessAsync([Record("r1", "hello"), Record("r2", "world")]);

        Assert.Equal(["HELLO\n", "WORLD\n"], outcome.Records.Select(r => Text(r.Data)));
        Assert.Equal("RequestResponse", Assert.Single(receiver.Received).InvocationType);
    }

    [Fact]
    public async Task Kpl_aggregates_of_a_stream_source_become_their_user_records_before_the_lambda()
    {
        // kpl-kcl.md §1's test vector: ("pk-a","hello"), ("pk-b","world"), ("pk-a","!").
        var aggregate = Convert.FromBase64String("84mawgoEcGstYQoEcGstYhoJCAAaBWhlbGxvGgkIARoFd29ybGQaBQgAGgEh8ugKrg0t7te4+yiAtUFtMg==");
        var metadata = new KinesisRecordMetadata("shardId-000000000001", "outer", 7, "4955");
        var invoker = new ScriptedInvoker(ScriptedInvoker.UpperCase);

        var outcome = await Create(invoker, Lambda()).ProcessAsync([new SourceRecord("s1", 7, aggregate, metadata)]);

        Assert.Equal(["HELLO", "WORLD", "!"], outcome.Records.Select(r => Text(r.Data)));
        var records = JsonDocument.Parse(Assert.Single(invoker.Payloads)).RootElement.GetProperty("records");
        Assert.Equal(["s1.0", "s1.1", "s1.2"], records.EnumerateArray().Select(r => r.GetProperty("recordId").GetString()));
        Assert.Equal([("pk-a", "0"), ("pk-b", "1"), ("pk-a", "2")], records.EnumerateArray().Select(r =>
            (r.GetProperty("kinesisRecordMetadata").GetProperty("partitionKey").GetString(), r.GetProperty("kinesisRecordMetadata").GetProperty("subsequenceNumber").GetString())));
    }

    [Fact]
    public async Task Aggregates_are_left_whole_for_DirectPut_and_when_the_digest_or_protobuf_is_wrong()
    {
        var aggregate = Convert.FromBase64String("84mawgoEcGstYQoEcGstYhoJCAAaBWhlbGxvGgkIARoFd29ybGQaBQgAGgEh8ugKrg0t7te4+yiAtUFtMg==");
        var corrupt = (byte[])aggregate.Clone();
        corrupt[^1] ^= 1;
        var metadata = new KinesisRecordMetadata("shardId-000000000001", "outer", 7, "4955");

        var outcome = await Create(new ScriptedInvoker()).ProcessAsync(
            [new SourceRecord("direct", 7, aggregate), new SourceRecord("corrupt", 7, corrupt, metadata)]);

        Assert.Equal([aggregate, corrupt], outcome.Records.Select(r => r.Data.ToArray()));
    }

    [Fact]
    public void Hand_built_aggregates_with_explicit_hash_keys_deaggregate()
    {
        var body = new MemoryStream();
        var output = new Google.Protobuf.CodedOutputStream(body);
        output.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        output.WriteString("k");
        output.WriteTag(2, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        output.WriteString("170141183460469231731687303715884105728");
        foreach (var (data, hash) in (ReadOnlySpan<(string, bool)>)[("one", true), ("two", false)])
        {
            var record = new MemoryStream();
            var r = new Google.Protobuf.CodedOutputStream(record);
            r.WriteTag(1, Google.Protobuf.WireFormat.WireType.Varint);
            r.WriteUInt64(0);
            if (hash)
            {
                r.WriteTag(2, Google.Protobuf.WireFormat.WireType.Varint);
                r.WriteUInt64(0);
            }
            r.WriteTag(3, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            r.WriteBytes(Google.Protobuf.ByteString.CopyFromUtf8(data));
            r.Flush();
            output.WriteTag(3, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            output.WriteBytes(Google.Protobuf.ByteString.CopyFrom(record.ToArray()));
        }
        output.Flush();
        var protobuf = body.ToArray();
        byte[] aggregate = [0xF3, 0x89, 0x9A, 0xC2, .. protobuf, .. System.Security.Cryptography.MD5.HashData(protobuf)];

        var users = KplDeaggregator.TryDeaggregate(aggregate);

        Assert.NotNull(users);
        Assert.Equal([("k", "170141183460469231731687303715884105728", "one"), ("k", null, "two")],
            users.Select(u => (u.PartitionKey, u.ExplicitHashKey, Text(u.Data))));
    }

    /// <summary>Made by npm aws-kinesis-agg 4.2.8 (<c>aggregate()</c> of three records, the second with an explicit hash key).</summary>
    [Fact]
    public void Aggregates_made_by_aws_kinesis_agg_deaggregate()
    {
        var aggregate = Convert.FromBase64String(
            "84mawgoGdXNlci0xCgZ1c2VyLTISJzE3MDE0MTE4MzQ2MDQ2OTIzMTczMTY4NzMwMzcxNTg4NDEwNTcyOBoLCAAaB3sibiI6MX0aDQgBEAAaB3sibiI6Mn0aCwgAGgd7Im4iOjN9eeNfz3RqQ1VeuEVTFgJd9Q==");

        var users = KplDeaggregator.TryDeaggregate(aggregate);

        Assert.NotNull(users);
        Assert.Equal([("user-1", null, "{\"n\":1}"), ("user-2", "170141183460469231731687303715884105728", "{\"n\":2}"), ("user-1", null, "{\"n\":3}")],
            users.Select(u => (u.PartitionKey, u.ExplicitHashKey, Text(u.Data))));
    }

    [Fact]
    public async Task RecordDeAggregation_splits_concatenated_json_and_delimited_records()
    {
        var json = await Create(new ScriptedInvoker(), Processor("RecordDeAggregation", ("SubRecordType", "JSON")))
            .ProcessAsync([Record("r", "{\"a\":1} {\"b\":[2]}\n{\"c\":3}"), Record("s", "{\"only\":true}"), Record("t", "not json")]);
        Assert.Equal(["r-0:{\"a\":1}", "r-1:{\"b\":[2]}", "r-2:{\"c\":3}", "s:{\"only\":true}", "t:not json"], json.Records.Select(r => r.RecordId + ":" + Text(r.Data)));

        var delimited = await Create(new ScriptedInvoker(), Processor("RecordDeAggregation", ("SubRecordType", "DELIMITED"), ("Delimiter", "IyMjIw==")))
            .ProcessAsync([Record("r", "a####b########c####")]);
        Assert.Equal(["a", "b", "c"], delimited.Records.Select(r => Text(r.Data)));
    }

    [Fact]
    public async Task MetadataExtraction_keys_records_and_sends_those_it_cannot_key_to_the_error_output()
    {
        var processor = Create(new ScriptedInvoker(), Processor("MetadataExtraction",
            ("MetadataExtractionQuery", "{customer_id:.customer_id,device:.type.device,year:.event_timestamp|strftime(\"%Y\")}"),
            ("JsonParsingEngine", "JQ-1.6")), Processor("AppendDelimiterToRecord", ("Delimiter", "\\n")));

        var outcome = await processor.ProcessAsync([
            Record("ok", """{"customer_id":"1234567890","type":{"device":"mobile"},"event_timestamp":1565382027}"""),
            Record("no-device", """{"customer_id":"1","event_timestamp":1565382027}""", 9),
        ]);

        var ok = Assert.Single(outcome.Records);
        Assert.Equal(new Dictionary<string, string> { ["customer_id"] = "1234567890", ["device"] = "mobile", ["year"] = "2019" }, ok.FromQuery);
        Assert.EndsWith("}\n", Text(ok.Data), StringComparison.Ordinal);
        var error = Assert.Single(outcome.Errors);
        Assert.Equal(("partitioning-failed", "no-device"), (error.ErrorOutputType, error.RecordId));
        Assert.Equal(
            """{"attemptsMade":1,"arrivalTimestamp":9,"errorCode":"DynamicPartitioning.MetadataExtractionFailed","errorMessage":"The partition key device evaluated to null or to an object or array.","attemptEndingTimestamp":1700000123456,"rawData":"eyJjdXN0b21lcl9pZCI6IjEiLCJldmVudF90aW1lc3RhbXAiOjE1NjUzODIwMjd9"}""",
            Text(error.Json));
    }

    [Theory]
    [InlineData("Decompression", "Processor type Decompression is not supported by Eddy")]
    [InlineData("Lambda", "The Lambda processor needs the parameter LambdaArn.")]
    [InlineData("MetadataExtraction", "The MetadataExtraction processor needs the parameter MetadataExtractionQuery.")]
    [InlineData("RecordDeAggregation", "RecordDeAggregation needs SubRecordType JSON or DELIMITED")]
    public void Configurations_Eddy_cannot_run_are_InvalidArgumentException(string type, string message)
    {
        var e = Assert.Throws<ProcessingConfigurationException>(() => Create(new ScriptedInvoker(), Processor(type)));
        Assert.Equal(("InvalidArgumentException", 400), (e.ErrorType, e.StatusCode));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NumberOfRetries", "-1")]
    [InlineData("NumberOfRetries", "301")]
    [InlineData("BufferSizeInMBs", "0.1")]
    [InlineData("BufferSizeInMBs", "4")]
    [InlineData("LambdaArn", "f")]
    public void Lambda_parameters_out_of_range_are_InvalidArgumentException(string name, string value) =>
        Assert.Throws<ProcessingConfigurationException>(() => Create(new ScriptedInvoker(), Lambda((name, value))));
}
