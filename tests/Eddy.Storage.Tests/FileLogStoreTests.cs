using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Storage.Tests;

/// <summary>File-store behaviour beyond the shared contract: persistence across reopen, deletion on disk, policies.</summary>
public sealed class FileLogStoreTests : IDisposable
{
    private const long StartMs = 1_700_000_000_000;
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = TestClock.At(StartMs);

    public void Dispose() => _dir.Dispose();

    private FileLogStore NewStore(long segmentBytes = 64L * 1024 * 1024, FsyncPolicy fsync = FsyncPolicy.Always, int indexInterval = 4096)
        => new(new LogStoreOptions
        {
            Directory = _dir.Path,
            SegmentBytes = segmentBytes,
            IndexIntervalBytes = indexInterval,
            Fsync = fsync,
            FsyncInterval = TimeSpan.FromMilliseconds(20),
            Time = _time,
        });

    [Fact]
    public async Task Concurrent_deletes_of_one_log_complete_together_and_an_open_after_them_starts_empty()
    {
        await using FileLogStore store = NewStore();
        IShardLog log = store.Open("s");
        await log.AppendAsync(Payloads.Of("a", "b"));
        IShardLog other = store.Open("t");

        ValueTask first = store.DeleteAsync("s");
        ValueTask second = store.DeleteAsync("s");
        Assert.Same(other, store.Open("t")); // a delete in progress holds up no other log
        await first;
        await second;

        IShardLog fresh = store.Open("s");
        Assert.NotSame(log, fresh);
        Assert.Equal(0, fresh.EndOffset);
        Assert.Equal(["s", "t"], store.ListLogs());
    }

    [Fact]
    public async Task Reopen_RestoresEverything_AndContinuesOffsets()
    {
        long lastTs;
        List<LogRecord> before;
        await using (FileLogStore store = NewStore(segmentBytes: 2048, indexInterval: 300))
        {
            IShardLog log = store.Open("s");
            for (int i = 0; i < 60; i++)
            {
                await log.AppendAsync(Payloads.Sized(1 + (i % 3), 150, (byte)i));
                _time.AdvanceMs(100);
            }

            await log.TrimAsync(StartMs + 1000);
            Assert.True(log.StartOffset > 0);
            before = await Payloads.ReadAllAsync(log);
            lastTs = log.LastTimestampMs;
            Assert.True(((FileShardLog)log).SegmentCount > 5);
        }

        await using (FileLogStore store = NewStore(segmentBytes: 2048, indexInterval: 300))
        {
            Assert.Equal(["s"], store.ListLogs());
            var log = (FileShardLog)store.Open("s");
            Assert.Equal(0, log.RecoveryTruncatedBytes);
            Assert.Equal(before[0].Offset, log.StartOffset);
            Assert.Equal(before[^1].Offset + 1, log.EndOffset);
            Assert.Equal(lastTs, log.LastTimestampMs);

            List<LogRecord> after = await Payloads.ReadAllAsync(log, 0);
            Assert.Equal(before.Select(r => (r.Offset, r.TimestampMs)), after.Select(r => (r.Offset, r.TimestampMs)));
            Assert.True(before.Zip(after).All(p => p.First.Payload.Span.SequenceEqual(p.Second.Payload.Span)));
            Assert.Equal(before.First(r => r.TimestampMs >= StartMs + 3000).Offset, log.FindOffsetByTimestamp(StartMs + 3000));

            _time.SetNowMs(StartMs); // behind the log's last timestamp: the log must not go back
            AppendResult next = await log.AppendAsync(Payloads.Of("next"));
            Assert.Equal(before[^1].Offset + 1, next.FirstOffset);
            Assert.Equal(lastTs, next.TimestampMs);
        }
    }

