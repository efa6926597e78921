namespace Eddy.Server.Kinesis.Handlers;

internal static class TagResource
{
    public static Task HandleAsync(Call c) => c.Engine.TagResourceAsync(c.Required("ResourceARN"), c.Map("Tags")!);
}
