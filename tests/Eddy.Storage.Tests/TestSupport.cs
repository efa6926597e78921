using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Storage.Tests;

/// <summary>
/// Millisecond helpers over the standard <see cref="FakeTimeProvider"/> the storage tests move by hand. The stores read
/// only <see cref="TimeProvider.GetUtcNow"/> from their clock (no timers), so nothing waits on it.
/// </summary>
internal static class TestClock
{
    /// <summary>A clock standing at <paramref name="unixMs"/>.</summary>
    public static FakeTimeProvider At(long unixMs) => new(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));

    public static long NowMs(this TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();

    public static void AdvanceMs(this FakeTimeProvider time, long ms) => time.Advance(TimeSpan.FromMilliseconds(ms));

    /// <summary>Sets the clock, also backwards (<see cref="FakeTimeProvider.AdjustTime"/>: a wall-clock step).</summary>
    public static void SetNowMs(this FakeTimeProvider time, long unixMs) => time.AdjustTime(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));
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
