using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

internal static class DescribeStreamSummary
{
    public static async Task HandleAsync(Call c)
    {
        var s = await c.Engine.DescribeStreamSummaryAsync(c.Stream).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteStartObject("StreamDescriptionSummary");
        w.WriteString("StreamName", s.Name);
        w.WriteString("StreamARN", s.Arn);
        w.WriteString("StreamId", s.StreamId);
        w.WriteString("StreamStatus", s.Status.ToWire());
        w.StreamModeDetails(s.Mode);
        w.WriteNumber("RetentionPeriodHours", s.RetentionPeriodHours);
        w.Timestamp("StreamCreationTimestamp", s.CreatedAt);
        w.EnhancedMonitoring(s.ShardLevelMetrics);
        w.WriteString("EncryptionType", s.EncryptionType);
        if (s.KeyId is not null) w.WriteString("KeyId", s.KeyId);
        w.WriteNumber("OpenShardCount", s.OpenShardCount);
        w.WriteNumber("ConsumerCount", s.ConsumerCount);
        if (s.WarmThroughputTargetMiBps is { } target)
        {
            w.WriteStartObject("WarmThroughput");
            w.WriteNumber("TargetMiBps", target);
            w.WriteNumber("CurrentMiBps", s.WarmThroughputCurrentMiBps ?? 0);
            w.WriteEndObject();
        }
        w.WriteNumber("MaxRecordSizeInKiB", s.MaxRecordSizeInKiB);
        if (s.LastScaling is { } scaling)
        {
            // Not in the AWS model (SDKs skip unknown members): Eddy's last automatic ON_DEMAND scaling decision.
            w.WriteStartObject("EddyOnDemandScaling");
            w.Timestamp("LastScaledAt", scaling.At);
            w.WriteNumber("FromShardCount", scaling.FromShards);
            w.WriteNumber("ToShardCount", scaling.ToShards);
            w.WriteString("Reason", scaling.Reason);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
