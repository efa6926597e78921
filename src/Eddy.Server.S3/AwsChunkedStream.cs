using System.Globalization;
using System.Text;
using Eddy.Core.Objects;

namespace Eddy.Server.S3;

/// <summary>
/// Reads the payload of an <c>aws-chunked</c> body (SigV4 streaming uploads: <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c>,
/// <c>STREAMING-UNSIGNED-PAYLOAD-TRAILER</c>): <c>hex-size[;chunk-signature=...]\r\n data \r\n</c> … a zero-size chunk,
/// then optional trailer lines (<c>x-amz-checksum-crc32:...</c>) and an empty line. Chunk signatures and trailing
/// checksums are not verified. Not thread-safe; does not own the inner stream.
/// </summary>
/// <remarks>Failure: framing that is not aws-chunked is an <see cref="ObjectStoreException"/> <c>IncompleteBody</c>.</remarks>
internal sealed class AwsChunkedStream(Stream inner) : Stream
{
    private long _remaining; // bytes left in the current chunk
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

            if (_remaining == 0)
            {
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
        return read;
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
}

/// <summary>Passes a body through while hashing it; at its end compares the MD5 with the request's
/// <c>Content-MD5</c> and throws <c>BadDigest</c> on a mismatch, so the store never commits the object.</summary>
internal sealed class Md5CheckingStream(Stream inner, byte[] expected) : Stream
{
    private readonly System.Security.Cryptography.IncrementalHash _md5 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);

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
            _md5.AppendData(buffer.Span[..read]);
        }
        else if (buffer.Length > 0 && !_md5.GetHashAndReset().AsSpan().SequenceEqual(expected))
        {
            throw new ObjectStoreException("BadDigest", "The Content-MD5 you specified did not match what we received.", 400);
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
            _md5.Dispose();
        }

        base.Dispose(disposing);
    }
}
