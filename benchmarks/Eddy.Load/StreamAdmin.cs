using System.Text.Json;

namespace Eddy.Load;

/// <summary>Control-plane calls through the typed Kinesis client: create/wait/list/delete. Not on any measured path.</summary>
public static class StreamAdmin
{
    /// <summary>Creates the stream (or finds it existing) and waits until it is ACTIVE. Returns true when this call created it.</summary>
    public static async Task<bool> EnsureActiveAsync(KinesisClient client, string stream, int shards, CancellationToken ct)
    {
        bool created;
        try
        {
            await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = shards }, ct);
            created = true;
        }
        catch (EddyServiceException e) when (e.ErrorType == "ResourceInUseException")
        {
            created = false;
        }

        long deadline = Clock.Now + Clock.FromSeconds(120);
        string status = "?";
        while (Clock.Now < deadline)
        {
            try
            {
                DescribeStreamSummaryResponse summary = await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream }, ct);
                status = summary.StreamDescriptionSummary.StreamStatus;
                if (status == "ACTIVE")
                {
                    return created;
                }
            }
            catch (EddyServiceException e) when (e.ErrorType == "ResourceNotFoundException" && created)
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
        var request = new ListShardsRequest { StreamName = stream, ShardFilter = openOnly ? new ShardFilter { Type = "AT_LATEST" } : null };
        while (true)
        {
            ListShardsResponse page = await client.ListShardsAsync(request, ct);
            foreach (Shard shard in page.Shards ?? throw new InvalidOperationException("ListShards answer has no Shards"))
            {
                if (!openOnly || shard.SequenceNumberRange.EndingSequenceNumber is null)
                {
                    ids.Add(shard.ShardId);
                }
            }

            if (page.NextToken is null)
            {
                return ids;
            }

            request = new ListShardsRequest { NextToken = page.NextToken };
        }
    }

    public static async Task<string> GetShardIteratorAsync(
        KinesisClient client, string stream, string shardId, string type, string? sequenceNumber, CancellationToken ct)
    {
        GetShardIteratorResponse answer = await client.GetShardIteratorAsync(
            new GetShardIteratorRequest { StreamName = stream, ShardId = shardId, ShardIteratorType = type, StartingSequenceNumber = sequenceNumber }, ct);
        return answer.ShardIterator ?? throw new InvalidOperationException($"GetShardIterator {shardId} {type}: answer has no ShardIterator");
    }

    public static Task DeleteAsync(KinesisClient client, string stream, CancellationToken ct)
        => client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream, EnforceConsumerDeletion = true }, ct);

    /// <summary>The stream's ARN (DescribeStreamSummary).</summary>
    public static async Task<string> GetStreamArnAsync(KinesisClient client, string stream, CancellationToken ct)
        => (await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream }, ct)).StreamDescriptionSummary.StreamARN;

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
            RegisterStreamConsumerResponse answer = await client.RegisterStreamConsumerAsync(
                new RegisterStreamConsumerRequest { StreamARN = streamArn, ConsumerName = consumerName }, ct);
            consumerArn = answer.Consumer.ConsumerARN;
            registered = true;
        }
        catch (EddyServiceException e) when (e.ErrorType == "ResourceInUseException")
        {
            DescribeStreamConsumerResponse answer = await client.DescribeStreamConsumerAsync(
                new DescribeStreamConsumerRequest { StreamARN = streamArn, ConsumerName = consumerName }, ct);
            consumerArn = answer.ConsumerDescription.ConsumerARN;
            registered = false;
        }

        long deadline = Clock.Now + Clock.FromSeconds(120);
        string status = "?";
        while (Clock.Now < deadline)
        {
            DescribeStreamConsumerResponse answer = await client.DescribeStreamConsumerAsync(new DescribeStreamConsumerRequest { ConsumerARN = consumerArn }, ct);
            status = answer.ConsumerDescription.ConsumerStatus;
            if (status == "ACTIVE")
            {
                return (consumerArn, registered);
            }

            await Task.Delay(100, ct);
        }

        throw new InvalidOperationException($"consumer {consumerName} did not become ACTIVE within 120 s (last status: {status})");
    }

    public static Task DeregisterConsumerAsync(KinesisClient client, string consumerArn, CancellationToken ct)
        => client.DeregisterStreamConsumerAsync(new DeregisterStreamConsumerRequest { ConsumerARN = consumerArn }, ct);

    /// <summary>The SubscribeToShard request body.</summary>
    public static byte[] SubscribeBody(string consumerArn, string shardId, string? afterSequenceNumber)
        => JsonSerializer.SerializeToUtf8Bytes(
            new SubscribeToShardRequest
            {
                ConsumerARN = consumerArn,
                ShardId = shardId,
                StartingPosition = afterSequenceNumber is null
                    ? new StartingPosition { Type = "LATEST" }
                    : new StartingPosition { Type = "AFTER_SEQUENCE_NUMBER", SequenceNumber = afterSequenceNumber },
            },
            KinesisJsonContext.Default.SubscribeToShardRequest);

    /// <summary>The GetRecords request body for an iterator.</summary>
    public static byte[] GetRecordsBody(string iterator, int limit)
        => JsonSerializer.SerializeToUtf8Bytes(new GetRecordsRequest { ShardIterator = iterator, Limit = limit }, KinesisJsonContext.Default.GetRecordsRequest);
}
