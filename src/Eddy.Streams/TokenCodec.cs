using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Eddy.Streams;

/// <summary>
/// Opaque, tamper-evident page tokens (NextTokens): standard base64 of
/// <c>version(1) ‖ kind(1) ‖ payload ‖ HMAC-SHA256(key, version ‖ kind ‖ payload)[0..16]</c>. Format: docs/formats/iterators.md.
/// </summary>
internal sealed class TokenCodec(byte[] key)
{
    public const byte Version = 1;
    private const int MacBytes = 16;

    public string Encode(byte kind, ReadOnlySpan<byte> payload)
    {
        Span<byte> buffer = stackalloc byte[2 + payload.Length + MacBytes];
        buffer[0] = Version;
        buffer[1] = kind;
        payload.CopyTo(buffer[2..]);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, buffer[..(2 + payload.Length)], mac);
        mac[..MacBytes].CopyTo(buffer[(2 + payload.Length)..]);
        return Convert.ToBase64String(buffer);
    }

    /// <summary>Decodes a token of this kind; null if malformed or forged.</summary>
    public byte[]? TryDecode(string? token, byte kind)
    {
        Span<byte> buffer = stackalloc byte[384];
        if (string.IsNullOrEmpty(token) || token.Length > 512) return null;
        if (!Convert.TryFromBase64String(token, buffer, out var n) || n < 2 + MacBytes) return null;
        if (buffer[0] != Version || buffer[1] != kind) return null;
        var payloadLength = n - 2 - MacBytes;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, buffer[..(2 + payloadLength)], mac);
        return CryptographicOperations.FixedTimeEquals(mac[..MacBytes], buffer.Slice(2 + payloadLength, MacBytes))
            ? buffer.Slice(2, payloadLength).ToArray()
            : null;
    }
}

/// <summary>What a shard iterator points at: the next offset to read in one shard of one stream incarnation.</summary>
internal readonly record struct IteratorPosition(long StreamId, string StreamName, int ShardIndex, long Offset, long IssuedMs);

/// <summary>
/// Shard iterators in AWS's shape: standard base64 of <c>00 00 00 00 00 00 00 01 ‖ nonce (12) ‖ AES-256-GCM(P) ‖ tag (16)</c>,
/// 152 + 16·k bytes, where P (version 2) holds the stream id and name, shard index, offset and issue time, zero-padded
/// to 116 + 16·k bytes, and the nonce is HMAC-SHA256(mac key, P)[0..12] (synthetic: two iterators share a nonce only if
/// they are the same iterator, so no nonce is ever reused for different plaintexts). Both keys are derived (HKDF-SHA256)
/// from the data directory's token key. Format and golden bytes: docs/formats/iterators.md.
/// </summary>
internal sealed class IteratorCodec : IDisposable
{
    public const byte Version = 2;
    public const int MaxNameBytes = 128;
    private const int HeaderBytes = 8;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const int FixedBytes = 30; // version 1 ‖ stream id 8 ‖ shard 4 ‖ offset 8 ‖ issued 8 ‖ name length 1
    private const int MinPlainBytes = 116;
    private const int Overhead = HeaderBytes + NonceBytes + TagBytes;
    private const int MaxTokenBytes = 200; // a name of 128 bytes: P = 164
    private static ReadOnlySpan<byte> Header => [0, 0, 0, 0, 0, 0, 0, 1];

    // One of each per thread: neither AesGcm nor IncrementalHash may be used by two threads at once.
    private readonly ThreadLocal<AesGcm> _aes;
    private readonly ThreadLocal<IncrementalHash> _mac;

