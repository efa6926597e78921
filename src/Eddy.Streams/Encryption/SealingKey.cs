namespace Eddy.Streams.Encryption;

/// <summary>What an append to an encrypted stream seals with: the master key the stream's KeyId resolved to
/// (<paramref name="KeyIdText"/>, as the stream reports it) and the stream id the authenticated data binds to.</summary>
internal sealed record SealingKey(MasterKey Key, long StreamId, string KeyIdText);
