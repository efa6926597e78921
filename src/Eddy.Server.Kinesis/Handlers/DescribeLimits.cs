namespace Eddy.Server.Kinesis.Handlers;

internal static class DescribeLimits
{
    public static async Task HandleAsync(Call c)
    {
        var l = await c.Engine.DescribeLimitsAsync().ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteNumber("ShardLimit", l.ShardLimit);
        w.WriteNumber("OpenShardCount", l.OpenShardCount);
        w.WriteNumber("OnDemandStreamCount", l.OnDemandStreamCount);
        w.WriteNumber("OnDemandStreamCountLimit", l.OnDemandStreamCountLimit);
        w.WriteEndObject();
    }
}
