using System.Text;
using System.Text.Json;

namespace Eddy.Load;

/// <summary>Control-plane calls: create/wait/list/delete. Not on any measured path.</summary>
public static class StreamAdmin
{
    /// <summary>Creates the stream (or finds it existing) and waits until it is ACTIVE. Returns true when this call created it.</summary>
    public static async Task<bool> EnsureActiveAsync(KinesisClient client, string stream, int shards, CancellationToken ct)
    {
        bool created;
        try
        {
            using JsonDocument? _ = await client.CallAsync(Ops.CreateStream, $"{{\"StreamName\":{Str(stream)},\"ShardCount\":{shards}}}", ct);
            created = true;
        }
        catch (KinesisException e) when (e.ErrorType == "ResourceInUseException")
        {
            created = false;
        }

        long deadline = Clock.Now + Clock.FromSeconds(120);
        string status = "?";
        while (Clock.Now < deadline)
        {
            try
            {
                using JsonDocument? doc = await client.CallAsync(Ops.DescribeStreamSummary, $"{{\"StreamName\":{Str(stream)}}}", ct);
                if (doc is not null
                    && doc.RootElement.TryGetProperty("StreamDescriptionSummary", out JsonElement summary)
                    && summary.TryGetProperty("StreamStatus", out JsonElement st))
                {
                    status = st.GetString() ?? "?";
                    if (status == "ACTIVE")
                    {
                        return created;
                    }
                }
                else
                {
                    status = "(no StreamDescriptionSummary.StreamStatus in answer)";
                }
            }
            catch (KinesisException e) when (e.ErrorType == "ResourceNotFoundException" && created)
            {
                status = "not found yet";
            }

            await Task.Delay(100, ct);
        }

        throw new InvalidOperationException($"stream {stream} did not become ACTIVE within 120 s (last status: {status})");
    }

