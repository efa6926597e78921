using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Storage.Tests;

/// <summary>
/// The <see cref="ILogStore"/> contract, run against every implementation. Both implementations must behave identically
/// here, including trimming (the memory store mirrors the file store's segment accounting).
/// </summary>
public abstract class LogStoreContractTests : IAsyncLifetime
{
    protected const long StartMs = 1_700_000_000_000;
    protected const long DefaultSegmentBytes = 64L * 1024 * 1024;

    private readonly List<ILogStore> _stores = [];

    internal FakeTimeProvider Time { get; } = TestClock.At(StartMs);

    /// <summary>A new, empty store using <see cref="Time"/>.</summary>
    protected abstract ILogStore NewStore(long segmentBytes);

    protected ILogStore CreateStore(long segmentBytes = DefaultSegmentBytes)
    {
        ILogStore store = NewStore(segmentBytes);
        _stores.Add(store);
        return store;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (ILogStore store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public void NewLog_IsEmpty()
    {
        IShardLog log = CreateStore().Open("shard-0");
        Assert.Equal("shard-0", log.Id);
        Assert.Equal(0, log.StartOffset);
        Assert.Equal(0, log.EndOffset);
        Assert.Equal(0, log.LastTimestampMs);
    }

    [Fact]
    public void Open_Twice_ReturnsSameInstance()
    {
        ILogStore store = CreateStore();
        Assert.Same(store.Open("a"), store.Open("a"));
        Assert.NotSame(store.Open("a"), store.Open("b"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a b")]
    [InlineData("é")]
    public void Open_InvalidId_Throws(string id)
    {
        ILogStore store = CreateStore();
        Assert.Throws<ArgumentException>(() => store.Open(id));
    }

    [Fact]
    public void Open_IdLimits()
    {
        ILogStore store = CreateStore();
        Assert.NotNull(store.Open(new string('x', 200)));
        Assert.NotNull(store.Open("Stream_1.shard-000000000001"));
        Assert.Throws<ArgumentException>(() => store.Open(new string('x', 201)));
    }

    [Fact]
    public async Task Append_AssignsDenseOffsets()
    {
        IShardLog log = CreateStore().Open("s");
        AppendResult a = await log.AppendAsync(Payloads.Of("a0", "a1", "a2"));
        AppendResult b = await log.AppendAsync(Payloads.Of("b0"));
        AppendResult c = await log.AppendAsync(Payloads.Of("c0", "c1"));
        Assert.Equal(0, a.FirstOffset);
        Assert.Equal(3, b.FirstOffset);
        Assert.Equal(4, c.FirstOffset);
        Assert.Equal(6, log.EndOffset);
        Assert.Equal(0, log.StartOffset);

        List<LogRecord> all = await Payloads.ReadAllAsync(log);
        Assert.Equal(["a0", "a1", "a2", "b0", "c0", "c1"], all.Select(Payloads.Text));
        Assert.Equal([0L, 1, 2, 3, 4, 5], all.Select(r => r.Offset));
    }

    [Fact]
    public async Task Read_ResultsCanBeDisposedAndReadAgain()
    {
        IShardLog log = CreateStore().Open("s");
        await log.AppendAsync(Payloads.Of("a0", "a1"));
        for (int i = 0; i < 3; i++)
        {
            using LogReadResult read = await log.ReadAsync(0, 10, 1 << 20);
            Assert.Equal(["a0", "a1"], read.Records.Select(Payloads.Text));
            read.Dispose(); // a second Dispose (the using) is a no-op
        }

        using LogReadResult empty = await log.ReadAsync(2, 10, 1 << 20);
        Assert.Empty(empty.Records);
    }

    [Fact]
    public async Task Append_EmptyBatch_Throws()
    {
        IShardLog log = CreateStore().Open("s");
        await Assert.ThrowsAsync<ArgumentException>(async () => await log.AppendAsync([]));
        Assert.Equal(0, log.EndOffset);
    }

    [Fact]
    public async Task Append_PayloadOver64MiB_Throws()
    {
        IShardLog log = CreateStore().Open("s");
        await Assert.ThrowsAsync<ArgumentException>(async () => await log.AppendAsync([new byte[(64 * 1024 * 1024) + 1]]));
        Assert.Equal(0, log.EndOffset);
    }

    [Fact]
    public async Task Read_RecordsOfVeryDifferentSizes()
    {
        IShardLog log = CreateStore().Open("s");
        await log.AppendAsync(Payloads.Sized(100, 10, 1));
        await log.AppendAsync(Payloads.Sized(1, 1024 * 1024, 2));
        await log.AppendAsync(Payloads.Sized(10, 10, 3));

        LogReadResult r = await log.ReadAsync(98, 4, long.MaxValue);
        Assert.Equal([98L, 99, 100, 101], r.Records.Select(x => x.Offset));
        Assert.Equal([10, 10, 1024 * 1024, 10], r.Records.Select(x => x.Payload.Length));
        Assert.True(r.Records[2].Payload.Span.IndexOfAnyExcept((byte)2) < 0);
        Assert.True(r.Records[3].Payload.Span.IndexOfAnyExcept((byte)3) < 0);

        r = await log.ReadAsync(0, 1000, 2000);
        Assert.Equal(100, r.Records.Count); // the big one would pass maxBytes
        r = await log.ReadAsync(0, 1000, long.MaxValue);
        Assert.Equal(111, r.Records.Count);
    }

    [Fact]
    public async Task Append_CancelledBeforehand_Throws()
    {
        IShardLog log = CreateStore().Open("s");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await log.AppendAsync(Payloads.Of("x"), new CancellationToken(canceled: true)));
        Assert.Equal(0, log.EndOffset);
    }

    [Fact]
    public async Task Read_FromMiddle_AndNextOffset()
    {
        IShardLog log = CreateStore().Open("s");
        await log.AppendAsync(Payloads.Of("0", "1", "2", "3", "4"));
        LogReadResult result = await log.ReadAsync(2, 2, long.MaxValue);
        Assert.Equal(["2", "3"], result.Records.Select(Payloads.Text));
        Assert.Equal(4, result.NextOffset);
        result = await log.ReadAsync(result.NextOffset, 100, long.MaxValue);
        Assert.Equal(["4"], result.Records.Select(Payloads.Text));
        Assert.Equal(5, result.NextOffset);
    }

    [Fact]
    public async Task Read_AtOrPastEnd_ReturnsNothing()
    {
        IShardLog log = CreateStore().Open("s");
        LogReadResult empty = await log.ReadAsync(0, 10, 1000);
        Assert.Empty(empty.Records);
        Assert.Equal(0, empty.NextOffset);

        await log.AppendAsync(Payloads.Of("x"));
        LogReadResult atEnd = await log.ReadAsync(1, 10, 1000);
        Assert.Empty(atEnd.Records);
        Assert.Equal(1, atEnd.NextOffset);
        LogReadResult past = await log.ReadAsync(50, 10, 1000);
        Assert.Empty(past.Records);
        Assert.Equal(50, past.NextOffset);
    }

    [Fact]
    public async Task Read_ReturnsAtLeastOneRecord_EvenIfLargerThanMaxBytes()
    {
        IShardLog log = CreateStore().Open("s");
        await log.AppendAsync(Payloads.Sized(3, 5000));
        LogReadResult result = await log.ReadAsync(0, 10, 100);
        LogRecord only = Assert.Single(result.Records);
        Assert.Equal(5000, only.Payload.Length);
        Assert.Equal(1, result.NextOffset);

        result = await log.ReadAsync(1, 10, 0);
        Assert.Single(result.Records);
    }

    [Fact]
    public async Task Read_RespectsMaxBytes()
    {
        IShardLog log = CreateStore().Open("s");
        await log.AppendAsync(Payloads.Sized(10, 100));
        LogReadResult result = await log.ReadAsync(0, 100, 350);
        Assert.Equal(3, result.Records.Count);
        Assert.Equal(3, result.NextOffset);
        result = await log.ReadAsync(0, 100, 400);
        Assert.Equal(4, result.Records.Count);
    }

    [Fact]
    public async Task Read_RespectsMaxRecords()
    {
        IShardLog log = CreateStore().Open("s");
        await log.AppendAsync(Payloads.Sized(10, 10));
        LogReadResult result = await log.ReadAsync(3, 4, long.MaxValue);
        Assert.Equal([3L, 4, 5, 6], result.Records.Select(r => r.Offset));
        Assert.Equal(7, result.NextOffset);
    }

    [Fact]
    public async Task Read_InvalidArguments_Throw()
    {
        IShardLog log = CreateStore().Open("s");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.ReadAsync(-1, 1, 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.ReadAsync(0, 0, 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.ReadAsync(0, 1, -1));
    }

    [Fact]
    public async Task Read_EmptyAndVariedPayloads_RoundTrip()
    {
        IShardLog log = CreateStore().Open("s");
        var random = new Random(42);
        var sent = new List<byte[]>();
        for (int i = 0; i < 50; i++)
        {
            var batch = new ReadOnlyMemory<byte>[random.Next(1, 6)];
            for (int k = 0; k < batch.Length; k++)
            {
                var bytes = new byte[random.Next(0, 3000)];
                random.NextBytes(bytes);
                sent.Add(bytes);
                batch[k] = bytes;
            }

            await log.AppendAsync(batch);
        }

        List<LogRecord> all = await Payloads.ReadAllAsync(log);
        Assert.Equal(sent.Count, all.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.Equal(i, all[i].Offset);
            Assert.True(sent[i].AsSpan().SequenceEqual(all[i].Payload.Span), $"payload {i} differs");
        }

        // Every start offset, small reads.
        for (int from = 0; from < sent.Count; from += 7)
        {
            LogReadResult r = await log.ReadAsync(from, 3, 4000);
            Assert.Equal(from, r.Records[0].Offset);
            Assert.True(sent[from].AsSpan().SequenceEqual(r.Records[0].Payload.Span));
        }
    }

    [Fact]
    public async Task Read_PayloadsStayValid_AfterLaterAppendsAndReads()
    {
        IShardLog log = CreateStore().Open("s");
        await log.AppendAsync(Payloads.Of("first", "second"));
        LogReadResult kept = await log.ReadAsync(0, 10, long.MaxValue);
        for (int i = 0; i < 20; i++)
        {
            await log.AppendAsync(Payloads.Sized(5, 300, (byte)i));
            await log.ReadAsync(0, 100, long.MaxValue);
        }

        Assert.Equal(["first", "second"], kept.Records.Select(Payloads.Text));
    }

    [Fact]
    public async Task Append_PayloadBufferReuseAfterCompletion_DoesNotAffectStoredRecord()
    {
        IShardLog log = CreateStore().Open("s");
        byte[] buffer = [1, 2, 3];
        await log.AppendAsync([buffer]);
        buffer[0] = 99;
        LogReadResult r = await log.ReadAsync(0, 1, 10);
        Assert.Equal([1, 2, 3], r.Records[0].Payload.ToArray());
    }

    [Fact]
    public async Task Timestamps_ComeFromClock_SharedByBatch_AndNeverDecrease()
    {
        IShardLog log = CreateStore().Open("s");
        AppendResult a = await log.AppendAsync(Payloads.Of("a", "b"));
        Assert.Equal(StartMs, a.TimestampMs);
        Assert.Equal(StartMs, log.LastTimestampMs);

        Time.AdvanceMs(500);
        AppendResult b = await log.AppendAsync(Payloads.Of("c"));
        Assert.Equal(StartMs + 500, b.TimestampMs);

        Time.SetNowMs(StartMs - 10_000); // the clock steps back
        AppendResult c = await log.AppendAsync(Payloads.Of("d", "e"));
        Assert.Equal(StartMs + 500, c.TimestampMs);
        Assert.Equal(StartMs + 500, log.LastTimestampMs);

        List<LogRecord> all = await Payloads.ReadAllAsync(log);
        Assert.Equal([StartMs, StartMs, StartMs + 500, StartMs + 500, StartMs + 500], all.Select(r => r.TimestampMs));
    }

    [Fact]
    public async Task FindOffsetByTimestamp_FindsFirstRecordAtOrAfter()
    {
        IShardLog log = CreateStore().Open("s");
        Assert.Equal(0, log.FindOffsetByTimestamp(StartMs));

        await log.AppendAsync(Payloads.Of("a", "b"));       // 0,1 @ +0
        Time.AdvanceMs(100);
        await log.AppendAsync(Payloads.Of("c"));            // 2 @ +100
        Time.AdvanceMs(100);
        await log.AppendAsync(Payloads.Of("d", "e", "f"));  // 3,4,5 @ +200

        Assert.Equal(0, log.FindOffsetByTimestamp(0));
        Assert.Equal(0, log.FindOffsetByTimestamp(StartMs));
        Assert.Equal(2, log.FindOffsetByTimestamp(StartMs + 1));
        Assert.Equal(2, log.FindOffsetByTimestamp(StartMs + 100));
        Assert.Equal(3, log.FindOffsetByTimestamp(StartMs + 150));
        Assert.Equal(3, log.FindOffsetByTimestamp(StartMs + 200));
        Assert.Equal(6, log.FindOffsetByTimestamp(StartMs + 201));
        Assert.Equal(log.EndOffset, log.FindOffsetByTimestamp(long.MaxValue));
    }

    [Fact]
    public async Task FindOffsetByTimestamp_AcrossManySegmentsAndIndexEntries()
    {
        IShardLog log = CreateStore(segmentBytes: 4096).Open("s");
        var firstAt = new Dictionary<long, long>();
        for (int i = 0; i < 200; i++)
        {
            AppendResult r = await log.AppendAsync(Payloads.Sized(1 + (i % 4), 120));
            firstAt.TryAdd(r.TimestampMs, r.FirstOffset);
            if (i % 3 == 0)
            {
                Time.AdvanceMs(10);
            }
        }

        foreach ((long ts, long offset) in firstAt)
        {
            Assert.Equal(offset, log.FindOffsetByTimestamp(ts));
            Assert.Equal(offset, log.FindOffsetByTimestamp(ts - 5));
        }

        Assert.Equal(log.EndOffset, log.FindOffsetByTimestamp(Time.NowMs() + 1));
    }

    [Fact]
    public async Task WaitForData_CompletesAtOnce_WhenDataIsThere()
    {
        IShardLog log = CreateStore().Open("s");
        await log.AppendAsync(Payloads.Of("x"));
        Task wait = log.WaitForDataAsync(0, CancellationToken.None);
        Assert.True(wait.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitForData_CompletesWhenRecordAppended()
    {
        IShardLog log = CreateStore().Open("s");
        Task wait0 = log.WaitForDataAsync(0, CancellationToken.None);
        Task wait1 = log.WaitForDataAsync(1, CancellationToken.None);
        Assert.False(wait0.IsCompleted);
        await log.AppendAsync(Payloads.Of("a"));
        await wait0.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(20);
        Assert.False(wait1.IsCompleted);
        await log.AppendAsync(Payloads.Of("b"));
        await wait1.WaitAsync(TimeSpan.FromSeconds(10));
        // The record the waiter was told about is readable.
        LogReadResult r = await log.ReadAsync(1, 1, 10);
        Assert.Equal("b", Payloads.Text(r.Records[0]));
    }

    [Fact]
    public async Task WaitForData_Cancellation_CancelsTheTask()
    {
        IShardLog log = CreateStore().Open("s");
        using var cts = new CancellationTokenSource();
        Task wait = log.WaitForDataAsync(0, cts.Token);
        Assert.False(wait.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(wait.IsCanceled);

        Task already = log.WaitForDataAsync(0, new CancellationToken(canceled: true));
        Assert.True(already.IsCanceled);
    }

    [Fact]
    public async Task Trim_RemovesWholeOldSegments_AndMovesStartOffset()
    {
        // Each 100-byte record is a 125-byte frame; 300-byte segments hold two single-record appends at most.
        IShardLog log = CreateStore(segmentBytes: 300).Open("s");
        await log.AppendAsync(Payloads.Sized(1, 100));   // offset 0 @ +0      segment A
        await log.AppendAsync(Payloads.Sized(1, 100));   // offset 1 @ +0      segment A
        Time.AdvanceMs(1000);
        await log.AppendAsync(Payloads.Sized(1, 100));   // offset 2 @ +1000   segment B
        await log.AppendAsync(Payloads.Sized(1, 100));   // offset 3 @ +1000   segment B
        Time.AdvanceMs(1000);
        await log.AppendAsync(Payloads.Sized(1, 100));   // offset 4 @ +2000   segment C
        Time.AdvanceMs(1000);
        await log.AppendAsync(Payloads.Sized(1, 100));   // offset 5 @ +3000   segment C (active)

        await log.TrimAsync(StartMs);                    // nothing is older than the first record
        Assert.Equal(0, log.StartOffset);

        await log.TrimAsync(StartMs + 1500);             // A is entirely older; B's newest (+1000) too
        Assert.Equal(4, log.StartOffset);
        Assert.Equal(6, log.EndOffset);

        LogReadResult fromZero = await log.ReadAsync(0, 100, long.MaxValue);
        Assert.Equal([4L, 5], fromZero.Records.Select(r => r.Offset));
        Assert.Equal(4, log.FindOffsetByTimestamp(0));
        Assert.Equal(4, log.FindOffsetByTimestamp(StartMs + 1000));
        Assert.Equal(5, log.FindOffsetByTimestamp(StartMs + 2500));
    }

    [Fact]
    public async Task Trim_NeverRemovesTheActiveSegment()
    {
        IShardLog log = CreateStore(segmentBytes: 300).Open("s");
        for (int i = 0; i < 5; i++)
        {
            await log.AppendAsync(Payloads.Sized(1, 100));
        }

        Time.AdvanceMs(10_000);
        await log.TrimAsync(Time.NowMs());
        Assert.Equal(4, log.StartOffset);               // the active segment holds offset 4 only
        Assert.Equal(5, log.EndOffset);
        Assert.Single((await log.ReadAsync(0, 100, long.MaxValue)).Records);

        await log.AppendAsync(Payloads.Sized(1, 100));
        Assert.Equal([4L, 5], (await Payloads.ReadAllAsync(log)).Select(r => r.Offset));
    }

    [Fact]
    public async Task Trim_WithOneSegment_RemovesNothing()
    {
        IShardLog log = CreateStore().Open("s");
        await log.AppendAsync(Payloads.Of("a", "b"));
        Time.AdvanceMs(100_000);
        await log.TrimAsync(Time.NowMs());
        Assert.Equal(0, log.StartOffset);
        Assert.Equal(2, (await Payloads.ReadAllAsync(log)).Count);
    }

    [Fact]
    public async Task Trim_EverythingButActive_ThenEmptyActiveAfterRoll()
    {
        IShardLog log = CreateStore(segmentBytes: 200).Open("s");
        await log.AppendAsync(Payloads.Sized(1, 100));   // segment [0]
        await log.AppendAsync(Payloads.Sized(1, 100));   // segment [1] (active)
        Time.AdvanceMs(10);
        await log.TrimAsync(Time.NowMs());
        Assert.Equal(1, log.StartOffset);
        await log.AppendAsync(Payloads.Sized(1, 100));   // segment [2]; [1] sealed
        Time.AdvanceMs(10);
        await log.TrimAsync(Time.NowMs());
        Assert.Equal(2, log.StartOffset);
        LogReadResult r = await log.ReadAsync(0, 10, long.MaxValue);
        Assert.Equal([2L], r.Records.Select(x => x.Offset));
    }

    [Fact]
    public async Task Delete_RemovesLog_AndReopenGivesEmptyLog()
    {
        ILogStore store = CreateStore();
        IShardLog log = store.Open("gone");
        store.Open("kept");
        await log.AppendAsync(Payloads.Of("a"));
        Assert.Equal(["gone", "kept"], store.ListLogs());

        await store.DeleteAsync("gone");
        Assert.Equal(["kept"], store.ListLogs());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.AppendAsync(Payloads.Of("b")));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.ReadAsync(0, 1, 1));

        IShardLog again = store.Open("gone");
        Assert.NotSame(log, again);
        Assert.Equal(0, again.EndOffset);
        Assert.Empty((await again.ReadAsync(0, 10, 100)).Records);
    }

    [Fact]
    public async Task Delete_AbsentLog_IsNoOp()
    {
        ILogStore store = CreateStore();
        await store.DeleteAsync("never-opened");
        Assert.Empty(store.ListLogs());
    }

    [Fact]
    public async Task Delete_FailsPendingWaiters()
    {
        ILogStore store = CreateStore();
        IShardLog log = store.Open("s");
        Task wait = log.WaitForDataAsync(0, CancellationToken.None);
        await store.DeleteAsync("s");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => log.WaitForDataAsync(0, CancellationToken.None));
    }

    [Fact]
    public void ListLogs_IsSortedAndIncludesEmptyOpenLogs()
    {
        ILogStore store = CreateStore();
        Assert.Empty(store.ListLogs());
        store.Open("b");
        store.Open("a");
        store.Open("c-1");
        Assert.Equal(["a", "b", "c-1"], store.ListLogs());
    }

    [Fact]
    public async Task Logs_AreIndependent()
    {
        ILogStore store = CreateStore();
        IShardLog a = store.Open("a");
        IShardLog b = store.Open("b");
        await a.AppendAsync(Payloads.Of("a0", "a1"));
        await b.AppendAsync(Payloads.Of("b0"));
        Assert.Equal(2, a.EndOffset);
        Assert.Equal(1, b.EndOffset);
        Assert.Equal(["b0"], (await Payloads.ReadAllAsync(b)).Select(Payloads.Text));
    }

    [Fact]
    public async Task ConcurrentAppenders_EveryRecordExactlyOnce_InPerAppenderOrder()
    {
        IShardLog log = CreateStore(segmentBytes: 64 * 1024).Open("s");
        const int Appenders = 8;
        const int AppendsEach = 150;
        var results = new List<(int Appender, int Seq, int Count, AppendResult Result)>[Appenders];

        await Task.WhenAll(Enumerable.Range(0, Appenders).Select(a => Task.Run(async () =>
        {
            results[a] = [];
            for (int seq = 0; seq < AppendsEach; seq++)
            {
                int count = 1 + ((a + seq) % 4);
                var batch = new ReadOnlyMemory<byte>[count];
                for (int k = 0; k < count; k++)
                {
                    var bytes = new byte[12 + ((seq * 31) % 200)];
                    BinaryPrimitives.WriteInt32LittleEndian(bytes, a);
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), seq);
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), k);
                    batch[k] = bytes;
                }

                Time.AdvanceMs(seq % 2);
                results[a].Add((a, seq, count, await log.AppendAsync(batch)));
            }
        })));

        int total = results.Sum(list => list.Sum(x => x.Count));
        Assert.Equal(total, log.EndOffset);
        List<LogRecord> all = await Payloads.ReadAllAsync(log);
        Assert.Equal(total, all.Count);

        var seen = new HashSet<(int, int, int)>();
        var lastSeq = new int[Appenders];
        Array.Fill(lastSeq, -1);
        long previousTs = 0;
        for (int i = 0; i < all.Count; i++)
        {
            LogRecord r = all[i];
            Assert.Equal(i, r.Offset);
            Assert.True(r.TimestampMs >= previousTs);
            previousTs = r.TimestampMs;
            ReadOnlySpan<byte> p = r.Payload.Span;
            int a = BinaryPrimitives.ReadInt32LittleEndian(p);
            int seq = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
            int k = BinaryPrimitives.ReadInt32LittleEndian(p[8..]);
            Assert.True(seen.Add((a, seq, k)), $"duplicate {(a, seq, k)}");
            Assert.True(seq >= lastSeq[a], "an appender's records are out of order");
            lastSeq[a] = seq;
        }

        // Each AppendResult points at that batch's records, which are consecutive and share its timestamp.
        foreach ((int a, int seq, int count, AppendResult result) in results.SelectMany(x => x))
        {
            for (int k = 0; k < count; k++)
            {
                LogRecord r = all[(int)result.FirstOffset + k];
                Assert.Equal(a, BinaryPrimitives.ReadInt32LittleEndian(r.Payload.Span));
                Assert.Equal(seq, BinaryPrimitives.ReadInt32LittleEndian(r.Payload.Span[4..]));
                Assert.Equal(k, BinaryPrimitives.ReadInt32LittleEndian(r.Payload.Span[8..]));
                Assert.Equal(result.TimestampMs, r.TimestampMs);
            }
        }
    }

    [Fact]
    public async Task TailingReader_SeesEveryRecordOnce_WhileAppendsRun()
    {
        IShardLog log = CreateStore(segmentBytes: 16 * 1024).Open("s");
        const int Total = 2000;
        Task<List<long>> reader = Task.Run(async () =>
        {
            var offsets = new List<long>();
            long next = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (next < Total)
            {
                await log.WaitForDataAsync(next, timeout.Token);
                LogReadResult r = await log.ReadAsync(next, 37, 5000);
                Assert.NotEmpty(r.Records);
                offsets.AddRange(r.Records.Select(x => x.Offset));
                next = r.NextOffset;
            }

            return offsets;
        });

        for (int i = 0; i < Total; i += 4)
        {
            await log.AppendAsync(Payloads.Sized(4, 50 + (i % 300)));
        }

        List<long> seen = await reader;
        Assert.Equal(Enumerable.Range(0, Total).Select(i => (long)i), seen);
    }
}

public sealed class MemoryLogStoreContractTests : LogStoreContractTests
{
    protected override ILogStore NewStore(long segmentBytes) => new MemoryLogStore(Time) { SegmentBytes = segmentBytes };
}

public sealed class FileLogStoreContractTests : LogStoreContractTests
{
    private readonly TempDirectory _root = new();

    protected override ILogStore NewStore(long segmentBytes) => new FileLogStore(new LogStoreOptions
    {
        Directory = Path.Combine(_root.Path, Guid.NewGuid().ToString("N")),
        SegmentBytes = segmentBytes,
        IndexIntervalBytes = 512, // many index entries even in small tests
        Time = Time,
    });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _root.Dispose();
    }
}