    public IteratorCodec(byte[] tokenKey)
    {
        var keys = HKDF.DeriveKey(HashAlgorithmName.SHA256, tokenKey, 64, salt: [], info: "eddy shard iterator v2"u8.ToArray());
        var encryptionKey = keys[..32];
        var macKey = keys[32..];
        _aes = new ThreadLocal<AesGcm>(() => new AesGcm(encryptionKey, TagBytes), trackAllValues: true);
        _mac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, macKey), trackAllValues: true);
    }

    /// <summary>Length of P for a stream name of <paramref name="nameBytes"/> UTF-8 bytes: 116 + 16·k, the least that holds it.</summary>
    private static int PlainBytes(int nameBytes) => FixedBytes + nameBytes <= MinPlainBytes ? MinPlainBytes : MinPlainBytes + ((FixedBytes + nameBytes - MinPlainBytes + 15) & ~15);

    public string Encode(in IteratorPosition position)
    {
        var nameBytes = Encoding.UTF8.GetByteCount(position.StreamName);
        if (nameBytes is 0 or > MaxNameBytes) throw new ArgumentException("stream names are 1 to 128 bytes", nameof(position));
        var plainBytes = PlainBytes(nameBytes);
        Span<byte> plain = stackalloc byte[plainBytes];
        plain.Clear();
        plain[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(plain[1..], position.StreamId);
        BinaryPrimitives.WriteInt32BigEndian(plain[9..], position.ShardIndex);
        BinaryPrimitives.WriteInt64BigEndian(plain[13..], position.Offset);
        BinaryPrimitives.WriteInt64BigEndian(plain[21..], position.IssuedMs);
        plain[29] = (byte)nameBytes;
        Encoding.UTF8.GetBytes(position.StreamName, plain[FixedBytes..]);

        Span<byte> token = stackalloc byte[Overhead + plainBytes];
        Header.CopyTo(token);
        var nonce = token.Slice(HeaderBytes, NonceBytes);
        var mac = _mac.Value!;
        Span<byte> digest = stackalloc byte[32];
        mac.AppendData(plain);
        mac.GetHashAndReset(digest);
        digest[..NonceBytes].CopyTo(nonce);
        _aes.Value!.Encrypt(nonce, plain, token.Slice(HeaderBytes + NonceBytes, plainBytes), token[^TagBytes..], associatedData: Header);
        return Convert.ToBase64String(token);
    }

    /// <summary>
    /// Decodes an iterator this codec issued (also one wrapped in double quotes, as AWS accepts it); false if it is
    /// malformed, forged or from another data directory.
    /// </summary>
    public bool TryDecode(string? token, out IteratorPosition position)
    {
        position = default;
        if (token is null) return false;
        var text = token.AsSpan();
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"') text = text[1..^1];
        if (text.Length > (MaxTokenBytes + 2) / 3 * 4) return false;
        Span<byte> bytes = stackalloc byte[MaxTokenBytes];
        if (!Convert.TryFromBase64Chars(text, bytes, out var n)) return false;
        var plainBytes = n - Overhead;
        if (plainBytes < MinPlainBytes || (plainBytes - MinPlainBytes) % 16 != 0 || !bytes[..HeaderBytes].SequenceEqual(Header)) return false;

        Span<byte> plain = stackalloc byte[plainBytes];
        try
        {
            _aes.Value!.Decrypt(bytes.Slice(HeaderBytes, NonceBytes), bytes.Slice(HeaderBytes + NonceBytes, plainBytes),
                bytes.Slice(HeaderBytes + NonceBytes + plainBytes, TagBytes), plain, associatedData: Header);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        var nameBytes = plain[29];
        if (plain[0] != Version || nameBytes is 0 or > MaxNameBytes || FixedBytes + nameBytes > plainBytes) return false;
        position = new IteratorPosition(BinaryPrimitives.ReadInt64BigEndian(plain[1..]), Encoding.UTF8.GetString(plain.Slice(FixedBytes, nameBytes)),
            BinaryPrimitives.ReadInt32BigEndian(plain[9..]), BinaryPrimitives.ReadInt64BigEndian(plain[13..]), BinaryPrimitives.ReadInt64BigEndian(plain[21..]));
        return true;
    }

    public void Dispose()
    {
        foreach (var aes in _aes.Values) aes.Dispose();
        foreach (var mac in _mac.Values) mac.Dispose();
        _aes.Dispose();
        _mac.Dispose();
    }
}
