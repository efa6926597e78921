namespace Eddy.Server.Kinesis.Handlers;

internal static class DecreaseStreamRetentionPeriod
{
    public static Task HandleAsync(Call c) => c.Engine.ChangeRetentionAsync(c.Stream, c.Int("RetentionPeriodHours")!.Value, increase: false);
}
