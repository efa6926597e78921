using System.Text;

namespace Eddy.Storage.Tests;

/// <summary>A clock the test moves by hand (only <see cref="GetUtcNow"/> is faked; timers stay real).</summary>
internal sealed class FakeTimeProvider(long startMs) : TimeProvider
{
    private long _nowMs = startMs;

    public long NowMs
    {
        get => Interlocked.Read(ref _nowMs);
        set => Interlocked.Exchange(ref _nowMs, value);
    }

    public void Advance(long ms) => Interlocked.Add(ref _nowMs, ms);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);
}

/// <summary>A fresh directory under the system temp directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "eddy-storage-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

internal static class Payloads
{
    public static ReadOnlyMemory<byte>[] Of(params string[] texts)
        => [.. texts.Select(t => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(t))];

    public static ReadOnlyMemory<byte>[] Sized(int count, int size, byte fill = 0x5A)
    {
        var result = new ReadOnlyMemory<byte>[count];
        for (int i = 0; i < count; i++)
        {
            var bytes = new byte[size];
            Array.Fill(bytes, fill);
            result[i] = bytes;
        }

        return result;
    }

    public static string Text(LogRecord record) => Encoding.UTF8.GetString(record.Payload.Span);

    /// <summary>Reads every visible record from <paramref name="from"/> to the end.</summary>
    public static async Task<List<LogRecord>> ReadAllAsync(IShardLog log, long from = 0)
    {
        var all = new List<LogRecord>();
        long next = from;
        while (true)
        {
            LogReadResult result = await log.ReadAsync(next, 1000, long.MaxValue);
            if (result.Records.Count == 0)
            {
                return all;
            }

            all.AddRange(result.Records);
            next = result.NextOffset;
        }
    }
}
