using Microsoft.Extensions.Time.Testing;

namespace Eddy.Storage.Tests;

/// <summary>Opening a log after a crash: torn tails, corrupt frames and headers, missing or bad index files.</summary>
public sealed class RecoveryTests : IDisposable
{
    private const long StartMs = 1_700_000_000_000;
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = TestClock.At(StartMs);

    public void Dispose() => _dir.Dispose();

    private string LogDir => Path.Combine(_dir.Path, "s");

    private FileLogStore NewStore(long segmentBytes = 64L * 1024 * 1024, int indexInterval = 4096)
        => new(new LogStoreOptions { Directory = _dir.Path, SegmentBytes = segmentBytes, IndexIntervalBytes = indexInterval, Time = _time });

    private string SegmentPath(long baseOffset) => Path.Combine(LogDir, SegmentFormat.SegmentFileName(baseOffset));

    private string IndexPath(long baseOffset) => Path.Combine(LogDir, SegmentFormat.IndexFileName(baseOffset));

    private long[] SegmentBases() => [.. Directory.GetFiles(LogDir, "*.log")
        .Select(p => long.Parse(Path.GetFileNameWithoutExtension(p), System.Globalization.CultureInfo.InvariantCulture))
        .Order()];

    /// <summary>
    /// Writes <paramref name="records"/> single-record appends of 100 bytes (125-byte frames), each byte = offset. Unless
    /// <paramref name="cleanShutdown"/>, leaves the files as a crash would: without the active segment's index, which
    /// only a clean shutdown writes.
    /// </summary>
    private async Task WriteAsync(int records, long segmentBytes = 64L * 1024 * 1024, int indexInterval = 4096, bool cleanShutdown = false)
    {
        await using (FileLogStore store = NewStore(segmentBytes, indexInterval))
        {
            IShardLog log = store.Open("s");
            for (int i = 0; i < records; i++)
            {
                await log.AppendAsync(Payloads.Sized(1, 100, (byte)i));
                _time.AdvanceMs(10);
            }
        }

        string activeIndex = IndexPath(SegmentBases()[^1]);
        Assert.True(File.Exists(activeIndex) || records == 0);
        if (!cleanShutdown)
        {
            File.Delete(activeIndex);
        }
    }

