using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Eddy.Core;
using Eddy.Core.Objects;
using Eddy.Protocol.Auth;

namespace Eddy.Server.S3;

/// <summary>
/// Reads the payload of an <c>aws-chunked</c> body (SigV4 streaming uploads: <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c>,
/// <c>STREAMING-UNSIGNED-PAYLOAD-TRAILER</c>): <c>hex-size[;chunk-signature=...]\r\n data \r\n</c> … a zero-size chunk,
/// then optional trailer lines (<c>x-amz-checksum-crc32:...</c>) and an empty line. With a
/// <see cref="SigV4ChunkVerifier"/> every chunk's <c>chunk-signature</c> is checked once its data has been read (the
/// last, empty chunk included), so a tampered or reordered chunk fails the read before the body's end; trailer
/// signatures and trailing checksums are not verified. Not thread-safe; does not own the inner stream.
/// </summary>
/// <remarks>Failure: framing that is not aws-chunked is an <see cref="ObjectStoreException"/> <c>IncompleteBody</c>;
/// a chunk whose signature is missing or wrong, <c>SignatureDoesNotMatch</c> (403).</remarks>
internal sealed class AwsChunkedStream(Stream inner, SigV4ChunkVerifier? verifier = null) : Stream
{
    private readonly IncrementalHash? _chunkHash = verifier is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _remaining; // bytes left in the current chunk
    private string? _signature; // the current chunk's chunk-signature
    private bool _done;
    private bool _started;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_done || buffer.Length == 0)
        {
            return 0;
        }

        if (_remaining == 0)
        {
            if (_started)
            {
                await ExpectLineEndAsync(cancellationToken).ConfigureAwait(false);
            }

            _started = true;
            var header = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var semicolon = header.IndexOf(';', StringComparison.Ordinal);
            var size = semicolon < 0 ? header : header[..semicolon];
            if (!long.TryParse(size, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _remaining) || _remaining < 0)
            {
                throw Incomplete();
            }

            const string SignatureParameter = ";chunk-signature=";
            _signature = semicolon >= 0 && header[semicolon..].StartsWith(SignatureParameter, StringComparison.Ordinal) ? header[(semicolon + SignatureParameter.Length)..] : null;
            if (_remaining == 0)
            {
                CheckChunk();
                // Trailers (checksums) until an empty line or the end of the body.
                while (await ReadLineAsync(cancellationToken, allowEnd: true).ConfigureAwait(false) is { Length: > 0 })
                {
                }

                _done = true;
                return 0;
            }
        }

        var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw Incomplete();
        }

        _remaining -= read;
        _chunkHash?.AppendData(buffer.Span[..read]);
        if (_remaining == 0)
        {
            CheckChunk();
        }

        return read;
    }

    /// <summary>With a verifier: the chunk just read (its data hashed so far) must carry the next signature of the chain.</summary>
    private void CheckChunk()
    {
        if (verifier is null || _chunkHash is null)
        {
            return;
        }

        if (_signature is null || !verifier.Next(_signature, _chunkHash.GetHashAndReset()))
        {
            throw new ObjectStoreException("SignatureDoesNotMatch", S3Errors.SignatureDoesNotMatchMessage, 403);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    private async Task ExpectLineEndAsync(CancellationToken cancellationToken)
    {
        if (await ReadLineAsync(cancellationToken).ConfigureAwait(false) != "")
        {
            throw Incomplete();
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken, bool allowEnd = false)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await inner.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                return allowEnd ? "" : throw Incomplete();
            }

            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            if (line.Length > 4096)
            {
                throw Incomplete();
            }

            line.Append((char)one[0]);
        }
    }

    private static ObjectStoreException Incomplete() =>
        new("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.", 400);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _chunkHash?.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Passes a body through while hashing it; at its end compares the digest with the one the request declared
/// (<c>Content-MD5</c>, <c>x-amz-content-sha256</c>) and throws the error <paramref name="mismatch"/> makes of the two on
/// a difference, so a store reading it to its end never commits the object. Not thread-safe; does not own the inner
/// stream.</summary>
internal sealed class DigestCheckingStream(Stream inner, HashAlgorithmName algorithm, byte[] expected, Func<byte[], byte[], ServiceException> mismatch) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(algorithm);
    private bool _checked;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read > 0)
        {
            _hash.AppendData(buffer.Span[..read]);
        }
        else if (buffer.Length > 0 && !_checked)
        {
            _checked = true;
            var actual = _hash.GetHashAndReset();
            if (!actual.AsSpan().SequenceEqual(expected))
            {
                throw mismatch(expected, actual);
            }
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
