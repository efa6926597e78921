using System.Buffers;

namespace Eddy.Client.Http;

/// <summary>
/// A growable byte buffer an answer's body is read into, rented from <see cref="ArrayPool{T}.Shared"/> and given back
/// on <see cref="Dispose"/>. A worker that makes call after call keeps one and passes it to every call (no allocation per
/// call); <see cref="EddyHttp"/> rents one for a call that names none. One call at a time.
/// </summary>
public sealed class ResponseBuffer(int initialCapacity = 16 * 1024) : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, initialCapacity));

    /// <summary>Bytes of the last body read.</summary>
    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>Reads <paramref name="content"/> to its end, replacing what the buffer held.</summary>
    public async ValueTask ReadFromAsync(HttpContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        Length = 0;
        if (content.Headers.ContentLength is > 0 and < int.MaxValue - 64 and var declared) Ensure((int)declared);
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            while (true)
            {
                if (Length == _buffer.Length) Ensure(Length + 1);
                var n = await stream.ReadAsync(_buffer.AsMemory(Length), cancellationToken).ConfigureAwait(false);
                if (n == 0) return;
                Length += n;
            }
        }
    }

    /// <summary>Replaces the content with <paramref name="bytes"/>.</summary>
    public void Set(ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        Length = 0;
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer);
        Length = bytes.Length;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        Length = 0;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    private void Ensure(int capacity)
    {
        if (capacity <= _buffer.Length) return;
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, (int)Math.Min(Array.MaxLength, _buffer.Length * 2L)));
        _buffer.AsSpan(0, Length).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }
}
