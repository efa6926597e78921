namespace Eddy.Server.Kinesis.Handlers;

internal static class DeleteResourcePolicy
{
    public static Task HandleAsync(Call c) => c.Engine.DeleteResourcePolicyAsync(c.Required("ResourceARN"));
}
