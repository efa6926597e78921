using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class EnableEnhancedMonitoring
{
    public static Task HandleAsync(Call c) => Monitoring.HandleAsync(c, enable: true);
}
