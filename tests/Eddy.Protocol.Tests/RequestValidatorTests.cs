using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Tests;

public sealed class RequestValidatorTests
{
    private const string Ser = ProtocolError.SerializationException;
    private const string Val = ProtocolError.ValidationException;
    private const string NotNull = "Member must not be null";
    private const string StreamNamePattern = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+";
    private const string MetricsEnum = "[ALL, IteratorAgeMilliseconds, IncomingBytes, WriteProvisionedThroughputExceeded, OutgoingRecords, ReadProvisionedThroughputExceeded, IncomingRecords, OutgoingBytes]";
    private const string EntryId = @"com\.amazonaws\.kinesis\.v20131202\.PutRecordsRequestEntry@[0-9a-f]+";

    private static ProtocolError? Validate(string operation, string json)
    {
        using var doc = JsonDocument.Parse(json);
        return RequestValidator.Validate(operation, doc.RootElement);
    }

    private static string One(string item) => "1 validation error detected: " + item;

    private static string Item(string? value, string path, string rule) =>
        $"Value {(value is null ? "null" : "'" + value + "'")} at '{path}' failed to satisfy constraint: {rule}";

    private static string Many(params string[] items) =>
        $"{items.Length} validation error{(items.Length == 1 ? "" : "s")} detected: " + string.Join("; ", items);

    private static string Json(object value) => JsonSerializer.Serialize(value);

    // ------------------------------------------------------------------ valid requests

    public static TheoryData<string, string> ValidCases() => new()
    {
        { "CreateStream", """{"StreamName":"s1","ShardCount":1}""" },
        { "CreateStream", """{"StreamName":"s1","ShardCount":100001}""" }, // the model has no upper bound
        { "CreateStream", """{"StreamName":"a","ShardCount":null,"Tags":null,"StreamModeDetails":null}""" },
        { "CreateStream", """{"StreamName":"a","Unknown":[1,{"x":2}],"streamName":5,"shardCount":"x"}""" },
        { "CreateStream", """{"StreamName":"a","ShardCount":1.9}""" },
        { "CreateStream", """{"StreamName":"a","ShardCount":1e3}""" },
        { "CreateStream", """{"StreamName":"a.b-c_D9","StreamModeDetails":{"StreamMode":"ON_DEMAND"},"Tags":{"k":"v","e":""}}""" },
        { "CreateStream", """{"StreamName":"a","MaxRecordSizeInKiB":10240,"WarmThroughputMiBps":0}""" },
        { "PutRecord", """{"StreamName":"s","Data":"aGVsbG8=","PartitionKey":"p","ExplicitHashKey":"340282366920938463463374607431768211455"}""" },
        { "PutRecord", """{"StreamName":"s","Data":"","PartitionKey":"p","SequenceNumberForOrdering":"0"}""" },
        { "PutRecord", """{"StreamName":"s","Data":"\/\/\/\/","PartitionKey":"\u0041"}""" },
        { "PutRecord", """{"StreamName":"s","Data":"YQ==","PartitionKey":"p"}""" },
        { "PutRecords", """{"StreamName":"s","Records":[{"Data":"YWI=","PartitionKey":"a"},{"Data":"","PartitionKey":"b","ExplicitHashKey":"0"}]}""" },
        { "GetShardIterator", """{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1441215410.867}""" },
        { "GetShardIterator", """{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"49590338271490256608559692538361571095921575989136588898"}""" },
        { "GetRecords", """{"ShardIterator":"AAAA","Limit":10000}""" },
        { "SubscribeToShard", """{"ConsumerARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1234567890","ShardId":"shardId-000000000001","StartingPosition":{"Type":"LATEST"}}""" },
        { "ListStreams", "{}" },
        { "DescribeLimits", "{}" },
        { "DeleteStream", """{"StreamName":"s","EnforceConsumerDeletion":true}""" },
        { "ListShards", """{"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s","ShardFilter":{"Type":"AT_LATEST"}}""" },
        { "ListShards", """{"StreamARN":"arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s","StreamCreationTimestamp":1441215410}""" },
        { "RemoveTagsFromStream", """{"StreamName":"s","TagKeys":["a","b"]}""" },
        { "EnableEnhancedMonitoring", """{"StreamName":"s","ShardLevelMetrics":["IncomingBytes","ALL"]}""" },
        { "UpdateShardCount", """{"StreamName":"s","TargetShardCount":2,"ScalingType":"UNIFORM_SCALING"}""" },
        { "TagResource", """{"ResourceARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s","Tags":{"a":"b"}}""" },
    };

