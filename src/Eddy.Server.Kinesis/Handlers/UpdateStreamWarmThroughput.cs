namespace Eddy.Server.Kinesis.Handlers;

internal static class UpdateStreamWarmThroughput
{
    public static async Task HandleAsync(Call c)
    {
        var r = await c.Engine.UpdateWarmThroughputAsync(c.Stream, c.Int("WarmThroughputMiBps")!.Value).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteString("StreamARN", r.StreamArn);
        w.WriteString("StreamName", r.StreamName);
        w.WriteStartObject("WarmThroughput");
        if (r.TargetMiBps is { } target) w.WriteNumber("TargetMiBps", target);
        if (r.CurrentMiBps is { } current) w.WriteNumber("CurrentMiBps", current);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
