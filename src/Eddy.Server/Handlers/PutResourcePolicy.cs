using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class PutResourcePolicy
{
    public static Task HandleAsync(Call c) => c.Engine.PutResourcePolicyAsync(c.Required("ResourceARN"), c.Required("Policy"));
}
