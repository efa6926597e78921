namespace Eddy.Server.Kinesis.Handlers;

internal static class StartStreamEncryption
{
    public static Task HandleAsync(Call c) => c.Engine.StartEncryptionAsync(c.Stream, c.Required("EncryptionType"), c.Required("KeyId"));
}
