namespace Eddy.Server.Kinesis.Handlers;

internal static class RemoveTagsFromStream
{
    public static Task HandleAsync(Call c) => c.Engine.RemoveTagsAsync(c.Stream, c.List("TagKeys")!);
}
