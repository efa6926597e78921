using System.Text;
using System.Text.Json;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Tests;

public sealed class ServiceModelTests
{
    private static readonly ServiceModel s_kinesis = ServiceModel.Kinesis;

    [Fact]
    public void LoadsEmbeddedKinesisModel()
    {
        Assert.Same(s_kinesis, ServiceModel.Kinesis);
        Assert.Equal("2013-12-02", s_kinesis.ApiVersion);
        Assert.Equal("kinesis", s_kinesis.EndpointPrefix);
        Assert.Equal("Kinesis_20131202", s_kinesis.TargetPrefix);
        Assert.Equal("1.1", s_kinesis.JsonVersion);
        Assert.Equal(39, s_kinesis.Operations.Count);
        Assert.True(s_kinesis.TryGetOperation("PutRecords", out var putRecords));
        Assert.Equal("PutRecordsInput", putRecords.Input!.Name);
        Assert.False(s_kinesis.TryGetOperation("putRecords", out _));
    }

    [Fact]
    public void LoadsEmbeddedFirehoseModel_whose_patterns_escape_underscores_the_Java_way()
    {
        var firehose = ServiceModel.Firehose;
        Assert.Same(firehose, ServiceModel.Embedded(ServiceModel.FirehoseResourceName));
        Assert.Equal("Firehose_20150804", firehose.TargetPrefix);
        Assert.Equal("firehose", firehose.SigningName);
        Assert.Equal("kinesis", s_kinesis.SigningName);
        Assert.True(firehose.TryGetOperation("PutRecordBatch", out _));

        // VpcEndpointServiceName's pattern is [a-zA-Z0-9\-\_]+... in Java syntax.
        using var ok = JsonDocument.Parse("""{"VpcEndpointServiceName":"com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"}""");
        var probe = new Operation("Probe", firehose.Shapes["DatabaseSourceVPCConfiguration"], null);
        Assert.Null(RequestValidator.Validate(probe, ok.RootElement));
        using var bad = JsonDocument.Parse("""{"VpcEndpointServiceName":"com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef!"}""");
        Assert.Equal("ValidationException", RequestValidator.Validate(probe, bad.RootElement)?.Type);
    }

    [Fact]
    public void StructureMembersKeepModelOrderAndRequiredFlags()
    {
        var input = s_kinesis.Operations["PutRecords"].Input!;
        Assert.Equal(ShapeType.Structure, input.Type);
        Assert.Equal(["Records", "StreamName", "StreamARN", "StreamId"], input.Members.Select(m => m.Name));
        Assert.Equal(["records", "streamName", "streamARN", "streamId"], input.Members.Select(m => m.PathName));
        Assert.True(input.MembersByName["Records"].IsRequired);
        Assert.False(input.MembersByName["StreamName"].IsRequired);

        var records = input.MembersByName["Records"].Shape;
        Assert.Equal(ShapeType.List, records.Type);
        Assert.Equal(1, records.Min);
        Assert.Equal(500, records.Max);
        var entry = records.ListMember!;
        Assert.Equal("PutRecordsRequestEntry", entry.Name);
        Assert.Equal(["Data", "PartitionKey"], entry.Members.Where(m => m.IsRequired).Select(m => m.Name));
        var data = entry.MembersByName["Data"].Shape;
        Assert.Equal(ShapeType.Blob, data.Type);
        Assert.Equal(0, data.Min);
        Assert.Equal(10485760, data.Max);
    }

    [Fact]
    public void ScalarConstraints()
    {
        var streamName = s_kinesis.Shapes["StreamName"];
        Assert.Equal(ShapeType.String, streamName.Type);
        Assert.Equal(1, streamName.Min);
        Assert.Equal(128, streamName.Max);
        Assert.Equal("[a-zA-Z0-9_.-]+", streamName.Pattern);
        Assert.NotNull(streamName.PatternRegex);
        Assert.Matches(streamName.PatternRegex, "my-stream_1.0");
        Assert.DoesNotMatch(streamName.PatternRegex, "my stream");
        Assert.DoesNotMatch(streamName.PatternRegex, "abc\n");
        Assert.DoesNotMatch(streamName.PatternRegex, "");

        var hashKey = s_kinesis.Shapes["HashKey"];
        Assert.Matches(hashKey.PatternRegex!, "0");
        Assert.Matches(hashKey.PatternRegex!, "340282366920938463463374607431768211455");
        Assert.DoesNotMatch(hashKey.PatternRegex!, "01"); // whole-string match: "0|..." is anchored as a group
        Assert.DoesNotMatch(hashKey.PatternRegex!, "1a");

        var iteratorType = s_kinesis.Shapes["ShardIteratorType"];
        Assert.True(iteratorType.IsEnum);
        Assert.Equal(["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"], iteratorType.EnumValues.AsEnumerable());

        var limit = s_kinesis.Shapes["ListShardsInputLimit"];
        Assert.Equal(ShapeType.Integer, limit.Type);
        Assert.Equal(1, limit.Min);
        Assert.Equal(10000, limit.Max);

        var tagMap = s_kinesis.Shapes["TagMap"];
        Assert.Equal(ShapeType.Map, tagMap.Type);
        Assert.Equal("TagKey", tagMap.MapKey!.Name);
        Assert.Equal("TagValue", tagMap.MapValue!.Name);
        Assert.Equal(ShapeType.Timestamp, s_kinesis.Shapes["Timestamp"].Type);
        Assert.Equal(ShapeType.Boolean, s_kinesis.Shapes["BooleanObject"].Type);
        Assert.Equal(ShapeType.Long, s_kinesis.Shapes["MillisBehindLatest"].Type);
    }

