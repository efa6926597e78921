using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Eddy.Client.Kinesis;
using Eddy.Protocol.Model;

namespace Eddy.Client.Tests;

/// <summary>
/// The typed Kinesis client against the botocore model embedded in Eddy.Protocol: one method per operation, and every
/// request, response and nested record with exactly the model's members, types (string, int, long, bool, timestamp,
/// blob, list, map, structure) and required members — so a model update that the records miss fails here.
/// </summary>
public sealed class ModelDriftTests
{
    /// <summary>Members the model calls required that AWS (and Eddy) leave out of some answers; the records declare
    /// them optional.</summary>
    private static readonly HashSet<(string Shape, string Member)> s_leftOutByTheService =
    [
        ("SubscribeToShardEvent", "ContinuationSequenceNumber"), // absent at a shard's end, where ChildShards say what follows
    ];

    private readonly NullabilityInfoContext _nullability = new();

    [Fact]
    public void Every_operation_has_one_method_and_every_method_an_operation()
    {
        var methods = typeof(KinesisClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal))
            .Select(m => m.Name[..^"Async".Length]).Order().ToList();
        Assert.Equal([.. ServiceModel.Kinesis.Operations.Keys.Order()], methods);
        Assert.Equal(
            ServiceModel.Kinesis.Operations.Keys.Order().ToList(),
            [.. typeof(KinesisOperations).GetFields().Where(f => f.IsLiteral && f.Name != nameof(KinesisOperations.TargetPrefix)).Select(f => (string)f.GetValue(null)!).Order()]);
    }

    [Fact]
    public void Every_record_matches_its_shape_in_the_model()
    {
        var problems = new List<string>();
        var checkedShapes = new HashSet<string>();
        foreach (var operation in ServiceModel.Kinesis.Operations.Values)
        {
            var method = typeof(KinesisClient).GetMethod(operation.Name + "Async")!;
            var requestType = method.GetParameters()[0].ParameterType;
            Check(operation.Input!, requestType, $"{operation.Name} request", problems, checkedShapes);
            var returned = method.ReturnType;
            if (operation.Name == KinesisOperations.SubscribeToShard)
            {
                Assert.Equal(typeof(IAsyncEnumerable<SubscribeToShardEvent>), returned);
                Check(ServiceModel.Kinesis.Shapes["SubscribeToShardEvent"], typeof(SubscribeToShardEvent), "SubscribeToShard event", problems, checkedShapes);
            }
            else if (operation.Output is { } output)
            {
                Assert.True(returned.IsGenericType && returned.GetGenericTypeDefinition() == typeof(Task<>), $"{operation.Name} returns {returned}");
                Check(output, returned.GetGenericArguments()[0], $"{operation.Name} response", problems, checkedShapes);
            }
            else
            {
                Assert.Equal(typeof(Task), returned);
            }
        }

        Assert.True(problems.Count == 0, "The records differ from the model:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void Every_request_and_response_is_source_generated()
    {
        foreach (var method in typeof(KinesisClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal)))
        {
            Assert.NotNull(KinesisJsonContext.Default.GetTypeInfo(method.GetParameters()[0].ParameterType));
            if (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
                Assert.NotNull(KinesisJsonContext.Default.GetTypeInfo(method.ReturnType.GetGenericArguments()[0]));
        }
    }

    [Fact]
    public void Records_serialize_with_the_wire_names_blobs_in_base64_and_timestamps_in_epoch_seconds()
    {
        var request = new GetShardIteratorRequest
        {
            StreamName = "s", ShardId = "shardId-000000000000", ShardIteratorType = "AT_TIMESTAMP",
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250),
        };
        Assert.Equal("""{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1700000000.25}""",
            Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(request, KinesisJsonContext.Default.GetShardIteratorRequest)));
        var put = new PutRecordRequest { StreamName = "s", PartitionKey = "k", Data = [1, 2, 3] };
        Assert.Equal("""{"StreamName":"s","Data":"AQID","PartitionKey":"k"}""",
            Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(put, KinesisJsonContext.Default.PutRecordRequest)));
        var record = JsonSerializer.Deserialize("""{"SequenceNumber":"1","ApproximateArrivalTimestamp":1.7e9,"Data":"AQID","PartitionKey":"k","Extra":true}""", KinesisJsonContext.Default.Record)!;
        Assert.Equal([1, 2, 3], record.Data);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), record.ApproximateArrivalTimestamp);
    }

    [Fact]
    public void An_answer_without_a_required_member_does_not_deserialize()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"ShardId":"shardId-000000000000"}""", KinesisJsonContext.Default.PutRecordResponse));
        var end = JsonSerializer.Deserialize("""{"Records":[],"MillisBehindLatest":0,"ChildShards":[]}""", KinesisJsonContext.Default.SubscribeToShardEvent)!;
        Assert.Null(end.ContinuationSequenceNumber);
    }

    private void Check(Shape shape, Type type, string where, List<string> problems, HashSet<string> checkedShapes)
    {
        if (!checkedShapes.Add(shape.Name + "→" + type.FullName)) return;
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var members = shape.Members.ToDictionary(m => m.Name, StringComparer.Ordinal);
        foreach (var name in properties.Keys.Except(members.Keys)) problems.Add($"{where} ({type.Name}): {name} is not a member of {shape.Name}");
        foreach (var name in members.Keys.Except(properties.Keys)) problems.Add($"{where} ({type.Name}): {shape.Name}.{name} is missing");
        foreach (var member in shape.Members)
        {
            if (!properties.TryGetValue(member.Name, out var property)) continue;
            var at = $"{where} ({type.Name}.{member.Name})";
            var required = member.IsRequired && !s_leftOutByTheService.Contains((shape.Name, member.Name));
            var declared = property.IsDefined(typeof(RequiredMemberAttribute));
            if (declared != required)
                problems.Add($"{at}: {(required ? "required" : "optional")} by the model, {(declared ? "required" : "optional")} in the record");
            var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null
                || (!property.PropertyType.IsValueType && _nullability.Create(property).ReadState == NullabilityState.Nullable);
            if (nullable == required) problems.Add($"{at}: {(required ? "a required member must not be nullable" : "an optional member must be nullable")}");
            CheckType(member.Shape, Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType, at, problems, checkedShapes);
        }
    }

    private void CheckType(Shape shape, Type type, string at, List<string> problems, HashSet<string> checkedShapes)
    {
        Type? expected = shape.Type switch
        {
            ShapeType.String => typeof(string),
            ShapeType.Integer => typeof(int),
            ShapeType.Long => typeof(long),
            ShapeType.Boolean => typeof(bool),
            ShapeType.Double or ShapeType.Float => typeof(double),
            ShapeType.Timestamp => typeof(DateTimeOffset),
            ShapeType.Blob => typeof(byte[]),
            _ => null,
        };
        if (expected is not null)
        {
            if (type != expected) problems.Add($"{at}: {shape.Name} ({shape.Type}) needs {expected.Name}, not {type.Name}");
            return;
        }

        switch (shape.Type)
        {
            case ShapeType.List when type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>):
                CheckType(shape.ListMember!, type.GetGenericArguments()[0], at + "[]", problems, checkedShapes);
                return;
            case ShapeType.Map when type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>):
                CheckType(shape.MapKey!, type.GetGenericArguments()[0], at + "{key}", problems, checkedShapes);
                CheckType(shape.MapValue!, type.GetGenericArguments()[1], at + "{value}", problems, checkedShapes);
                return;
            case ShapeType.Structure when type.IsClass && type.Namespace == typeof(KinesisClient).Namespace:
                Check(shape, type, at, problems, checkedShapes);
                return;
            default:
                problems.Add($"{at}: {shape.Name} ({shape.Type}) cannot be {type.Name}");
                return;
        }
    }
}