    private static async Task AssertRecordsAsync(IShardLog log, int count)
    {
        List<LogRecord> all = await Payloads.ReadAllAsync(log);
        Assert.Equal(count, all.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, all[i].Offset);
            Assert.Equal(StartMs + (10 * i), all[i].TimestampMs);
            Assert.True(all[i].Payload.Span.IndexOfAnyExcept((byte)i) < 0, $"payload of record {i}");
        }
    }

    /// <summary>Reopens: the first <paramref name="survivors"/> records are served, <paramref name="truncated"/> bytes were cut, appends continue.</summary>
    private async Task AssertRecoveredAsync(int survivors, long truncated, long segmentBytes = 64L * 1024 * 1024)
    {
        await using (FileLogStore store = NewStore(segmentBytes))
        {
            var log = (FileShardLog)store.Open("s");
            Assert.Equal(truncated, log.RecoveryTruncatedBytes);
            Assert.Equal(survivors, log.EndOffset);
            await AssertRecordsAsync(log, survivors);
            _time.SetNowMs(StartMs + (10 * survivors));
            AppendResult appended = await log.AppendAsync(Payloads.Sized(1, 100, (byte)survivors));
            Assert.Equal(survivors, appended.FirstOffset);
        }

        await using (FileLogStore store = NewStore(segmentBytes))
        {
            var log = (FileShardLog)store.Open("s");
            Assert.Equal(0, log.RecoveryTruncatedBytes);
            await AssertRecordsAsync(log, survivors + 1);
        }
    }

    [Fact]
    public async Task GarbageAfterLastFrame_IsCutOff()
    {
        await WriteAsync(10);
        long length = new FileInfo(SegmentPath(0)).Length;
        Assert.Equal(20 + (10 * 125), length);
        byte[] garbage = new byte[37];
        new Random(1).NextBytes(garbage);
        using (FileStream f = File.Open(SegmentPath(0), FileMode.Append))
        {
            f.Write(garbage);
        }

        await AssertRecoveredAsync(10, 37);
    }

    [Fact]
    public async Task LastFrameCutInHalf_IsCutOff()
    {
        await WriteAsync(10);
        long length = new FileInfo(SegmentPath(0)).Length;
        using (FileStream f = File.Open(SegmentPath(0), FileMode.Open))
        {
            f.SetLength(length - 60);
        }

        await AssertRecoveredAsync(9, 125 - 60);
    }

    [Fact]
    public async Task FrameHeaderOnlyPartlyWritten_IsCutOff()
    {
        await WriteAsync(3);
        using (FileStream f = File.Open(SegmentPath(0), FileMode.Append))
        {
            f.Write([0x75, 0x00, 0x00, 0x00, 0x12]); // 5 bytes of a frame header
        }

        await AssertRecoveredAsync(3, 5);
    }

    [Fact]
    public async Task ZeroFilledTail_IsCutOff()
    {
        await WriteAsync(4);
        using (FileStream f = File.Open(SegmentPath(0), FileMode.Append))
        {
            f.Write(new byte[4096]);
        }

        await AssertRecoveredAsync(4, 4096);
    }

    [Fact]
    public async Task BadCrcInTheMiddle_CutsFromThere()
    {
        await WriteAsync(10);
        FlipByte(SegmentPath(0), 20 + (5 * 125) + 60); // inside record 5's payload
        await AssertRecoveredAsync(5, 5 * 125);
    }

    [Fact]
    public async Task BadLengthField_CutsFromThere()
    {
        await WriteAsync(6);
        using (FileStream f = File.Open(SegmentPath(0), FileMode.Open))
        {
            f.Position = 20 + (4 * 125);
            f.Write([0xFF, 0xFF, 0xFF, 0x7F]); // absurd length for record 4
        }

        await AssertRecoveredAsync(4, 2 * 125);
    }

    [Fact]
    public async Task UnknownFrameVersion_CutsFromThere()
    {
        await WriteAsync(3);
        // A frame with a valid CRC but version 2 after the last record.
        byte[] frame = new byte[SegmentFormat.FrameSize(4)];
        SegmentFormat.WriteFrame(frame, 3, StartMs, [1, 2, 3, 4]);
        frame[8] = 2;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Crc32C.Compute(frame.AsSpan(8)));
        using (FileStream f = File.Open(SegmentPath(0), FileMode.Append))
        {
            f.Write(frame);
        }

        await AssertRecoveredAsync(3, frame.Length);
    }

    [Fact]
    public async Task OutOfSequenceOffset_CutsFromThere()
    {
        await WriteAsync(3);
        byte[] frame = new byte[SegmentFormat.FrameSize(4)];
        SegmentFormat.WriteFrame(frame, 7, StartMs, [1, 2, 3, 4]); // valid frame, wrong offset (3 expected)
        using (FileStream f = File.Open(SegmentPath(0), FileMode.Append))
        {
            f.Write(frame);
        }

        await AssertRecoveredAsync(3, frame.Length);
    }

    [Fact]
    public async Task TornHeaderOfNewActiveSegment_IsRewritten()
    {
        await WriteAsync(9, segmentBytes: 400); // 3 records per segment: segments 0, 3, 6
        Assert.Equal([0L, 3, 6], SegmentBases());
        // Crash while creating segment 9: only part of its header made it.
        File.WriteAllBytes(SegmentPath(9), "EDDYS"u8.ToArray());
        await AssertRecoveredAsync(9, 5, segmentBytes: 400);
        Assert.Equal(SegmentFormat.HeaderSize, new FileInfo(SegmentPath(9)).Length - 125); // header + the new record
    }

    [Fact]
    public async Task ManySegments_MissingCorruptAndStaleIndexFiles_AreRebuilt()
    {
        await WriteAsync(300, segmentBytes: 1024, indexInterval: 256); // 8 records per 1020-byte segment
        long[] bases = SegmentBases();
        Assert.True(bases.Length > 30);
        var original = bases[..^1].ToDictionary(b => b, b => File.ReadAllBytes(IndexPath(b)));
        Assert.False(File.Exists(IndexPath(bases[^1])));

        File.Delete(IndexPath(bases[2]));                                  // missing
        FlipByte(IndexPath(bases[5]), 60);                                 // corrupt entry
        using (FileStream f = File.Open(IndexPath(bases[7]), FileMode.Open))
        {
            f.SetLength(f.Length - 3);                                     // torn
        }

        File.Copy(IndexPath(bases[10]), IndexPath(bases[9]), overwrite: true); // another segment's index
        File.WriteAllBytes(IndexPath(bases[11]), []);                      // empty
        File.WriteAllBytes(IndexPath(bases[^1]), original[bases[0]]);      // stale index beside the active segment
        File.WriteAllBytes(IndexPath(99_999), original[bases[0]]);         // orphan

        await using (FileLogStore store = NewStore(1024, 256))
        {
            var log = (FileShardLog)store.Open("s");
            Assert.Equal(0, log.RecoveryTruncatedBytes);
            Assert.Equal(300, log.EndOffset);
            Assert.Equal(bases.Length, log.SegmentCount);
            await AssertRecordsAsync(log, 300);
            for (int i = 0; i < 300; i += 13)
            {
                Assert.Equal(i, log.FindOffsetByTimestamp(StartMs + (10 * i)));
                Assert.Equal(i + 1, log.FindOffsetByTimestamp(StartMs + (10 * i) + 1));
            }
        }

        // Rebuilt index files are byte-identical to the ones written when the segments were sealed.
        foreach ((long b, byte[] bytes) in original)
        {
            Assert.Equal(bytes, File.ReadAllBytes(IndexPath(b)));
        }

        Assert.False(File.Exists(IndexPath(99_999)));
        Assert.True(File.Exists(IndexPath(bases[^1]))); // rewritten for the active segment by the clean shutdown
    }

    [Fact]
    public async Task CleanShutdown_IndexesTheActiveSegment_SoOpeningDoesNotScanIt()
    {
        await WriteAsync(10, cleanShutdown: true);
        Assert.True(File.Exists(IndexPath(0)));
        FlipByte(SegmentPath(0), 20 + (5 * 125) + 60); // not noticed on open: the clean-shutdown index is trusted
        await using (FileLogStore store = NewStore())
        {
            var log = (FileShardLog)store.Open("s");
            Assert.False(File.Exists(IndexPath(0)));  // the active segment's index is removed once it is open again
            Assert.Equal(0, log.RecoveryTruncatedBytes);
            Assert.Equal(10, log.EndOffset);
            Assert.Equal(StartMs + 90, log.LastTimestampMs);
            Assert.Equal(4, (await log.ReadAsync(0, 4, long.MaxValue)).Records.Count);
            await Assert.ThrowsAsync<InvalidDataException>(async () => await log.ReadAsync(0, 10, long.MaxValue));
            Assert.Equal(10, (await log.AppendAsync(Payloads.Sized(1, 100, 10))).FirstOffset);
        }

        // Appending after the reopen changed the length, so a stale index could never be trusted anyway.
        await using (FileLogStore store = NewStore())
        {
            Assert.Equal(11, store.Open("s").EndOffset);
        }
    }

    [Fact]
    public async Task CleanShutdownIndex_OfTheWrongLength_IsIgnored()
    {
        await WriteAsync(10, cleanShutdown: true);
        using (FileStream f = File.Open(SegmentPath(0), FileMode.Append))
        {
            f.Write(new byte[7]);
        }

        await AssertRecoveredAsync(10, 7);
    }

    [Fact]
    public async Task SealedSegmentsAreTrustedThroughTheirIndex_WithoutScanning()
    {
        await WriteAsync(40, segmentBytes: 1024);
        long[] bases = SegmentBases();
        // Corrupt a frame header in a sealed segment whose index is valid: opening does not read it...
        FlipByte(SegmentPath(bases[1]), 20 + 125 + 10);
        await using FileLogStore store = NewStore(1024);
        var log = (FileShardLog)store.Open("s");
        Assert.Equal(0, log.RecoveryTruncatedBytes);
        Assert.Equal(40, log.EndOffset);
        // ...but reading it does, and refuses to serve it.
        await Assert.ThrowsAsync<InvalidDataException>(async () => await log.ReadAsync(bases[1], 100, long.MaxValue));
    }

    [Fact]
    public async Task CorruptSealedSegmentWithoutIndex_EndsTheLogThere()
    {
        await WriteAsync(40, segmentBytes: 1024); // 8 records per segment: 0, 8, 16, 24, 32
        long[] bases = SegmentBases();
        Assert.Equal([0L, 8, 16, 24, 32], bases);
        File.Delete(IndexPath(8));
        FlipByte(SegmentPath(8), 20 + (3 * 125) + 50); // record 11
        long dropped = new FileInfo(SegmentPath(8)).Length - (20 + (3 * 125))
            + new FileInfo(SegmentPath(16)).Length + new FileInfo(SegmentPath(24)).Length + new FileInfo(SegmentPath(32)).Length;

        await AssertRecoveredAsync(11, dropped, segmentBytes: 1024);
        Assert.Equal([0L, 8], SegmentBases());
    }

    [Fact]
    public async Task MissingMiddleSegment_EndsTheLogAtTheGap()
    {
        await WriteAsync(40, segmentBytes: 1024);
        long dropped = new FileInfo(SegmentPath(24)).Length + new FileInfo(SegmentPath(32)).Length;
        File.Delete(SegmentPath(16));
        File.Delete(IndexPath(16));
        await AssertRecoveredAsync(16, dropped, segmentBytes: 1024);
    }

    [Fact]
    public async Task EmptyDirectory_OpensAsEmptyLog()
    {
        Directory.CreateDirectory(LogDir);
        await using FileLogStore store = NewStore();
        IShardLog log = store.Open("s");
        Assert.Equal(0, log.EndOffset);
        Assert.True(File.Exists(SegmentPath(0)));
    }

    private static void FlipByte(string path, long position)
    {
        using FileStream f = File.Open(path, FileMode.Open);
        f.Position = position;
        int b = f.ReadByte();
        f.Position = position;
        f.WriteByte((byte)(b ^ 0x01));
    }
}
