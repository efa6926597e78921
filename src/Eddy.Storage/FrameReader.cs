using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Eddy.Storage;

/// <summary>
/// Decodes frames sequentially from a segment file with positional reads into a pooled buffer. Not thread-safe; one
/// instance per scan. In <see cref="Retain"/> mode the bytes of every frame from a given point on stay in the buffer (it
/// grows instead of discarding), so the caller can copy out several payloads at the end.
/// </summary>
internal sealed class FrameReader : IDisposable
{
    private SafeFileHandle _handle = null!;
    private byte[] _buffer;
    private long _bufferFilePosition; // file position of _buffer[0]
    private int _cursor;              // index of the next frame in _buffer
    private int _length;              // valid bytes in _buffer
    private long _limit;              // file position the scan must not pass
    private int _retainFrom = -1;     // buffer index from which nothing may be discarded, -1 when not retaining

    private readonly ArrayPool<byte> _pool;

    // Bytes a read fills the buffer to (more only when a frame needs it). The pool rounds a rent up to a power of two:
    // a 10.3 MB GetRecords read gets a 16 MiB array, and filling it whole read (and made resident) 60 % more than asked.
    private readonly int _readAhead;

    public FrameReader(int initialBufferSize, ArrayPool<byte>? pool = null)
    {
        _pool = pool ?? ArrayPool<byte>.Shared;
        _readAhead = Math.Max(initialBufferSize, SegmentFormat.FrameOverhead);
        _buffer = _pool.Rent(_readAhead);
    }

    /// <summary>
    /// Hands the buffer (with every retained frame at its index) to the caller, who returns it to the reader's pool
    /// when done; the reader continues with a fresh buffer and must be <see cref="Reset"/> before the next scan.
    /// </summary>
    public byte[] DetachBuffer()
    {
        byte[] detached = _buffer;
        _buffer = _pool.Rent(SegmentFormat.FrameOverhead);
        _length = 0;
        _cursor = 0;
        _retainFrom = -1;
        return detached;
    }

    /// <summary>The buffer holding the current frame (valid until the next call to <see cref="Next"/> unless retaining).</summary>
    public byte[] Buffer => _buffer;

    /// <summary>Offset field of the current frame.</summary>
    public long Offset { get; private set; }

    /// <summary>Timestamp field of the current frame.</summary>
    public long TimestampMs { get; private set; }

    /// <summary>File position of the current frame.</summary>
    public long FramePosition { get; private set; }

    /// <summary>Index in <see cref="Buffer"/> of the current frame's payload.</summary>
    public int PayloadIndex { get; private set; }

    public int PayloadLength { get; private set; }

    /// <summary>File position just after the last decoded frame (where the next frame starts).</summary>
    public long Position => _bufferFilePosition + _cursor;

    public ReadOnlySpan<byte> Payload => _buffer.AsSpan(PayloadIndex, PayloadLength);

    /// <summary>Starts a scan of <paramref name="handle"/> at <paramref name="position"/>, stopping at <paramref name="limit"/>.</summary>
    public void Reset(SafeFileHandle handle, long position, long limit)
    {
        _handle = handle;
        _bufferFilePosition = position;
        _cursor = 0;
        _length = 0;
        _limit = limit;
        _retainFrom = -1;
    }

    /// <summary>Goes on in another file (the next segment) at <paramref name="position"/>, stopping at
    /// <paramref name="limit"/>: the buffer and every retained frame stay where they are, new bytes go after them.</summary>
    public void Continue(SafeFileHandle handle, long position, long limit)
    {
        _handle = handle;
        _bufferFilePosition = position - _length; // buffer index _length is file position `position`
        _cursor = _length;
        _limit = limit;
    }

    /// <summary>Keeps the current frame and everything after it in the buffer at stable indices until the next <see cref="Reset"/>.</summary>
    public void Retain()
    {
        if (_retainFrom < 0)
        {
            _retainFrom = PayloadIndex - SegmentFormat.FrameOverhead;
        }
    }

    public FrameStatus Next()
    {
        long position = _bufferFilePosition + _cursor;
        long remaining = _limit - position;
        if (remaining <= 0)
        {
            return FrameStatus.End;
        }

        if (remaining < SegmentFormat.FrameOverhead || !Ensure(SegmentFormat.FrameOverhead))
        {
            return FrameStatus.Truncated;
        }

        uint bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_cursor));
        if (bodyLength < SegmentFormat.FrameBodyFixed || bodyLength > SegmentFormat.FrameBodyFixed + SegmentFormat.MaxPayloadBytes)
        {
            return FrameStatus.BadLength;
        }

        int frameSize = 8 + (int)bodyLength;
        if (frameSize > remaining || !Ensure(frameSize))
        {
            return FrameStatus.Truncated;
        }

        ReadOnlySpan<byte> frame = _buffer.AsSpan(_cursor, frameSize);
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]);
        if (Crc32C.Compute(frame[8..]) != storedCrc)
        {
            return FrameStatus.BadCrc;
        }

        if (frame[8] != SegmentFormat.Version)
        {
            return FrameStatus.BadVersion;
        }

        Offset = BinaryPrimitives.ReadInt64LittleEndian(frame[9..]);
        TimestampMs = BinaryPrimitives.ReadInt64LittleEndian(frame[17..]);
        FramePosition = position;
        PayloadIndex = _cursor + SegmentFormat.FrameOverhead;
        PayloadLength = (int)bodyLength - SegmentFormat.FrameBodyFixed;
        _cursor += frameSize;
        return FrameStatus.Ok;
    }

    /// <summary>Makes at least <paramref name="count"/> bytes available at the cursor. False when the file ends first.</summary>
    private bool Ensure(int count)
    {
        if (_length - _cursor >= count)
        {
            return true;
        }

        if (_retainFrom < 0 && _cursor > 0)
        {
            // Discard consumed bytes.
            int live = _length - _cursor;
            Array.Copy(_buffer, _cursor, _buffer, 0, live);
            _bufferFilePosition += _cursor;
            _length = live;
            _cursor = 0;
        }

        int needed = _cursor + count;
        if (needed > _buffer.Length)
        {
            byte[] bigger = _pool.Rent(Math.Max(needed, (int)Math.Min(Array.MaxLength, 2L * _buffer.Length)));
            Array.Copy(_buffer, bigger, _length);
            _pool.Return(_buffer);
            _buffer = bigger;
        }

        while (_length - _cursor < count)
        {
            long filePosition = _bufferFilePosition + _length;
            int toRead = (int)Math.Min(Math.Min(_buffer.Length, Math.Max(_readAhead, needed)) - _length, _limit - filePosition);
            if (toRead <= 0)
            {
                return false;
            }

            int read = RandomAccess.Read(_handle, _buffer.AsSpan(_length, toRead), filePosition);
            if (read <= 0)
            {
                return false;
            }

            _length += read;
        }

        return true;
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            _pool.Return(buffer);
        }
    }
}
