namespace Eddy.Server.Kinesis.Handlers;

internal static class UpdateMaxRecordSize
{
    public static Task HandleAsync(Call c) => c.Engine.UpdateMaxRecordSizeAsync(c.Stream, c.Int("MaxRecordSizeInKiB")!.Value);
}
