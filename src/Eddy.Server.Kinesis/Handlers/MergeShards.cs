namespace Eddy.Server.Kinesis.Handlers;

internal static class MergeShards
{
    public static Task HandleAsync(Call c) => c.Engine.MergeShardsAsync(c.Stream, c.Required("ShardToMerge"), c.Required("AdjacentShardToMerge"));
}
