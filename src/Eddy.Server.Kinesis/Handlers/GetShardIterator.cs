using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

internal static class GetShardIterator
{
    public static Task HandleAsync(Call c)
    {
        var iterator = c.Engine.GetShardIterator(c.Stream, c.Required("ShardId"), WireNames.ParseIteratorType(c.Required("ShardIteratorType")),
            c.String("StartingSequenceNumber"), c.Time("Timestamp"));
        var w = c.Json;
        w.WriteStartObject();
        w.WriteString("ShardIterator", iterator);
        w.WriteEndObject();
        return Task.CompletedTask;
    }
}
