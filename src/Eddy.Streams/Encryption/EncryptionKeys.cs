using System.Collections.Concurrent;

namespace Eddy.Streams.Encryption;

/// <summary>
/// The engine's encryption keys: the <see cref="KeyStore"/> of master keys (<c>&lt;data-dir&gt;/keys</c>, or memory) and
/// the key each encrypted stream's appends are sealed with, resolved once per stream and KeyId.
/// </summary>
internal sealed class EncryptionKeys(EngineOptions options)
{
    private readonly KeyStore _keys = new(options.DataDirectory is null ? null : Path.Combine(options.DataDirectory, "keys"), options.Region, options.Account, options.Time);
    private readonly ConcurrentDictionary<long, SealingKey> _sealingKeys = new();

    /// <summary>Checks that a KeyId resolves now (KMS* errors; <c>alias/aws/kinesis</c> is created on first use).</summary>
    public void CheckResolves(string keyId) => _keys.Resolve(keyId);

    /// <summary>Carries out StartStreamEncryption (a KeyId) or StopStreamEncryption (null) on the stream's state.</summary>
    public void Apply(StreamState s, string? keyId)
    {
        if (keyId is not null)
        {
            _sealingKeys[s.Id] = new SealingKey(_keys.Resolve(keyId), s.Id, keyId);
            s.KeyId = keyId;
            s.EncryptionType = "KMS";
        }
        else
        {
            s.EncryptionType = "NONE";
            s.KeyId = null;
        }
    }

    /// <summary>The key records appended to <paramref name="s"/> are sealed with, or null while it is not encrypted.
    /// A stream encrypted before a restart resolves its KeyId again on its first append.</summary>
    public SealingKey? SealingKeyFor(StreamState s)
    {
        if (!s.IsEncrypted || s.KeyId is not { } keyId) return null;
        if (_sealingKeys.TryGetValue(s.Id, out var known) && known.KeyIdText == keyId) return known;
        return _sealingKeys[s.Id] = new SealingKey(_keys.Resolve(keyId), s.Id, keyId);
    }

    /// <summary>An opener for sealed payloads read from one shard.</summary>
    public RecordCipher.Opener Opener(long streamId, int shardIndex) => new(_keys, streamId, shardIndex);
}
