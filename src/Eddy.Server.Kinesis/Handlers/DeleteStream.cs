namespace Eddy.Server.Kinesis.Handlers;

internal static class DeleteStream
{
    public static Task HandleAsync(Call c) => c.Engine.DeleteStreamAsync(c.Stream, c.Bool("EnforceConsumerDeletion") ?? false);
}
