using Eddy.Core;

namespace Eddy.Streams;

/// <summary>
/// Registered (enhanced fan-out) consumers: register, describe, list, deregister (kept in the stream's catalog row), and
/// their SubscribeToShard sessions (<see cref="Subscriptions"/>).
/// </summary>
internal sealed class Consumers(EngineContext context, StreamTags tags, ResourcePolicies policies, Subscriptions subscriptions) : IStreamConsumers
{
    private const int MaxCreatingConsumers = 5;

    private string Account => context.Account;
    private StreamTable Streams => context.Streams;

    private (StreamState Stream, ConsumerState Consumer) ResolveConsumer(string? streamArn, string? consumerName, string? consumerArn)
    {
        if (consumerArn is not null)
        {
            var (s, c) = Streams.ResolveConsumerArn(consumerArn);
            if (c is null || streamArn is not null && streamArn != s.Arn || consumerName is not null && consumerName != c.Name)
                throw StreamTable.ConsumerNotFound(consumerArn);
            return (s, c);
        }
        if (streamArn is null || consumerName is null)
            throw KinesisException.Invalid("Either ConsumerARN or both StreamARN and ConsumerName must be provided.");
        var stream = Streams.Resolve(new StreamRef(null, streamArn));
        var consumer = stream.Consumers.FirstOrDefault(c => c.Name == consumerName)
            ?? throw StreamTable.ConsumerNotFound($"{consumerName} under stream {stream.Name} under account {Account}");
        return (stream, consumer);
    }

    private static ConsumerView ConsumerView(StreamState s, ConsumerState c) =>
        new(c.Name, c.Arn(s.Arn), c.Status, DateTimeOffset.FromUnixTimeMilliseconds(c.CreatedMs / 1000 * 1000), s.Arn);

    public Task<ConsumerView> RegisterConsumerAsync(string streamArn, string consumerName, IReadOnlyDictionary<string, string>? tagSet) =>
        context.Control.WriteAsync(async () =>
        {
            var s = Streams.ResolveTaggable(new StreamRef(null, streamArn));
            if (s.Consumers.Any(c => c.Name == consumerName))
                throw new KinesisException(ErrorCode.ResourceInUseException, $"Consumer {consumerName} under stream {s.Name} under account {Account} already exists.");
            if (s.Consumers.Count >= context.Options.ConsumersPerStream)
            {
                throw new KinesisException(ErrorCode.LimitExceededException,
                    $"Stream {s.Name} under account {Account} has reached the limit of {context.Options.ConsumersPerStream} registered consumers.");
            }

            if (s.Consumers.Count(c => c.Status == ConsumerStatus.Creating) >= MaxCreatingConsumers)
            {
                throw new KinesisException(ErrorCode.LimitExceededException,
                    $"Stream {s.Name} under account {Account} already has {MaxCreatingConsumers} consumers in CREATING state.");
            }
            // ARNs carry the creation second: keep re-registrations of a name distinct.
            var consumer = new ConsumerState(consumerName, context.NowMs, ConsumerStatus.Creating);
            if (tagSet is { Count: > 0 }) tags.CheckTags(consumerName, tagSet, 0);
            s.Consumers.Add(consumer);
            try
            {
                await context.SaveAsync(s).ConfigureAwait(false);
            }
            catch
            {
                s.Consumers.Remove(consumer);
                throw;
            }
            if (tagSet is { Count: > 0 }) await tags.SaveTagsAsync(consumer.Arn(s.Arn), tagSet, replace: true).ConfigureAwait(false);
            var view = ConsumerView(s, consumer); // CREATING, as AWS answers, even when the transition is immediate
            await context.Control.LaterAsync(async () =>
            {
                if (consumer.Status != ConsumerStatus.Creating) return;
                consumer.Status = ConsumerStatus.Active;
                await context.SaveAsync(s).ConfigureAwait(false);
            }).ConfigureAwait(false);
            return view;
        });

    public ValueTask<ConsumerView> DescribeConsumerAsync(string? streamArn, string? consumerName, string? consumerArn) => context.Control.ReadAsync(() =>
    {
        var (s, c) = ResolveConsumer(streamArn, consumerName, consumerArn);
        return ConsumerView(s, c);
    });

    public ValueTask<ListConsumersResult> ListConsumersAsync(string streamArn, string? nextToken, int? maxResults, DateTimeOffset? streamCreationTimestamp) => context.Control.ReadAsync(() =>
    {
        var s = Streams.Resolve(new StreamRef(null, streamArn));
        if (streamCreationTimestamp is { } created && created.ToUnixTimeMilliseconds() / 1000 != s.CreatedMs / 1000)
            throw KinesisException.StreamNotFound(s.Name, Account);
        if (s.Status is not (StreamStatus.Active or StreamStatus.Updating)) throw KinesisException.NotActive(s.Name, Account, s.Status);
        var after = nextToken is null ? null : context.Pages.Decode(nextToken, s.Id).After;
        var all = s.Consumers.Where(c => after is null || string.CompareOrdinal(c.Name, after) > 0).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var take = Math.Min(maxResults ?? 100, 100);
        var page = all.Take(take).Select(c => ConsumerView(s, c)).ToList();
        return new ListConsumersResult(page, all.Count > take ? context.Pages.Encode(s.Id, page[^1].Name) : null);
    });

    public Task DeregisterConsumerAsync(string? streamArn, string? consumerName, string? consumerArn) =>
        context.Control.WriteAsync(async () =>
        {
            var (s, c) = ResolveConsumer(streamArn, consumerName, consumerArn);
            if (c.Status == ConsumerStatus.Deleting) return;
            c.Status = ConsumerStatus.Deleting;
            await context.SaveAsync(s).ConfigureAwait(false);
            var arn = c.Arn(s.Arn);
            subscriptions.EndWhere(sub => sub.Key.ConsumerArn == arn, StreamTable.ConsumerNotFound(arn));
            await context.Control.LaterAsync(async () =>
            {
                s.Consumers.Remove(c);
                tags.Forget(arn);
                policies.Forget(arn);
                await context.SaveAsync(s).ConfigureAwait(false);
                await context.Catalog.SaveTagsAsync(arn, new Dictionary<string, string>()).ConfigureAwait(false);
                await context.Catalog.SavePolicyAsync(arn, null).ConfigureAwait(false);
            }).ConfigureAwait(false);
        });

    public Task<IShardSubscription> SubscribeToShardAsync(string consumerArn, string shardId, ShardIteratorType type, string? startingSequenceNumber, DateTimeOffset? timestamp) =>
        subscriptions.SubscribeToShardAsync(consumerArn, shardId, type, startingSequenceNumber, timestamp);
}