    [Fact]
    public async Task One_read_across_many_segments_returns_every_record_from_one_buffer()
    {
        // A read that crosses segments fills one buffer (sized for the whole read) instead of one buffer per segment.
        await using FileLogStore store = NewStore(segmentBytes: 2048, indexInterval: 300);
        IShardLog log = store.Open("s");
        for (int i = 0; i < 60; i++)
        {
            await log.AppendAsync(Payloads.Sized(1 + (i % 3), 200 + i, (byte)i));
        }

        Assert.True(((FileShardLog)log).SegmentCount > 8);
        List<LogRecord> oneByOne = [];
        for (long offset = 0; offset < log.EndOffset; offset++)
        {
            using LogReadResult single = await log.ReadAsync(offset, 1, long.MaxValue);
            oneByOne.Add(new LogRecord(single.Records[0].Offset, single.Records[0].TimestampMs, single.Records[0].Payload.ToArray()));
        }

        foreach (long from in new long[] { 0, 1, 7, 50 })
        {
            using LogReadResult all = await log.ReadAsync(from, 10_000, long.MaxValue);
            Assert.Equal(oneByOne.Skip((int)from).Select(r => r.Offset), all.Records.Select(r => r.Offset));
            Assert.True(oneByOne.Skip((int)from).Zip(all.Records).All(p => p.First.Payload.Span.SequenceEqual(p.Second.Payload.Span)));
            Assert.Single(all.Records.Select(r => MemoryMarshal.TryGetArray(r.Payload, out var segment) ? segment.Array : null).Distinct());
        }
    }

    [Fact]
    public async Task Reopen_EmptyLog()
    {
        await using (FileLogStore store = NewStore())
        {
            store.Open("empty");
        }

        await using (FileLogStore store = NewStore())
        {
            Assert.Equal(["empty"], store.ListLogs());
            IShardLog log = store.Open("empty");
            Assert.Equal(0, log.EndOffset);
            Assert.Equal(0, log.LastTimestampMs);
            Assert.Equal(0, (await log.AppendAsync(Payloads.Of("x"))).FirstOffset);
        }
    }

    [Fact]
    public async Task Delete_RemovesDirectory_AndLeftoverTombstonesArePurged()
    {
        await using (FileLogStore store = NewStore())
        {
            await store.Open("a").AppendAsync(Payloads.Of("x"));
            await store.DeleteAsync("a");
            Assert.False(Directory.Exists(Path.Combine(_dir.Path, "a")));
            Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
        }

        string tombstone = Path.Combine(_dir.Path, "~deleted~b~0123");
        Directory.CreateDirectory(tombstone);
        File.WriteAllText(Path.Combine(tombstone, "00000000000000000000.log"), "junk");
        Directory.CreateDirectory(Path.Combine(_dir.Path, "not a log id"));
        await using (FileLogStore store = NewStore())
        {
            Assert.False(Directory.Exists(tombstone));
            Assert.Empty(store.ListLogs());
        }
    }

    [Fact]
    public async Task IntervalPolicy_AppendsReadsAndReopens()
    {
        await using (FileLogStore store = NewStore(segmentBytes: 4096, fsync: FsyncPolicy.Interval))
        {
            IShardLog log = store.Open("s");
            for (int i = 0; i < 50; i++)
            {
                await log.AppendAsync(Payloads.Sized(2, 200));
            }

            await Task.Delay(100); // let the background fsync run at least once
            Assert.Equal(100, (await Payloads.ReadAllAsync(log)).Count);
        }

        await using (FileLogStore store = NewStore(segmentBytes: 4096, fsync: FsyncPolicy.Interval))
        {
            Assert.Equal(100, store.Open("s").EndOffset);
        }
    }

    [Fact]
    public async Task AcknowledgedAppends_AreOnDisk_BeforeAnyDisposeOrFsync()
    {
        // Simulates kill -9: the first store is never disposed, and under the Interval policy never fsynced either.
        FileLogStore abandoned = NewStore(fsync: FsyncPolicy.Interval);
        IShardLog log = abandoned.Open("s");
        for (int i = 0; i < 20; i++)
        {
            await log.AppendAsync(Payloads.Sized(3, 100, (byte)i));
        }

        var dir = new TempDirectory();
        try
        {
            // Copy the files as they are on disk right now, and open the copy.
            foreach (string file in Directory.EnumerateFiles(Path.Combine(_dir.Path, "s")))
            {
                Directory.CreateDirectory(Path.Combine(dir.Path, "s"));
                File.Copy(file, Path.Combine(dir.Path, "s", Path.GetFileName(file)));
            }

            await using var copy = new FileLogStore(new LogStoreOptions { Directory = dir.Path });
            var reopened = (FileShardLog)copy.Open("s");
            Assert.Equal(60, reopened.EndOffset);
            Assert.Equal(0, reopened.RecoveryTruncatedBytes);
        }
        finally
        {
            await abandoned.DisposeAsync();
            dir.Dispose();
        }
    }

