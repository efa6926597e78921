using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

internal static class ListShards
{
    public static async Task HandleAsync(Call c)
    {
        var filter = c.Object("ShardFilter");
        var type = filter is { } f && Call.String(f, "Type") is { } t ? WireNames.ParseShardFilterType(t) : (ShardFilterType?)null;
        var r = await c.Engine.ListShardsAsync(c.Stream, c.String("NextToken"), c.String("ExclusiveStartShardId"), c.Int("MaxResults"), c.Time("StreamCreationTimestamp"),
            type, filter is { } f2 ? Call.String(f2, "ShardId") : null, filter is { } f3 ? Call.Time(f3, "Timestamp") : null).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.Shards(r.Shards);
        if (r.NextToken is not null) w.WriteString("NextToken", r.NextToken);
        w.WriteEndObject();
    }
}
