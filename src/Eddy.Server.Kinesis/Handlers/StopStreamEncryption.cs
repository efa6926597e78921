namespace Eddy.Server.Kinesis.Handlers;

internal static class StopStreamEncryption
{
    public static Task HandleAsync(Call c) => c.Engine.StopEncryptionAsync(c.Stream, c.Required("EncryptionType"), c.Required("KeyId"));
}
