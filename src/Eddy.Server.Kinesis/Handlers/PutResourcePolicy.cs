namespace Eddy.Server.Kinesis.Handlers;

internal static class PutResourcePolicy
{
    public static Task HandleAsync(Call c) => c.Engine.PutResourcePolicyAsync(c.Required("ResourceARN"), c.Required("Policy"));
}
