namespace Eddy.Server.Kinesis.Handlers;

internal static class GetResourcePolicy
{
    public static async Task HandleAsync(Call c)
    {
        var policy = await c.Engine.GetResourcePolicyAsync(c.Required("ResourceARN")).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteString("Policy", policy);
        w.WriteEndObject();
    }
}