    [Fact]
    public void ConsumerArnPatternWithLeadingCaret()
    {
        var regex = s_kinesis.Shapes["ConsumerARN"].PatternRegex!;
        Assert.Matches(regex, "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1");
        Assert.DoesNotMatch(regex, "xarn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1");
        Assert.DoesNotMatch(regex, "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1x");
    }

    [Fact]
    public void HostilePatternInputIsFast()
    {
        // "arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+" backtracks catastrophically in a backtracking engine.
        var hostile = "arn:aws" + string.Concat(Enumerable.Repeat(":kinesis:", 20000));
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.DoesNotMatch(s_kinesis.Shapes["ResourceARN"].PatternRegex!, hostile);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2), $"took {started.Elapsed}");
    }

    [Fact]
    public void InvalidModelsAreRejected()
    {
        Assert.Throws<InvalidDataException>(() => Load("""{"metadata":{}}"""));
        Assert.Throws<InvalidDataException>(() => Load("""{"metadata":{"apiVersion":"1","endpointPrefix":"x"},"operations":{},"shapes":{"A":{"type":"union"}}}"""));
        Assert.Throws<InvalidDataException>(() => Load("""{"metadata":{"apiVersion":"1","endpointPrefix":"x"},"operations":{},"shapes":{"A":{"type":"list","member":{"shape":"Missing"}}}}"""));
    }

    internal static ServiceModel Load(string json) => ServiceModel.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));
}

/// <summary>Shapes the Kinesis model lacks on the input side (long, blob bounds, maps of structures), via a small model.</summary>
public sealed class CustomModelValidationTests
{
    private const string ModelJson = """
        {
          "metadata": { "apiVersion": "2020-01-01", "endpointPrefix": "test", "targetPrefix": "Test_20200101", "jsonVersion": "1.1" },
          "operations": {
            "Op": { "name": "Op", "input": { "shape": "OpInput" } },
            "NoInput": { "name": "NoInput" }
          },
          "shapes": {
            "OpInput": {
              "type": "structure",
              "members": {
                "Count": { "shape": "Count" },
                "Payload": { "shape": "Payload" },
                "Ratio": { "shape": "Ratio" },
                "Items": { "shape": "ItemList" },
                "Things": { "shape": "ThingMap" },
                "Codes": { "shape": "CodeMap" }
              }
            },
            "Count": { "type": "long", "min": 1, "max": 5 },
            "Payload": { "type": "blob", "min": 1, "max": 4 },
            "Ratio": { "type": "double", "min": 0, "max": 1 },
            "ItemList": { "type": "list", "member": { "shape": "Item" }, "max": 2 },
            "Item": { "type": "structure", "required": ["Name"], "members": { "Name": { "shape": "Name" } } },
            "Name": { "type": "string", "min": 2, "pattern": "\\w+" },
            "ThingMap": { "type": "map", "key": { "shape": "Name" }, "value": { "shape": "Item" } },
            "CodeMap": { "type": "map", "key": { "shape": "Code" }, "value": { "shape": "Count" } },
            "Code": { "type": "string", "enum": ["A", "B"] }
          }
        }
        """;

    private static readonly ServiceModel s_model = ServiceModelTests.Load(ModelJson);

    private static ProtocolError? Validate(string json, string operation = "Op")
    {
        using var doc = JsonDocument.Parse(json);
        return RequestValidator.Validate(s_model, operation, doc.RootElement);
    }

    private static ProtocolError Invalid(string message) => new(ProtocolError.ValidationException, message);

    [Fact]
    public void LongTypeErrors() =>
        Assert.Equal(new ProtocolError(ProtocolError.SerializationException, "class java.lang.String can not be converted to an Long"), Validate("""{"Count":"3"}"""));

    [Fact]
    public void HugeLongIsClamped() =>
        Assert.Equal(
            Invalid("1 validation error detected: Value '9223372036854775807' at 'count' failed to satisfy constraint: Member must have value less than or equal to 5"),
            Validate("""{"Count":99999999999999999999999}"""));