    [Theory]
    [MemberData(nameof(ValidCases))]
    public void ValidRequestsReturnNull(string operation, string json) => Assert.Null(Validate(operation, json));

    [Fact]
    public void FiveHundredRecordsAreValid()
    {
        var records = Enumerable.Range(0, 500).Select(i => new { Data = "AAAA", PartitionKey = "pk" + i }).ToArray();
        Assert.Null(Validate("PutRecords", Json(new { StreamName = "s", Records = records })));
    }

    [Fact]
    public void PartitionKeyLengthCountsUtf16CodeUnits()
    {
        // 128 emoji = 256 UTF-16 code units: the maximum.
        var ok = string.Concat(Enumerable.Repeat("\U0001F600", 128));
        Assert.Null(Validate("PutRecord", Json(new { StreamName = "s", Data = "", PartitionKey = ok })));

        var tooLong = ok + "\U0001F600";
        Assert.Equal(
            new ProtocolError(Val, One(Item(tooLong, "partitionKey", "Member must have length less than or equal to 256"))),
            Validate("PutRecord", Json(new { StreamName = "s", Data = "", PartitionKey = tooLong })));
    }

    // ------------------------------------------------------------------ serialization (type) errors

    public static TheoryData<string, string, string?> TypeErrorCases() => new()
    {
        { "CreateStream", "[]", null },
        { "CreateStream", "\"x\"", null },
        { "CreateStream", "1", null },
        { "CreateStream", "null", null },
        { "CreateStream", """{"StreamName":"s","ShardCount":"23"}""", "class java.lang.String can not be converted to an Integer" },
        { "CreateStream", """{"StreamName":"s","ShardCount":true}""", "class java.lang.Boolean can not be converted to an Integer" },
        { "CreateStream", """{"StreamName":"s","ShardCount":[]}""", "Start of list found where not expected" },
        { "CreateStream", """{"StreamName":"s","ShardCount":{}}""", "Start of structure or map found where not expected." },
        { "CreateStream", """{"StreamName":23}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String" },
        { "CreateStream", """{"StreamName":34.56}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String" },
        { "CreateStream", """{"StreamName":false}""", "class java.lang.Boolean can not be converted to an String" },
        { "CreateStream", """{"StreamName":["a"]}""", "Start of list found where not expected" },
        { "CreateStream", """{"StreamName":{"a":1}}""", "Start of structure or map found where not expected." },
        { "CreateStream", """{"StreamName":"s","Tags":[]}""", "Start of list found where not expected" },
        { "CreateStream", """{"StreamName":"s","Tags":"x"}""", "Expected map or null" },
        { "CreateStream", """{"StreamName":"s","Tags":12}""", "Expected map or null" },
        { "AddTagsToStream", """{"StreamName":"s","Tags":{"a":1}}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String" },
        { "CreateStream", """{"StreamName":"s","StreamModeDetails":"x"}""", "Expected null" },
        { "CreateStream", """{"StreamName":"s","StreamModeDetails":true}""", "Expected null" },
        { "CreateStream", """{"StreamName":"s","StreamModeDetails":[]}""", "Start of list found where not expected" },
        { "CreateStream", """{"StreamName":"s","StreamModeDetails":{"StreamMode":1}}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String" },
        { "PutRecords", """{"StreamName":"s","Records":"x"}""", "Expected list or null" },
        { "PutRecords", """{"StreamName":"s","Records":2147483648}""", "Expected list or null" },
        { "PutRecords", """{"StreamName":"s","Records":{}}""", "Start of structure or map found where not expected." },
        { "PutRecords", """{"StreamName":"s","Records":[1]}""", "Expected null" },
        { "PutRecords", """{"StreamName":"s","Records":[[]]}""", "Start of list found where not expected" },
        { "PutRecords", """{"StreamName":"s","Records":[{"Data":23,"PartitionKey":"a"}]}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob" },
        { "PutRecords", """{"StreamName":"s","Records":[{"Data":true,"PartitionKey":"a"}]}""", "class java.lang.Boolean can not be converted to a Blob" },
        { "PutRecords", """{"StreamName":"s","Records":[{"Data":"","PartitionKey":"a","ExplicitHashKey":1}]}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"a","Data":"23456"}""", "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"a","Data":"=+/="}""", "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"a","Data":"+/+="}""", "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"a","Data":"YR=="}""", "'YR==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"a","Data":"Y==="}""", "'Y===' can not be converted to a Blob: Invalid last non-pad Base64 character dectected" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"a","Data":"ab c"}""", "'ab c' can not be converted to a Blob: Invalid Base64 character: ' '" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"a","Data":"ab-_"}""", "'ab-_' can not be converted to a Blob: Invalid Base64 character: '-'" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"a","Data":"YQ==YQ=="}""", "'YQ==YQ==' can not be converted to a Blob: Invalid Base64 character: '='" },
        { "DeleteStream", """{"StreamName":"s","EnforceConsumerDeletion":1}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Boolean" },
        { "DeleteStream", """{"StreamName":"s","EnforceConsumerDeletion":"yes"}""", "'YES' can not be converted to an Boolean" },
        { "DeleteStream", """{"StreamName":"s","EnforceConsumerDeletion":[]}""", "Start of list found where not expected" },
        { "DeleteStream", """{"StreamName":"s","EnforceConsumerDeletion":{}}""", "Start of structure or map found where not expected." },
        { "GetShardIterator", """{"StreamName":"s","ShardId":"a","ShardIteratorType":"AT_TIMESTAMP","Timestamp":"2015-09-02T17:36:50Z"}""", "class java.lang.String can not be converted to milliseconds since epoch" },
        { "GetShardIterator", """{"StreamName":"s","ShardId":"a","ShardIteratorType":"AT_TIMESTAMP","Timestamp":"1441215410"}""", "class java.lang.String can not be converted to milliseconds since epoch" },
        { "GetShardIterator", """{"StreamName":"s","ShardId":"a","ShardIteratorType":"AT_TIMESTAMP","Timestamp":true}""", "class java.lang.Boolean can not be converted to milliseconds since epoch" },
        { "RemoveTagsFromStream", """{"StreamName":"s","TagKeys":["a",1]}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String" },
        { "EnableEnhancedMonitoring", """{"StreamName":"s","ShardLevelMetrics":"ALL"}""", "Expected list or null" },
        // Type errors win over constraint violations anywhere in the document.
        { "CreateStream", """{"StreamName":"","ShardCount":"x"}""", "class java.lang.String can not be converted to an Integer" },
        { "SubscribeToShard", """{"StartingPosition":{"Timestamp":"x"}}""", "class java.lang.String can not be converted to milliseconds since epoch" },
    };

    [Theory]
    [MemberData(nameof(TypeErrorCases))]
    public void TypeErrorsAreSerializationExceptions(string operation, string json, string? message) =>
        Assert.Equal(new ProtocolError(Ser, message), Validate(operation, json));

    [Fact]
    public void TypeErrorAfterTenConstraintViolationsStillWins()
    {
        var records = Enumerable.Range(0, 20).Select(_ => (object)new { Data = "", PartitionKey = "" }).ToList();
        records.Add(new { Data = 5, PartitionKey = "a" });
        Assert.Equal(
            new ProtocolError(Ser, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob"),
            Validate("PutRecords", Json(new { StreamName = "", Records = records })));
    }

    // ------------------------------------------------------------------ constraint (validation) errors

    public static TheoryData<string, string, string> ValidationCases()
    {
        var name129 = new string('a', 129);
        var key129 = new string('k', 129);
        var value257 = new string('v', 257);
        return new()
        {
            { "CreateStream", "{}", One(Item(null, "streamName", NotNull)) },
            { "CreateStream", """{"StreamName":null,"ShardCount":1}""", One(Item(null, "streamName", NotNull)) },
            { "CreateStream", """{"StreamName":"a b"}""", One(Item("a b", "streamName", StreamNamePattern)) },
            { "CreateStream", """{"StreamName":"abc\n"}""", One(Item("abc\n", "streamName", StreamNamePattern)) },
            {
                "CreateStream", """{"StreamName":""}""",
                Many(Item("", "streamName", StreamNamePattern), Item("", "streamName", "Member must have length greater than or equal to 1"))
            },
            { "CreateStream", Json(new { StreamName = name129 }), One(Item(name129, "streamName", "Member must have length less than or equal to 128")) },
            { "CreateStream", """{"StreamName":"s","ShardCount":0}""", One(Item("0", "shardCount", "Member must have value greater than or equal to 1")) },
            { "CreateStream", """{"StreamName":"s","ShardCount":-5}""", One(Item("-5", "shardCount", "Member must have value greater than or equal to 1")) },
            { "CreateStream", """{"StreamName":"s","ShardCount":0.5}""", One(Item("0", "shardCount", "Member must have value greater than or equal to 1")) },
            { "CreateStream", """{"StreamName":"s","MaxRecordSizeInKiB":1023}""", One(Item("1023", "maxRecordSizeInKiB", "Member must have value greater than or equal to 1024")) },
            { "CreateStream", """{"StreamName":"s","MaxRecordSizeInKiB":3000000000}""", One(Item("2147483647", "maxRecordSizeInKiB", "Member must have value less than or equal to 10240")) },
            { "CreateStream", """{"StreamName":"s","StreamModeDetails":{}}""", One(Item(null, "streamModeDetails.streamMode", NotNull)) },
            { "CreateStream", """{"StreamName":"s","StreamModeDetails":{"StreamMode":"FOO"}}""", One(Item("FOO", "streamModeDetails.streamMode", "Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]")) },
            { "CreateStream", """{"StreamName":"s","Tags":{}}""", One(Item("{}", "tags", "Member must have length greater than or equal to 1")) },
            {
                "GetShardIterator", """{"StreamName":"s","ShardId":"s","ShardIteratorType":"FOO"}""",
                One(Item("FOO", "shardIteratorType", "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"))
            },
            { "GetShardIterator", "{}", Many(Item(null, "shardId", NotNull), Item(null, "shardIteratorType", NotNull)) },
            {
                "GetShardIterator", """{"ShardId":"a","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"01"}""",
                One(Item("01", "startingSequenceNumber", @"Member must satisfy regular expression pattern: 0|([1-9]\d{0,128})"))
            },
            { "GetRecords", """{"ShardIterator":""}""", One(Item("", "shardIterator", "Member must have length greater than or equal to 1")) },
            { "GetRecords", """{"ShardIterator":"x","Limit":10001}""", One(Item("10001", "limit", "Member must have value less than or equal to 10000")) },
            { "ListStreams", """{"Limit":0}""", One(Item("0", "limit", "Member must have value greater than or equal to 1")) },
            { "ListTagsForStream", """{"StreamName":"s","Limit":51}""", One(Item("51", "limit", "Member must have value less than or equal to 50")) },
            { "PutRecords", "{}", One(Item(null, "records", NotNull)) },
            { "PutRecords", """{"Records":[]}""", One(Item("[]", "records", "Member must have length greater than or equal to 1")) },
            { "PutRecords", """{"Records":[null]}""", One(Item(null, "records.1.member", NotNull)) },
            { "PutRecords", """{"Records":[{"Data":"","PartitionKey":"a"},{"PartitionKey":"b"}]}""", One(Item(null, "records.2.member.data", NotNull)) },
            {
                "PutRecords", """{"Records":[{"Data":"","PartitionKey":"a"},{"Data":"AAAA","PartitionKey":"b","ExplicitHashKey":"-1"},{}]}""",
                Many(
                    Item("-1", "records.2.member.explicitHashKey", @"Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})"),
                    Item(null, "records.3.member.data", NotNull),
                    Item(null, "records.3.member.partitionKey", NotNull))
            },
            {
                "PutRecords", """{"StreamName":"","Records":[{"PartitionKey":"","Data":"","ExplicitHashKey":""}]}""",
                Many(
                    Item("", "records.1.member.explicitHashKey", @"Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})"),
                    Item("", "records.1.member.partitionKey", "Member must have length greater than or equal to 1"),
                    Item("", "streamName", StreamNamePattern),
                    Item("", "streamName", "Member must have length greater than or equal to 1"))
            },
            {
                "PutRecord", """{"StreamName":"","PartitionKey":"","ExplicitHashKey":"x","SequenceNumberForOrdering":"y"}""",
                Many(
                    Item("", "streamName", StreamNamePattern),
                    Item("", "streamName", "Member must have length greater than or equal to 1"),
                    Item(null, "data", NotNull),
                    Item("", "partitionKey", "Member must have length greater than or equal to 1"),
                    Item("x", "explicitHashKey", @"Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})"),
                    Item("y", "sequenceNumberForOrdering", @"Member must satisfy regular expression pattern: 0|([1-9]\d{0,128})"))
            },
            { "AddTagsToStream", """{"StreamName":"s"}""", One(Item(null, "tags", NotNull)) },
            { "AddTagsToStream", """{"StreamName":"s","Tags":{}}""", One(Item("{}", "tags", "Member must have length greater than or equal to 1")) },
            {
                "AddTagsToStream", Json(new { StreamName = "s", Tags = new Dictionary<string, string> { ["a"] = "1", [key129] = "v" } }),
                One(Item("{a=1, " + key129 + "=v}", "tags", "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"))
            },
            {
                "AddTagsToStream", """{"StreamName":"s","Tags":{"":"v"}}""",
                One(Item("{=v}", "tags", "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"))
            },
            {
                "TagResource", Json(new { ResourceARN = "arn:aws:kinesis:us-east-1:123456789012:stream/s", Tags = new Dictionary<string, string> { ["k"] = value257 } }),
                One(Item("{k=" + value257 + "}", "tags", "Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]"))
            },
            { "AddTagsToStream", """{"StreamName":"s","Tags":{"k":null}}""", One(Item(null, "tags.k.member", NotNull)) },
            { "RemoveTagsFromStream", """{"StreamName":"s","TagKeys":[]}""", One(Item("[]", "tagKeys", "Member must have length greater than or equal to 1")) },
            {
                "RemoveTagsFromStream", Json(new { StreamName = "s", TagKeys = new[] { "a", name129, "b" } }),
                One(Item("[a, " + name129 + ", b]", "tagKeys", "Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"))
            },
            { "RemoveTagsFromStream", """{"StreamName":"s","TagKeys":["a",null]}""", One(Item(null, "tagKeys.2.member", NotNull)) },
            {
                "EnableEnhancedMonitoring", """{"StreamName":"s","ShardLevelMetrics":["ALL","Foo"]}""",
                One(Item("[ALL, Foo]", "shardLevelMetrics", "Member must satisfy constraint: [Member must satisfy enum value set: " + MetricsEnum + "]"))
            },
            { "DisableEnhancedMonitoring", """{"StreamName":"s","ShardLevelMetrics":[]}""", One(Item("[]", "shardLevelMetrics", "Member must have length greater than or equal to 1")) },
            {
                "SubscribeToShard", "{}",
                Many(Item(null, "consumerARN", NotNull), Item(null, "shardId", NotNull), Item(null, "startingPosition", NotNull))
            },
            {
                "SubscribeToShard", """{"ConsumerARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1","ShardId":"shardId-000000000000","StartingPosition":{}}""",
                One(Item(null, "startingPosition.type", NotNull))
            },
            {
                "DescribeStreamConsumer", """{"ConsumerARN":"arn:aws:kinesis:us-east-1:123:stream/s/consumer/c:1"}""",
                One(Item("arn:aws:kinesis:us-east-1:123:stream/s/consumer/c:1", "consumerARN", @"Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+"))
            },
            {
                // Java's \d is ASCII-only: a Devanagari digit does not match.
                "ListShards", """{"StreamARN":"arn:aws:kinesis:us-east-1:12345678901\u0968:stream/s"}""",
                One(Item("arn:aws:kinesis:us-east-1:12345678901\u0968:stream/s", "streamARN", @"Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\d{12}:stream/\S+"))
            },
            {
                "ListShards", """{"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/a b"}""",
                One(Item("arn:aws:kinesis:us-east-1:123456789012:stream/a b", "streamARN", @"Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\d{12}:stream/\S+"))
            },
            { "ListShards", """{"StreamName":"s","ShardFilter":{}}""", One(Item(null, "shardFilter.type", NotNull)) },
            {
                "UpdateShardCount", """{"StreamName":"s","TargetShardCount":0,"ScalingType":"X"}""",
                Many(
                    Item("0", "targetShardCount", "Member must have value greater than or equal to 1"),
                    Item("X", "scalingType", "Member must satisfy enum value set: [UNIFORM_SCALING]"))
            },
            { "UpdateAccountSettings", """{"MinimumThroughputBillingCommitment":{"Status":"x"}}""", One(Item("x", "minimumThroughputBillingCommitment.status", "Member must satisfy enum value set: [ENABLED, DISABLED]")) },
            { "StartStreamEncryption", """{"StreamName":"s","EncryptionType":"KMS"}""", One(Item(null, "keyId", NotNull)) },
        };
    }

