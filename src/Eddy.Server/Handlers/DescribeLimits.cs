using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class DescribeLimits
{
    public static Task HandleAsync(Call c)
    {
        var l = c.Engine.DescribeLimits();
        var w = c.Json;
        w.WriteStartObject();
        w.WriteNumber("ShardLimit", l.ShardLimit);
        w.WriteNumber("OpenShardCount", l.OpenShardCount);
        w.WriteNumber("OnDemandStreamCount", l.OnDemandStreamCount);
        w.WriteNumber("OnDemandStreamCountLimit", l.OnDemandStreamCountLimit);
        w.WriteEndObject();
        return Task.CompletedTask;
    }
}
