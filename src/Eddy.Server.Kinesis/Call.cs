using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol.Model;
using Microsoft.AspNetCore.Http;

namespace Eddy.Server.Kinesis;

/// <summary>
/// One API call as a handler sees it: the engine, the validated request body, and the response writer. Accessors
/// read members that <see cref="RequestValidator"/> has already type-checked; absent and null members read as null.
/// </summary>
internal sealed class Call(IStreamEngine engine, JsonElement body, PooledBufferWriter output, HttpContext http)
{
    private Utf8JsonWriter? _writer;

    public IStreamEngine Engine { get; } = engine;
    public JsonElement Body { get; } = body;

    /// <summary>The HTTP exchange, for the one action that answers with a stream of events (SubscribeToShard).</summary>
    public HttpContext Http { get; } = http;

    /// <summary>The request came as CBOR: the response (and SubscribeToShard's event payloads) go back as CBOR.</summary>
    public bool Cbor { get; init; }

    /// <summary>Set by a handler that wrote the response itself (an event stream); the endpoint then writes nothing.</summary>
    public bool Streamed { get; set; }

    /// <summary>The response writer; a call that never asks for it answers 200 with an empty body.</summary>
    public Utf8JsonWriter Json => _writer ??= new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });

    public bool HasJson => _writer is not null;

    public void Flush() => _writer?.Flush();

    public StreamRef Stream => new(String("StreamName"), String("StreamARN"));

    public string? String(string name) => Member(Body, name) is { } e ? e.GetString() : null;

    public string Required(string name) => String(name) ?? throw KinesisException.Validation(
        $"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");

    public int? Int(string name) => Member(Body, name) is { } e ? JsonNumbers.ReadInt32(e) : null;

    public bool? Bool(string name) => Member(Body, name) is { } e ? e.GetBoolean() : null;

    public DateTimeOffset? Time(string name) => Time(Body, name);

    public static DateTimeOffset? Time(JsonElement obj, string name) =>
        Member(obj, name) is { } e && JsonTimestamp.TryRead(e, out var t) ? t : null;

    public JsonElement? Object(string name) => Member(Body, name);

    public IReadOnlyDictionary<string, string>? Map(string name) =>
        Member(Body, name) is { } e ? e.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).ToDictionary(p => p.Name, p => p.Value.GetString()!) : null;

    public IReadOnlyList<string>? List(string name) =>
        Member(Body, name) is { } e ? [.. e.EnumerateArray().Select(x => x.GetString()!)] : null;

    public static JsonElement? Member(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? e : null;

    public static string? String(JsonElement obj, string name) => Member(obj, name)?.GetString();
}

/// <summary>Writers for the shapes several actions share.</summary>
internal static class Shapes
{
    public static void Timestamp(this Utf8JsonWriter w, string name, DateTimeOffset value) => w.WriteNumber(name, JsonTimestamp.ToEpochSeconds(value));

    public static void Timestamp(this Utf8JsonWriter w, string name, long unixMs) => w.WriteNumber(name, unixMs / 1000m);

    public static void HashKeyRange(this Utf8JsonWriter w, HashKeyRange range)
    {
        w.WriteStartObject("HashKeyRange");
        w.WriteString("StartingHashKey", range.Start.ToString());
        w.WriteString("EndingHashKey", range.End.ToString());
        w.WriteEndObject();
    }

    public static void Shard(this Utf8JsonWriter w, ShardView s)
    {
        w.WriteStartObject();
        w.WriteString("ShardId", s.ShardId);
        if (s.ParentShardId is not null) w.WriteString("ParentShardId", s.ParentShardId);
        if (s.AdjacentParentShardId is not null) w.WriteString("AdjacentParentShardId", s.AdjacentParentShardId);
        w.HashKeyRange(s.HashKeyRange);
        w.WriteStartObject("SequenceNumberRange");
        w.WriteString("StartingSequenceNumber", s.StartingSequenceNumber);
        if (s.EndingSequenceNumber is not null) w.WriteString("EndingSequenceNumber", s.EndingSequenceNumber);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static void Shards(this Utf8JsonWriter w, IReadOnlyList<ShardView> shards)
    {
        w.WriteStartArray("Shards");
        foreach (var s in shards) w.Shard(s);
        w.WriteEndArray();
    }

    public static void ChildShards(this Utf8JsonWriter w, IReadOnlyList<ChildShardView> children)
    {
        w.WriteStartArray("ChildShards");
        foreach (var c in children)
        {
            w.WriteStartObject();
            w.WriteString("ShardId", c.ShardId);
            w.WriteStartArray("ParentShards");
            foreach (var p in c.ParentShards) w.WriteStringValue(p);
            w.WriteEndArray();
            w.HashKeyRange(c.HashKeyRange);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>The <c>Records</c> member of GetRecords and SubscribeToShardEvent (hot path: base64 straight from the read buffer).</summary>
    public static void Records(this Utf8JsonWriter w, IReadOnlyList<ReadRecord> records)
    {
        w.WriteStartArray("Records");
        foreach (var rec in records) w.Record(rec);
        w.WriteEndArray();
    }

    /// <summary>One element of <c>Records</c>; <see cref="Handlers.JsonLength.Record"/> computes its length.</summary>
    public static void Record(this Utf8JsonWriter w, in ReadRecord rec)
    {
        w.WriteStartObject();
        w.WriteString("SequenceNumber", rec.SequenceNumber);
        w.Timestamp("ApproximateArrivalTimestamp", rec.ArrivalMs);
        w.WriteBase64String("Data", rec.Data.Span);
        w.WriteString("PartitionKey", rec.PartitionKey.Span);
        if (rec.Encrypted) w.WriteString("EncryptionType", "KMS");
        w.WriteEndObject();
    }

    public static void StreamModeDetails(this Utf8JsonWriter w, StreamMode mode)
    {
        w.WriteStartObject("StreamModeDetails");
        w.WriteString("StreamMode", mode.ToWire());
        w.WriteEndObject();
    }

    public static void EnhancedMonitoring(this Utf8JsonWriter w, IReadOnlyList<string> metrics)
    {
        w.WriteStartArray("EnhancedMonitoring");
        w.WriteStartObject();
        w.StringList("ShardLevelMetrics", metrics);
        w.WriteEndObject();
        w.WriteEndArray();
    }

    public static void StringList(this Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    public static void Consumer(this Utf8JsonWriter w, ConsumerView c, bool withStreamArn)
    {
        w.WriteString("ConsumerName", c.Name);
        w.WriteString("ConsumerARN", c.Arn);
        w.WriteString("ConsumerStatus", c.Status.ToWire());
        w.Timestamp("ConsumerCreationTimestamp", c.CreatedAt);
        if (withStreamArn) w.WriteString("StreamARN", c.StreamArn);
    }

    public static void Tags(this Utf8JsonWriter w, IEnumerable<KeyValuePair<string, string>> tags)
    {
        w.WriteStartArray("Tags");
        foreach (var (k, v) in tags)
        {
            w.WriteStartObject();
            w.WriteString("Key", k);
            w.WriteString("Value", v);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