    [Theory]
    [MemberData(nameof(ValidationCases))]
    public void ConstraintViolationsAreValidationExceptions(string operation, string json, string message) =>
        Assert.Equal(new ProtocolError(Val, message), Validate(operation, json));

    [Fact]
    public void TooManyRecordsPrintsJavaObjects()
    {
        var records = Enumerable.Range(0, 501).Select(i => new { Data = "AAAA", PartitionKey = "p" + i }).ToArray();
        var error = Validate("PutRecords", Json(new { StreamName = "s", Records = records }));

        Assert.NotNull(error);
        Assert.Equal(Val, error.Type);
        var pattern = "^1 validation error detected: Value '\\[(" + EntryId + ", ){500}" + EntryId + "\\]' at 'records' " +
            "failed to satisfy constraint: Member must have length less than or equal to 500$";
        Assert.Matches(new Regex(pattern), error.Message);
    }

    [Fact]
    public void AtMostTenErrorsAreListedAndCounted()
    {
        // Mirrors the AWS answer recorded by kinesalite's test-suite: 503 violations, "10 validation errors detected".
        var records = Enumerable.Range(0, 501).Select(_ => new { PartitionKey = "", Data = "" }).ToArray();
        var error = Validate("PutRecords", Json(new { StreamName = "", Records = records }));

        Assert.NotNull(error);
        Assert.Equal(Val, error.Type);
        var expected = new StringBuilder("^10 validation errors detected: ");
        expected.Append("Value '\\[(" + EntryId + ", ){500}" + EntryId + "\\]' at 'records' failed to satisfy constraint: ")
            .Append("Member must have length less than or equal to 500");
        for (var i = 1; i <= 9; i++)
        {
            expected.Append(Regex.Escape("; " + Item("", $"records.{i}.member.partitionKey", "Member must have length greater than or equal to 1")));
        }

        Assert.Matches(new Regex(expected.Append('$').ToString()), error.Message);
        Assert.Equal(10, error.Message!.Split("; ").Length);
    }

