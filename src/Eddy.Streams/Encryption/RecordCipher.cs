using System.Buffers.Binary;
using System.Security.Cryptography;
using Eddy.Core;

namespace Eddy.Streams.Encryption;

/// <summary>
/// AES-256-GCM for record payloads (docs/formats/record-payload.md, version 2). Every append group gets a fresh data
/// key, HKDF-SHA256(master key, random 16-byte salt, "eddy/record/v2"); a record's nonce is its index in the group, so
/// nonces never repeat under one key. The authenticated data binds the ciphertext to its stream id, shard index and
/// sealed header (version, flags, key handle, salt, index): a payload copied elsewhere fails to open.
/// </summary>
public static class RecordCipher
{
    public const int HandleOffset = 2;
    public const int SaltOffset = 6;
    public const int SaltBytes = 16;
    public const int IndexOffset = 22;
    /// <summary>Bytes before the ciphertext.</summary>
    public const int HeaderBytes = 26;
    public const int TagBytes = 16;
    public const int NonceBytes = 12;
    public const int KeyBytes = 32;
    /// <summary>Bytes a sealed payload adds to its plaintext.</summary>
    public const int Overhead = HeaderBytes + TagBytes;
    private const int AadBytes = 12 + HeaderBytes;

    private static ReadOnlySpan<byte> Info => "eddy/record/v2"u8;

    internal static AesGcm DataKey(ReadOnlySpan<byte> master, ReadOnlySpan<byte> salt)
    {
        Span<byte> key = stackalloc byte[KeyBytes];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, master, key, salt, Info);
        try { return new AesGcm(key, TagBytes); }
        finally { CryptographicOperations.ZeroMemory(key); }
    }

    internal static void Aad(Span<byte> aad, long streamId, int shardIndex, ReadOnlySpan<byte> header)
    {
        BinaryPrimitives.WriteInt64LittleEndian(aad, streamId);
        BinaryPrimitives.WriteInt32LittleEndian(aad[8..], shardIndex);
        header[..HeaderBytes].CopyTo(aad[12..]);
    }

    internal static void Nonce(Span<byte> nonce, uint index)
    {
        nonce.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(nonce, index);
    }

    /// <summary>Seals the records of one append group (one data key). Not thread-safe; dispose after the group.</summary>
    public sealed class Sealer : IDisposable
    {
        private readonly AesGcm _aes;
        private readonly uint _handle;
        private readonly long _streamId;
        private readonly int _shardIndex;
        private readonly byte[] _salt = new byte[SaltBytes];

        public Sealer(MasterKey key, long streamId, int shardIndex)
        {
            _handle = key.Handle;
            _streamId = streamId;
            _shardIndex = shardIndex;
            RandomNumberGenerator.Fill(_salt);
            _aes = DataKey(key.Material, _salt);
        }

        /// <summary>
        /// Writes the sealed header into <paramref name="payload"/>[0..HeaderBytes] (version and flags included) and
        /// encrypts, in place, the plaintext the caller already put at [HeaderBytes..^TagBytes].
        /// </summary>
        public void Seal(Span<byte> payload, byte version, byte flags, uint index)
        {
            payload[0] = version;
            payload[1] = flags;
            BinaryPrimitives.WriteUInt32LittleEndian(payload[HandleOffset..], _handle);
            _salt.CopyTo(payload[SaltOffset..]);
            BinaryPrimitives.WriteUInt32LittleEndian(payload[IndexOffset..], index);
            Span<byte> nonce = stackalloc byte[NonceBytes];
            Nonce(nonce, index);
            Span<byte> aad = stackalloc byte[AadBytes];
            Aad(aad, _streamId, _shardIndex, payload);
            var text = payload[HeaderBytes..^TagBytes];
            _aes.Encrypt(nonce, text, text, payload[^TagBytes..], aad);
        }

        public void Dispose() => _aes.Dispose();
    }

    /// <summary>Opens sealed payloads read from one shard, caching the data key of the last group seen. Not thread-safe.</summary>
    public sealed class Opener(KeyStore keys, long streamId, int shardIndex) : IDisposable
    {
        private readonly byte[] _salt = new byte[SaltBytes];
        private uint _handle;
        private AesGcm? _aes;

        /// <summary>Decrypts <paramref name="payload"/>'s ciphertext into <paramref name="plaintext"/> (length payload − Overhead).</summary>
        /// <exception cref="KinesisException">KMSAccessDeniedException when the key is gone; InternalFailure when the payload fails authentication.</exception>
        public void Open(ReadOnlySpan<byte> payload, Span<byte> plaintext)
        {
            var handle = BinaryPrimitives.ReadUInt32LittleEndian(payload[HandleOffset..]);
            var salt = payload.Slice(SaltOffset, SaltBytes);
            if (_aes is null || handle != _handle || !salt.SequenceEqual(_salt))
            {
                var key = keys.ByHandle(handle) ?? throw new KinesisException(ErrorCode.KMSAccessDeniedException,
                    $"The ciphertext refers to a customer master key (handle {handle}) that does not exist in the key store.");
                _aes?.Dispose();
                _aes = DataKey(key.Material, salt);
                _handle = handle;
                salt.CopyTo(_salt);
            }
            Span<byte> nonce = stackalloc byte[NonceBytes];
            Nonce(nonce, BinaryPrimitives.ReadUInt32LittleEndian(payload[IndexOffset..]));
            Span<byte> aad = stackalloc byte[AadBytes];
            Aad(aad, streamId, shardIndex, payload);
            try
            {
                _aes.Decrypt(nonce, payload[HeaderBytes..^TagBytes], payload[^TagBytes..], plaintext, aad);
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new KinesisException(ErrorCode.InternalFailure, "A stored record failed authentication (tampered or written under another key store).");
            }
        }

        public void Dispose() => _aes?.Dispose();
    }
}
