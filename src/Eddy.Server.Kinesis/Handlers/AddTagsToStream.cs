namespace Eddy.Server.Kinesis.Handlers;

internal static class AddTagsToStream
{
    public static Task HandleAsync(Call c) => c.Engine.AddTagsAsync(c.Stream, c.Map("Tags")!);
}
