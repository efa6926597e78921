namespace Eddy.Server.Kinesis.Handlers;

internal static class Monitoring
{
    /// <summary>Enable/DisableEnhancedMonitoring share their input and output shapes.</summary>
    public static async Task HandleAsync(Call c, bool enable)
    {
        var r = await c.Engine.SetEnhancedMonitoringAsync(c.Stream, c.List("ShardLevelMetrics")!, enable).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteString("StreamName", r.StreamName);
        w.StringList("CurrentShardLevelMetrics", r.Current);
        w.StringList("DesiredShardLevelMetrics", r.Desired);
        w.WriteString("StreamARN", r.StreamArn);
        w.WriteEndObject();
    }
}
