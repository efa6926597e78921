namespace Eddy.Server.Kinesis.Handlers;

internal static class SplitShard
{
    public static Task HandleAsync(Call c) => c.Engine.SplitShardAsync(c.Stream, c.Required("ShardToSplit"), c.Required("NewStartingHashKey"));
}
