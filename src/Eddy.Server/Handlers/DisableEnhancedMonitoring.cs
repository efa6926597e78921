using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class DisableEnhancedMonitoring
{
    public static Task HandleAsync(Call c) => Monitoring.HandleAsync(c, enable: false);
}
