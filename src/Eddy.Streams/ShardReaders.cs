using Eddy.Core;

namespace Eddy.Streams;

/// <summary>Shard readers for Eddy's own consumers (and SubscribeToShard): <see cref="IShardReaders"/>.</summary>
internal sealed class ShardReaders(EngineContext context, DataPlane data) : IShardReaders
{
    public async ValueTask<IShardReader> OpenReaderAsync(StreamRef stream, string shardId, ShardPosition from)
    {
        var (s, shard, offset) = await context.Control.ReadAsync(() =>
        {
            var live = context.Streams.ResolveLive(stream);
            var target = context.Streams.ResolveShard(live, shardId, forIterator: true);
            return (live, target, data.StartOffset(live, target, from.Type, from.SequenceNumber, from.Timestamp, "GetShardIterator"));
        }).ConfigureAwait(false);
        return new ShardReader(context, data, s, shard, offset);
    }

    public ValueTask<StreamShards> DescribeShardsAsync(StreamRef stream) => context.Control.ReadAsync(() =>
    {
        var s = context.Streams.ResolveLive(stream);
        var shards = context.Streams.RetainedShards(s).Select(sh => new ShardLineage(sh.Id, sh.Index,
            [.. new[] { sh.Parent, sh.AdjacentParent }.OfType<int>().Select(ShardId.Format)], sh.IsOpen)).ToList();
        return new StreamShards(s.Name, s.Arn, s.Id, shards);
    });
}
