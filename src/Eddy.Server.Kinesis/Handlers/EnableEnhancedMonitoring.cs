namespace Eddy.Server.Kinesis.Handlers;

internal static class EnableEnhancedMonitoring
{
    public static Task HandleAsync(Call c) => Monitoring.HandleAsync(c, enable: true);
}