    [Fact]
    public void BlobLengthIsTheDecodedLength()
    {
        Assert.Null(Validate("""{"Payload":"AAAAAA=="}""")); // 4 bytes
        Assert.Equal(
            Invalid("1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=5 cap=5]' at 'payload' failed to satisfy constraint: Member must have length less than or equal to 4"),
            Validate("""{"Payload":"AAAAAAA="}"""));
        Assert.Equal(
            Invalid("1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'payload' failed to satisfy constraint: Member must have length greater than or equal to 1"),
            Validate("""{"Payload":""}"""));
    }

    [Fact]
    public void DoubleRange()
    {
        Assert.Null(Validate("""{"Ratio":0.5}"""));
        Assert.Equal(
            Invalid("1 validation error detected: Value '1.5' at 'ratio' failed to satisfy constraint: Member must have value less than or equal to 1"),
            Validate("""{"Ratio":1.5}"""));
    }

    [Fact]
    public void ListOfStructuresUsesJavaClassNames()
    {
        var error = Validate("""{"Items":[{"Name":"ab"},{"Name":"cd"},{"Name":"x"}]}""");
        Assert.NotNull(error);
        Assert.Matches(
            "^2 validation errors detected: Value '\\[com\\.amazonaws\\.test\\.v20200101\\.Item@[0-9a-f]+, com\\.amazonaws\\.test\\.v20200101\\.Item@[0-9a-f]+, com\\.amazonaws\\.test\\.v20200101\\.Item@[0-9a-f]+\\]' at 'items' failed to satisfy constraint: Member must have length less than or equal to 2; "
            + "Value 'x' at 'items\\.3\\.member\\.name' failed to satisfy constraint: Member must have length greater than or equal to 2$",
            error.Message);
    }

    [Fact]
    public void MapOfStructuresUsesEntryPaths() =>
        Assert.Equal(
            Invalid("2 validation errors detected: Value null at 'things.k1.member.name' failed to satisfy constraint: Member must not be null; "
                + "Value 'a b' at 'things.k2.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: \\w+"),
            Validate("""{"Things":{"k1":{},"k2":{"Name":"a b"},"k3":{"Name":"ok"}}}"""));

    [Fact]
    public void MapKeyAndValueSummaries() =>
        Assert.Equal(
            Invalid("2 validation errors detected: Value '{A=1, C=9}' at 'codes' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy enum value set: [A, B]]; "
                + "Value '{A=1, C=9}' at 'codes' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 5, Member must have value greater than or equal to 1]"),
            Validate("""{"Codes":{"A":1,"C":9}}"""));

    [Fact]
    public void MapKeyPatternIsChecked()
    {
        var error = Validate("""{"Things":{"a-b":{"Name":"ok"}}}""");
        Assert.NotNull(error);
        Assert.Equal(ProtocolError.ValidationException, error.Type);
        Assert.Matches(
            "^1 validation error detected: Value '\\{a-b=com\\.amazonaws\\.test\\.v20200101\\.Item@[0-9a-f]+\\}' at 'things' failed to satisfy constraint: "
            + "Map keys must satisfy constraint: \\[Member must have length greater than or equal to 2, Member must satisfy regular expression pattern: \\\\w\\+\\]$",
            error.Message);
    }

    [Fact]
    public void StructuresWithManyMembers()
    {
        // More members than the validator's inline buffer holds: the per-member lookup path.
        var members = string.Join(",", Enumerable.Range(0, 20).Select(i => $"\"M{i}\":{{\"shape\":\"Small\"}}"));
        var model = ServiceModelTests.Load(
            "{\"metadata\":{\"apiVersion\":\"2020-01-01\",\"endpointPrefix\":\"t\"},\"operations\":{\"Op\":{\"input\":{\"shape\":\"In\"}}},"
            + "\"shapes\":{\"Small\":{\"type\":\"integer\",\"max\":1},\"In\":{\"type\":\"structure\",\"required\":[\"M19\"],\"members\":{" + members + "}}}}");
        using var doc = JsonDocument.Parse("""{"M3":2,"M0":0}""");
        Assert.Equal(
            Invalid("2 validation errors detected: Value '2' at 'm3' failed to satisfy constraint: Member must have value less than or equal to 1; "
                + "Value null at 'm19' failed to satisfy constraint: Member must not be null"),
            RequestValidator.Validate(model, "Op", doc.RootElement));
    }

    [Fact]
    public void OperationWithoutInputAcceptsAnyObject()
    {
        Assert.Null(Validate("""{"anything":[1,2,3]}""", "NoInput"));
        Assert.Equal(new ProtocolError(ProtocolError.SerializationException, null), Validate("[]", "NoInput"));
    }
}
