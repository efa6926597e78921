using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Eddy.Streams;

/// <summary>
/// Opaque, tamper-evident tokens (shard iterators, NextTokens): standard base64 of
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

    /// <summary>Decodes a token of this kind into <paramref name="payload"/> (exact length); false if malformed or forged.</summary>
    public bool TryDecode(string? token, byte kind, Span<byte> payload)
    {
        Span<byte> buffer = stackalloc byte[384];
        if (!TryVerify(token, kind, buffer, out var length) || length != payload.Length) return false;
        buffer.Slice(2, length).CopyTo(payload);
        return true;
    }

    /// <summary>Decodes a token of this kind whose payload length varies; null if malformed or forged.</summary>
    public byte[]? TryDecode(string? token, byte kind)
    {
        Span<byte> buffer = stackalloc byte[384];
        return TryVerify(token, kind, buffer, out var length) ? buffer.Slice(2, length).ToArray() : null;
    }

    private bool TryVerify(string? token, byte kind, Span<byte> buffer, out int payloadLength)
    {
        payloadLength = 0;
        if (string.IsNullOrEmpty(token) || token.Length > 512) return false;
        if (!Convert.TryFromBase64String(token, buffer, out var n) || n < 2 + MacBytes) return false;
        if (buffer[0] != Version || buffer[1] != kind) return false;
        payloadLength = n - 2 - MacBytes;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, buffer[..(2 + payloadLength)], mac);
        return CryptographicOperations.FixedTimeEquals(mac[..MacBytes], buffer.Slice(2 + payloadLength, MacBytes));
    }
}

/// <summary>What a shard iterator points at: the next offset to read in one shard of one stream incarnation.</summary>
internal readonly record struct IteratorPosition(long StreamId, int ShardIndex, long Offset, long IssuedMs)
{
    public const byte Kind = 1;
    public const int Size = 28;

    public string Encode(TokenCodec codec)
    {
        Span<byte> p = stackalloc byte[Size];
        BinaryPrimitives.WriteInt64BigEndian(p, StreamId);
        BinaryPrimitives.WriteInt32BigEndian(p[8..], ShardIndex);
        BinaryPrimitives.WriteInt64BigEndian(p[12..], Offset);
        BinaryPrimitives.WriteInt64BigEndian(p[20..], IssuedMs);
        return codec.Encode(Kind, p);
    }

    public static bool TryDecode(TokenCodec codec, string? token, out IteratorPosition position)
    {
        Span<byte> p = stackalloc byte[Size];
        if (!codec.TryDecode(token, Kind, p)) { position = default; return false; }
        position = new IteratorPosition(BinaryPrimitives.ReadInt64BigEndian(p), BinaryPrimitives.ReadInt32BigEndian(p[8..]),
            BinaryPrimitives.ReadInt64BigEndian(p[12..]), BinaryPrimitives.ReadInt64BigEndian(p[20..]));
        return true;
    }
}
