using Eddy.Core;

namespace Eddy.Server.Handlers;

internal static class AddTagsToStream
{
    public static Task HandleAsync(Call c) => c.Engine.AddTagsAsync(c.Stream, c.Map("Tags")!);
}
