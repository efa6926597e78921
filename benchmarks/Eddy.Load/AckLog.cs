using System.Text;

namespace Eddy.Load;

public enum AckStatus : byte
{
    /// <summary>Reserved, not answered yet.</summary>
    Pending = 0,
    /// <summary>The server acknowledged the record (sequence number and shard id).</summary>
    Acked = 1,
    /// <summary>The server answered with a per-record error: it must not be stored.</summary>
    Failed = 2,
    /// <summary>The whole call failed (HTTP error, timeout): the outcome is unknown.</summary>
    Unconfirmed = 3,
}

/// <summary>What is known about one record a writer sent; the index in <see cref="WriterLog"/> is its counter.</summary>
public struct AckEntry
{
    public ulong SequenceHash;
    public int KeyIndex;
    public int ShardIndex;
    public int CallIndex;
    public AckStatus Status;
}

/// <summary>One PutRecords (or PutRecord) call of a writer: when it was sent and when it was answered.</summary>
public readonly record struct CallTimes(long SendTimestamp, long AckTimestamp);

/// <summary>The records one writer sent, indexed by their counter (dense from 0), and its calls.</summary>
public sealed class WriterLog(uint writerId)
{
    private AckEntry[] _entries = new AckEntry[4096];
    private CallTimes[] _calls = new CallTimes[256];

    public uint WriterId { get; } = writerId;

    public long Count { get; private set; }

    public int CallCount { get; private set; }

    public Span<AckEntry> Entries => _entries.AsSpan(0, (int)Count);

    public ReadOnlySpan<CallTimes> Calls => _calls.AsSpan(0, CallCount);

    public ref AckEntry this[long counter] => ref _entries[counter];

    /// <summary>Reserves <paramref name="count"/> consecutive counters for one call; returns the first.</summary>
    public long Reserve(int count, out int callIndex)
    {
        long first = Count;
        if (first + count > _entries.Length)
        {
            Array.Resize(ref _entries, (int)Math.Min(Array.MaxLength, Math.Max(first + count, _entries.Length * 2L)));
        }

        if (CallCount == _calls.Length)
        {
            Array.Resize(ref _calls, _calls.Length * 2);
        }

        callIndex = CallCount++;
        Count = first + count;
        return first;
    }

    public void SetCall(int callIndex, long send, long ack) => _calls[callIndex] = new CallTimes(send, ack);

    internal void Load(AckEntry[] entries, CallTimes[] calls)
    {
        _entries = entries;
        _calls = calls;
        Count = entries.Length;
        CallCount = calls.Length;
    }
}

/// <summary>Everything a read-back needs to verify a put run; can be saved to and loaded from a file.</summary>
public sealed class PutManifest
{
    private static readonly byte[] s_fileMagic = "EDDYMAN1"u8.ToArray();

    public required string StreamName { get; init; }

    public required int RecordSize { get; init; }

    public required IReadOnlyList<WriterLog> Writers { get; init; }

    public long AckedCount
    {
        get
        {
            long n = 0;
            foreach (WriterLog w in Writers)
            {
                foreach (ref readonly AckEntry e in w.Entries)
                {
                    if (e.Status == AckStatus.Acked)
                    {
                        n++;
                    }
                }
            }

            return n;
        }
    }

    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        w.Write(s_fileMagic);
        w.Write(StreamName);
        w.Write(RecordSize);
        w.Write(Writers.Count);
        foreach (WriterLog log in Writers)
        {
            w.Write(log.WriterId);
            w.Write(log.Count);
            w.Write(log.CallCount);
            foreach (ref readonly AckEntry e in log.Entries)
            {
                w.Write(e.SequenceHash);
                w.Write(e.KeyIndex);
                w.Write(e.ShardIndex);
                w.Write(e.CallIndex);
                w.Write((byte)e.Status);
            }

            foreach (CallTimes c in log.Calls)
            {
                w.Write(c.SendTimestamp);
                w.Write(c.AckTimestamp);
            }
        }
    }

    public static PutManifest Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        if (!r.ReadBytes(s_fileMagic.Length).AsSpan().SequenceEqual(s_fileMagic))
        {
            throw new InvalidDataException($"{path} is not a manifest written by 'put --manifest'");
        }

        string streamName = r.ReadString();
        int recordSize = r.ReadInt32();
        int writers = r.ReadInt32();
        var logs = new List<WriterLog>(writers);
        for (int i = 0; i < writers; i++)
        {
            var log = new WriterLog(r.ReadUInt32());
            long count = r.ReadInt64();
            int calls = r.ReadInt32();
            var entries = new AckEntry[count];
            for (long j = 0; j < count; j++)
            {
                entries[j] = new AckEntry
                {
                    SequenceHash = r.ReadUInt64(),
                    KeyIndex = r.ReadInt32(),
                    ShardIndex = r.ReadInt32(),
                    CallIndex = r.ReadInt32(),
                    Status = (AckStatus)r.ReadByte(),
                };
            }

            var times = new CallTimes[calls];
            for (int j = 0; j < calls; j++)
            {
                times[j] = new CallTimes(r.ReadInt64(), r.ReadInt64());
            }

            log.Load(entries, times);
            logs.Add(log);
        }

        return new PutManifest { StreamName = streamName, RecordSize = recordSize, Writers = logs };
    }
}
