namespace Eddy.Server.Kinesis.Handlers;

internal static class UpdateShardCount
{
    public static async Task HandleAsync(Call c)
    {
        var r = await c.Engine.UpdateShardCountAsync(c.Stream, c.Int("TargetShardCount")!.Value).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteString("StreamName", r.StreamName);
        w.WriteNumber("CurrentShardCount", r.Current);
        w.WriteNumber("TargetShardCount", r.Target);
        w.WriteString("StreamARN", r.StreamArn);
        w.WriteEndObject();
    }
}
