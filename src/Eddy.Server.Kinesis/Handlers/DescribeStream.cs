using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

internal static class DescribeStream
{
    public static async Task HandleAsync(Call c)
    {
        var page = await c.Engine.DescribeStreamAsync(c.Stream, c.Int("Limit"), c.String("ExclusiveStartShardId")).ConfigureAwait(false);
        var s = page.Stream;
        var w = c.Json;
        w.WriteStartObject();
        w.WriteStartObject("StreamDescription");
        w.WriteString("StreamName", s.Name);
        w.WriteString("StreamARN", s.Arn);
        w.WriteString("StreamStatus", s.Status.ToWire());
        w.StreamModeDetails(s.Mode);
        w.Shards(page.Shards);
        w.WriteBoolean("HasMoreShards", page.HasMoreShards);
        w.WriteNumber("RetentionPeriodHours", s.RetentionPeriodHours);
        w.Timestamp("StreamCreationTimestamp", s.CreatedAt);
        w.EnhancedMonitoring(s.ShardLevelMetrics);
        w.WriteString("EncryptionType", s.EncryptionType);
        if (s.KeyId is not null) w.WriteString("KeyId", s.KeyId);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
