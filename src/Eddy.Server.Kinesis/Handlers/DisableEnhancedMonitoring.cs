namespace Eddy.Server.Kinesis.Handlers;

internal static class DisableEnhancedMonitoring
{
    public static Task HandleAsync(Call c) => Monitoring.HandleAsync(c, enable: false);
}
