using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

internal static class CreateStream
{
    public static Task HandleAsync(Call c)
    {
        StreamMode? mode = c.Object("StreamModeDetails") is { } m ? WireNames.ParseStreamMode(Call.String(m, "StreamMode")) : null;
        return c.Engine.CreateStreamAsync(c.Required("StreamName"), c.Int("ShardCount"), mode, c.Map("Tags"), c.Int("WarmThroughputMiBps"), c.Int("MaxRecordSizeInKiB"));
    }
}
