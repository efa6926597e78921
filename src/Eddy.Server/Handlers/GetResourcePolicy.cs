using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class GetResourcePolicy
{
    public static Task HandleAsync(Call c)
    {
        var policy = c.Engine.GetResourcePolicy(c.Required("ResourceARN"));
        var w = c.Json;
        w.WriteStartObject();
        w.WriteString("Policy", policy);
        w.WriteEndObject();
        return Task.CompletedTask;
    }
}
