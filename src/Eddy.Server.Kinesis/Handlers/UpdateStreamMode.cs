using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

internal static class UpdateStreamMode
{
    public static Task HandleAsync(Call c)
    {
        var mode = WireNames.ParseStreamMode(c.Object("StreamModeDetails") is { } m ? Call.String(m, "StreamMode") : null);
        return c.Engine.UpdateStreamModeAsync(c.Required("StreamARN"), mode, c.Int("WarmThroughputMiBps"));
    }
}