    /// <summary>All shard ids of the stream (ListShards, following NextToken).</summary>
    public static async Task<List<string>> ListShardIdsAsync(KinesisClient client, string stream, bool openOnly, CancellationToken ct)
    {
        var ids = new List<string>();
        string body = $"{{\"StreamName\":{Str(stream)}{(openOnly ? ",\"ShardFilter\":{\"Type\":\"AT_LATEST\"}" : "")}}}";
        while (true)
        {
            using JsonDocument? doc = await client.CallAsync(Ops.ListShards, body, ct);
            if (doc is null || !doc.RootElement.TryGetProperty("Shards", out JsonElement shards))
            {
                throw new InvalidOperationException("ListShards answer has no Shards");
            }

            foreach (JsonElement shard in shards.EnumerateArray())
            {
                bool closed = shard.TryGetProperty("SequenceNumberRange", out JsonElement range)
                    && range.TryGetProperty("EndingSequenceNumber", out JsonElement end)
                    && end.ValueKind == JsonValueKind.String;
                if (!openOnly || !closed)
                {
                    ids.Add(shard.GetProperty("ShardId").GetString() ?? "");
                }
            }

            if (doc.RootElement.TryGetProperty("NextToken", out JsonElement token) && token.ValueKind == JsonValueKind.String)
            {
                body = $"{{\"NextToken\":{Str(token.GetString()!)}}}";
            }
            else
            {
                return ids;
            }
        }
    }

    public static async Task<string> GetShardIteratorAsync(
        KinesisClient client, string stream, string shardId, string type, string? sequenceNumber, CancellationToken ct)
    {
        string body = $"{{\"StreamName\":{Str(stream)},\"ShardId\":{Str(shardId)},\"ShardIteratorType\":{Str(type)}"
            + (sequenceNumber is null ? "}" : $",\"StartingSequenceNumber\":{Str(sequenceNumber)}}}");
        using JsonDocument? doc = await client.CallAsync(Ops.GetShardIterator, body, ct);
        if (doc is null || !doc.RootElement.TryGetProperty("ShardIterator", out JsonElement it) || it.ValueKind != JsonValueKind.String)
        {
            throw new InvalidOperationException($"GetShardIterator {shardId} {type}: answer has no ShardIterator");
        }

        return it.GetString()!;
    }

    public static async Task DeleteAsync(KinesisClient client, string stream, CancellationToken ct)
    {
        using JsonDocument? _ = await client.CallAsync(Ops.DeleteStream, $"{{\"StreamName\":{Str(stream)},\"EnforceConsumerDeletion\":true}}", ct);
    }

    /// <summary>The stream's ARN (DescribeStreamSummary).</summary>
    public static async Task<string> GetStreamArnAsync(KinesisClient client, string stream, CancellationToken ct)
    {
        using JsonDocument? doc = await client.CallAsync(Ops.DescribeStreamSummary, $"{{\"StreamName\":{Str(stream)}}}", ct);
        if (doc is not null
            && doc.RootElement.TryGetProperty("StreamDescriptionSummary", out JsonElement summary)
            && summary.TryGetProperty("StreamARN", out JsonElement arn)
            && arn.ValueKind == JsonValueKind.String)
        {
            return arn.GetString()!;
        }

        throw new InvalidOperationException("DescribeStreamSummary answer has no StreamDescriptionSummary.StreamARN");
    }

    /// <summary>
    /// Registers an enhanced fan-out consumer (or finds it registered) and waits until DescribeStreamConsumer says it is
    /// ACTIVE. Returns its ARN and whether this call registered it.
    /// </summary>
    public static async Task<(string ConsumerArn, bool Registered)> EnsureConsumerActiveAsync(
        KinesisClient client, string streamArn, string consumerName, CancellationToken ct)
    {
        string consumerArn;
        bool registered;
        try
        {
            using JsonDocument? doc = await client.CallAsync(
                Ops.RegisterStreamConsumer, $"{{\"StreamARN\":{Str(streamArn)},\"ConsumerName\":{Str(consumerName)}}}", ct);
            consumerArn = doc is not null
                && doc.RootElement.TryGetProperty("Consumer", out JsonElement consumer)
                && consumer.TryGetProperty("ConsumerARN", out JsonElement arn)
                && arn.ValueKind == JsonValueKind.String
                    ? arn.GetString()!
                    : throw new InvalidOperationException("RegisterStreamConsumer answer has no Consumer.ConsumerARN");
            registered = true;
        }
        catch (KinesisException e) when (e.ErrorType == "ResourceInUseException")
        {
            using JsonDocument? doc = await client.CallAsync(
                Ops.DescribeStreamConsumer, $"{{\"StreamARN\":{Str(streamArn)},\"ConsumerName\":{Str(consumerName)}}}", ct);
            consumerArn = ConsumerDescription(doc).GetProperty("ConsumerARN").GetString()
                ?? throw new InvalidOperationException("DescribeStreamConsumer answer has no ConsumerARN");
            registered = false;
        }

        long deadline = Clock.Now + Clock.FromSeconds(120);
        string status = "?";
        while (Clock.Now < deadline)
        {
            using JsonDocument? doc = await client.CallAsync(Ops.DescribeStreamConsumer, $"{{\"ConsumerARN\":{Str(consumerArn)}}}", ct);
            status = ConsumerDescription(doc).TryGetProperty("ConsumerStatus", out JsonElement st) ? st.GetString() ?? "?" : "(no ConsumerStatus)";
            if (status == "ACTIVE")
            {
                return (consumerArn, registered);
            }

            await Task.Delay(100, ct);
        }

        throw new InvalidOperationException($"consumer {consumerName} did not become ACTIVE within 120 s (last status: {status})");
    }

    public static async Task DeregisterConsumerAsync(KinesisClient client, string consumerArn, CancellationToken ct)
    {
        using JsonDocument? _ = await client.CallAsync(Ops.DeregisterStreamConsumer, $"{{\"ConsumerARN\":{Str(consumerArn)}}}", ct);
    }

    /// <summary>The SubscribeToShard request body.</summary>
    public static byte[] SubscribeBody(string consumerArn, string shardId, string? afterSequenceNumber)
        => Encoding.UTF8.GetBytes($"{{\"ConsumerARN\":{Str(consumerArn)},\"ShardId\":{Str(shardId)},\"StartingPosition\":"
            + (afterSequenceNumber is null
                ? "{\"Type\":\"LATEST\"}}"
                : $"{{\"Type\":\"AFTER_SEQUENCE_NUMBER\",\"SequenceNumber\":{Str(afterSequenceNumber)}}}}}"));

    private static JsonElement ConsumerDescription(JsonDocument? doc)
        => doc is not null && doc.RootElement.TryGetProperty("ConsumerDescription", out JsonElement d) && d.ValueKind == JsonValueKind.Object
            ? d
            : throw new InvalidOperationException("DescribeStreamConsumer answer has no ConsumerDescription");

    /// <summary>The GetRecords request body for an iterator.</summary>
    public static byte[] GetRecordsBody(string iterator, int limit)
        => Encoding.UTF8.GetBytes($"{{\"ShardIterator\":{Str(iterator)},\"Limit\":{limit}}}");

    /// <summary>A JSON string literal (quotes included), escaping only what JSON requires.</summary>
    public static string Str(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case < ' ': sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append('"').ToString();
    }
}
