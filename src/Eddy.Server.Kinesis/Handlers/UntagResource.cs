namespace Eddy.Server.Kinesis.Handlers;

internal static class UntagResource
{
    public static Task HandleAsync(Call c) => c.Engine.UntagResourceAsync(c.Required("ResourceARN"), c.List("TagKeys")!);
}
