using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Eddy.Storage;

/// <summary>
/// One segment file of a <see cref="FileShardLog"/> and its in-memory sparse index.
/// </summary>
/// <remarks>
/// The writer is the only mutator. Published state (<see cref="VisibleLength"/>, <see cref="EndOffset"/>,
/// <see cref="LastTimestampMs"/>, the index entries) changes under the owning log's metadata lock; readers take that lock
/// to look up the index and to read a consistent (length, end offset, timestamp) triple. A sealed segment never changes.
/// </remarks>
internal sealed class Segment
{
    private readonly List<IndexEntry> _entries;

    public Segment(string directory, long baseOffset, SafeFileHandle handle, List<IndexEntry> entries)
    {
        BaseOffset = baseOffset;
        Handle = handle;
        LogPath = Path.Combine(directory, SegmentFormat.SegmentFileName(baseOffset));
        IndexPath = Path.Combine(directory, SegmentFormat.IndexFileName(baseOffset));
        _entries = entries;
        EndOffset = baseOffset;
        VisibleLength = SegmentFormat.HeaderSize;
    }

    public long BaseOffset { get; }

    public SafeFileHandle Handle { get; }

    public string LogPath { get; }

    public string IndexPath { get; }

    /// <summary>Bytes of the file that hold complete, published frames (header included).</summary>
    public long VisibleLength { get; set; }

    /// <summary>One past the offset of the last published record (== <see cref="BaseOffset"/> when empty).</summary>
    public long EndOffset { get; set; }

    /// <summary>Timestamp of the first record (0 when empty).</summary>
    public long FirstTimestampMs { get; set; }

    /// <summary>Timestamp of the last published record (0 when empty).</summary>
    public long LastTimestampMs { get; set; }

    public bool IsEmpty => EndOffset == BaseOffset;

    /// <summary>Writer-private: file position of the newest index entry's frame, or -1 when the segment has none.</summary>
    public long LastIndexedPosition { get; set; } = -1;

    /// <summary>Writer-private: bytes written to the file (may run ahead of <see cref="VisibleLength"/> only inside a commit).</summary>
    public long WrittenLength { get; set; } = SegmentFormat.HeaderSize;

    public int EntryCount => _entries.Count;

    /// <summary>Caller holds the log's metadata lock (or owns the segment exclusively).</summary>
    public void AddEntry(IndexEntry entry) => _entries.Add(entry);

    /// <summary>The last entry whose offset is &lt;= <paramref name="offset"/> (the first entry when none). Segment must not be empty.</summary>
    public IndexEntry FindByOffset(long offset)
    {
        ReadOnlySpan<IndexEntry> entries = CollectionsMarshal.AsSpan(_entries);
        long rel = offset - BaseOffset;
        int lo = 0, hi = entries.Length - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (entries[mid].RelOffset <= rel)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return entries[found];
    }

    /// <summary>
    /// Index of the last entry whose timestamp is &lt; <paramref name="timestampMs"/>, or -1 when the first entry's is
    /// already &gt;= it.
    /// </summary>
    public int FindLastBefore(long timestampMs, out IndexEntry before, out IndexEntry? next)
    {
        ReadOnlySpan<IndexEntry> entries = CollectionsMarshal.AsSpan(_entries);
        int lo = 0, hi = entries.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (entries[mid].TimestampMs < timestampMs)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        before = found >= 0 ? entries[found] : default;
        next = found + 1 < entries.Length ? entries[found + 1] : null;
        return found;
    }

    public void TrimExcess() => _entries.TrimExcess();

    /// <summary>Serializes the index of this (sealed) segment; see <see cref="SegmentFormat"/> for the layout.</summary>
    public byte[] EncodeIndex()
    {
        ReadOnlySpan<IndexEntry> entries = CollectionsMarshal.AsSpan(_entries);
        var bytes = new byte[SegmentFormat.IndexHeaderSize + (entries.Length * SegmentFormat.IndexEntrySize) + 4];
        Span<byte> span = bytes;
        SegmentFormat.IndexMagic.CopyTo(span);
        span[7] = SegmentFormat.Version;
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], BaseOffset);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], VisibleLength);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], EndOffset);
        BinaryPrimitives.WriteInt64LittleEndian(span[32..], FirstTimestampMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[40..], LastTimestampMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[48..], entries.Length);
        int p = SegmentFormat.IndexHeaderSize;
        foreach (IndexEntry e in entries)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[p..], e.RelOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(p + 4)..], e.Position);
            BinaryPrimitives.WriteInt64LittleEndian(span[(p + 8)..], e.TimestampMs);
            p += SegmentFormat.IndexEntrySize;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[p..], Crc32C.Compute(span[..p]));
        return bytes;
    }

    /// <summary>
    /// Loads a sealed segment's state from its .idx bytes. False (segment untouched) when the bytes are not a valid index
    /// for this segment and a file of <paramref name="fileLength"/> bytes.
    /// </summary>
    public bool TryLoadIndex(ReadOnlySpan<byte> bytes, long fileLength)
    {
        if (bytes.Length < SegmentFormat.IndexHeaderSize + 4
            || !bytes[..7].SequenceEqual(SegmentFormat.IndexMagic)
            || bytes[7] != SegmentFormat.Version)
        {
            return false;
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes[48..]);
        if (count < 1 || bytes.Length != SegmentFormat.IndexHeaderSize + ((long)count * SegmentFormat.IndexEntrySize) + 4)
        {
            return false;
        }

        int crcAt = bytes.Length - 4;
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[crcAt..]) != Crc32C.Compute(bytes[..crcAt]))
        {
            return false;
        }

        long baseOffset = BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]);
        long segmentLength = BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]);
        long endOffset = BinaryPrimitives.ReadInt64LittleEndian(bytes[24..]);
        if (baseOffset != BaseOffset || segmentLength != fileLength || endOffset <= baseOffset)
        {
            return false;
        }

        var entries = new IndexEntry[count];
        int p = SegmentFormat.IndexHeaderSize;
        for (int i = 0; i < count; i++, p += SegmentFormat.IndexEntrySize)
        {
            entries[i] = new IndexEntry(
                BinaryPrimitives.ReadUInt32LittleEndian(bytes[p..]),
                BinaryPrimitives.ReadUInt32LittleEndian(bytes[(p + 4)..]),
                BinaryPrimitives.ReadInt64LittleEndian(bytes[(p + 8)..]));
        }

        if (entries[0].RelOffset != 0 || entries[0].Position != SegmentFormat.HeaderSize)
        {
            return false;
        }

        _entries.Clear();
        _entries.AddRange(entries);
        VisibleLength = segmentLength;
        WrittenLength = segmentLength;
        EndOffset = endOffset;
        FirstTimestampMs = BinaryPrimitives.ReadInt64LittleEndian(bytes[32..]);
        LastTimestampMs = BinaryPrimitives.ReadInt64LittleEndian(bytes[40..]);
        LastIndexedPosition = entries[^1].Position;
        return true;
    }
}