    [Fact]
    public async Task Read_DetectsCorruptionInASealedSegment()
    {
        await using (FileLogStore store = NewStore(segmentBytes: 1024))
        {
            IShardLog log = store.Open("s");
            for (int i = 0; i < 20; i++)
            {
                await log.AppendAsync(Payloads.Sized(1, 200));
            }
        }

        // Segment 0 is sealed and trusted through its .idx; flip a payload byte of its second record.
        string segment = Path.Combine(_dir.Path, "s", "00000000000000000000.log");
        using (FileStream f = File.Open(segment, FileMode.Open))
        {
            f.Position = 20 + 225 + 100;
            int b = f.ReadByte();
            f.Position--;
            f.WriteByte((byte)(b ^ 0x40));
        }

        await using (FileLogStore store = NewStore(segmentBytes: 1024))
        {
            IShardLog log = store.Open("s");
            Assert.Equal(20, log.EndOffset);
            Assert.Single((await log.ReadAsync(0, 1, long.MaxValue)).Records);
            await Assert.ThrowsAsync<InvalidDataException>(async () => await log.ReadAsync(0, 10, long.MaxValue));
            Assert.Equal(10, (await log.ReadAsync(10, 10, long.MaxValue)).Records.Count);
        }
    }

    [Fact]
    public async Task ConcurrentReadsAndTrims_NeverFailOrReturnGaps()
    {
        await using FileLogStore store = NewStore(segmentBytes: 1024, indexInterval: 128);
        IShardLog log = store.Open("s");
        using var stop = new CancellationTokenSource();
        Task writer = Task.Run(async () =>
        {
            for (int i = 0; i < 400; i++)
            {
                await log.AppendAsync(Payloads.Sized(2, 100));
                _time.AdvanceMs(1);
            }
        });
        Task trimmer = Task.Run(async () =>
        {
            while (!writer.IsCompleted)
            {
                await log.TrimAsync(_time.NowMs() - 20);
                await Task.Yield();
            }
        });
        Task reader = Task.Run(async () =>
        {
            while (!writer.IsCompleted)
            {
                long start = log.StartOffset;
                LogReadResult r = await log.ReadAsync(start, 50, long.MaxValue);
                for (int i = 1; i < r.Records.Count; i++)
                {
                    Assert.Equal(r.Records[i - 1].Offset + 1, r.Records[i].Offset);
                }

                if (r.Records.Count > 0)
                {
                    Assert.True(r.Records[0].Offset >= start);
                }

                log.FindOffsetByTimestamp(_time.NowMs() - 10);
            }
        });

        await Task.WhenAll(writer, trimmer, reader);
        Assert.Equal(800, log.EndOffset);
        Assert.True(log.StartOffset > 0);
    }

    [Fact]
    public void Options_AreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FileLogStore(new LogStoreOptions { Directory = _dir.Path, SegmentBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FileLogStore(new LogStoreOptions { Directory = _dir.Path, SegmentBytes = (1L << 30) + 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FileLogStore(new LogStoreOptions { Directory = _dir.Path, IndexIntervalBytes = 0 }));
        Assert.Throws<ArgumentException>(() => new FileLogStore(new LogStoreOptions { Directory = " " }));
    }

    [Fact]
    public async Task DisposedStore_Throws()
    {
        FileLogStore store = NewStore();
        IShardLog log = store.Open("s");
        await store.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => store.Open("s"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.AppendAsync(Payloads.Of("x")));
        await store.DisposeAsync(); // idempotent
    }
}
