using System.Security.Cryptography;

namespace Eddy.Protocol.Auth;

/// <summary>
/// Checks the chunk signatures of a <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c> body (S3's signed aws-chunked uploads):
/// chunk n's signature is HMAC(signing key, <c>AWS4-HMAC-SHA256-PAYLOAD\n&lt;date&gt;\n&lt;scope&gt;\n&lt;signature of
/// chunk n-1 (the request's own for the first)&gt;\n&lt;hex SHA-256 of ""&gt;\n&lt;hex SHA-256 of the chunk's data&gt;</c>), so
/// each chunk is bound to the request and to every chunk before it; the last chunk has no data.
/// </summary>
/// <remarks>Not thread-safe: one instance per body, fed its chunks in order.</remarks>
public sealed class SigV4ChunkVerifier(SigV4Seed seed)
{
    public const string ChunkAlgorithm = "AWS4-HMAC-SHA256-PAYLOAD";

    private string _previous = seed.Signature;

    /// <summary>Whether <paramref name="signature"/> (hex, as the chunk header carries it) is the signature of the next
    /// chunk, whose data hashes to <paramref name="chunkSha256"/>. A match moves the chain on; a mismatch leaves it.</summary>
    public bool Next(string signature, ReadOnlySpan<byte> chunkSha256)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var stringToSign = $"{ChunkAlgorithm}\n{seed.SignedDate}\n{seed.Scope}\n{_previous}\n{SigV4.EmptyPayloadHash}\n{Convert.ToHexStringLower(chunkSha256)}";
        var expected = SigV4.SignatureBytes(seed.SigningKey, stringToSign);
        Span<byte> given = stackalloc byte[32];
        if (signature.Length != 64 || Convert.FromHexString(signature, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32
            || !CryptographicOperations.FixedTimeEquals(given, expected))
        {
            return false;
        }

        _previous = Convert.ToHexStringLower(expected);
        return true;
    }
}