    [Fact]
    public void TooManyTags()
    {
        var tags = Enumerable.Range(0, 201).ToDictionary(i => "k" + i, _ => "v");
        var error = Validate("AddTagsToStream", Json(new { StreamName = "s", Tags = tags }));
        var printed = "{" + string.Join(", ", tags.Select(t => t.Key + "=" + t.Value)) + "}";
        Assert.Equal(new ProtocolError(Val, One(Item(printed, "tags", "Member must have length less than or equal to 200"))), error);
    }

    [Fact]
    public void NullMemberIsTheSameAsAbsent()
    {
        Assert.Equal(Validate("PutRecord", """{"Data":"","PartitionKey":null}"""), Validate("PutRecord", """{"Data":""}"""));
        Assert.Equal(new ProtocolError(Val, One(Item(null, "partitionKey", NotNull))), Validate("PutRecord", """{"Data":""}"""));
    }

    [Fact]
    public void EscapedMemberNamesAreRecognised()
    {
        Assert.Equal(
            new ProtocolError(Val, One(Item("a b", "streamName", StreamNamePattern))),
            Validate("CreateStream", """{"Stream\u004eame":"a b"}"""));
        Assert.Null(Validate("CreateStream", """{"Stream\u004eame":"ab"}"""));
    }

    [Fact]
    public void DuplicateMemberKeepsLastValue() =>
        Assert.Null(Validate("CreateStream", """{"StreamName":"a b","StreamName":"ab"}"""));

    [Fact]
    public void UnknownOperation() =>
        Assert.Equal(new ProtocolError(ProtocolError.UnknownOperationException, null), Validate("NoSuchOperation", "{}"));

    [Fact]
    public void OperationOverloadMatchesNameOverload()
    {
        var op = ServiceModel.Kinesis.Operations["CreateStream"];
        using var doc = JsonDocument.Parse("{}");
        Assert.Equal(RequestValidator.Validate("CreateStream", doc.RootElement), RequestValidator.Validate(op, doc.RootElement));
        Assert.Equal(
            new ProtocolError(Ser, null),
            RequestValidator.Validate(op, default));
    }

    [Fact]
    public void LargeBlobWithinModelLimitIsAccepted()
    {
        // 1 MiB + 1: above the classic Kinesis record limit but within the model's 10 MiB; handlers enforce the stream limit.
        var data = Convert.ToBase64String(new byte[1048577]);
        Assert.Null(Validate("PutRecord", Json(new { StreamName = "s", Data = data, PartitionKey = "p" })));
    }
}
