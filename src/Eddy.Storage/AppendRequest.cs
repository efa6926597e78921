using System.Threading.Tasks.Sources;

namespace Eddy.Storage;

/// <summary>
/// One queued <see cref="IShardLog.AppendAsync"/> call: the payloads, their encoded size and the awaitable the caller holds.
/// One allocation per append call; completed by the writer with continuations forced onto the thread pool so the writer
/// never runs caller code.
/// </summary>
internal sealed class AppendRequest : IValueTaskSource<AppendResult>
{
    private ManualResetValueTaskSourceCore<AppendResult> _core;

    public AppendRequest(IReadOnlyList<ReadOnlyMemory<byte>> payloads, long encodedBytes)
    {
        Payloads = payloads;
        RecordCount = payloads.Count;
        EncodedBytes = encodedBytes;
        _core.RunContinuationsAsynchronously = true;
    }

    public IReadOnlyList<ReadOnlyMemory<byte>> Payloads { get; }

    /// <summary>Number of payloads when the append was made (the writer encodes exactly these).</summary>
    public int RecordCount { get; }

    /// <summary>Bytes of all this request's frames.</summary>
    public long EncodedBytes { get; }

    public ValueTask<AppendResult> Task => new(this, _core.Version);

    public void Complete(AppendResult result) => _core.SetResult(result);

    public void Fail(Exception error) => _core.SetException(error);

    public AppendResult GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Validates payloads and returns the encoded size of their frames.</summary>
    public static long MeasureAndValidate(IReadOnlyList<ReadOnlyMemory<byte>> payloads)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        int count = payloads.Count;
        if (count == 0)
        {
            throw new ArgumentException("An append needs at least one payload.", nameof(payloads));
        }

        long bytes = 0;
        for (int i = 0; i < count; i++)
        {
            int length = payloads[i].Length;
            if (length > SegmentFormat.MaxPayloadBytes)
            {
                throw new ArgumentException(
                    $"Payload {i} is {length} bytes; the largest record is {SegmentFormat.MaxPayloadBytes} bytes.", nameof(payloads));
            }

            bytes += SegmentFormat.FrameSize(length);
        }

        if (bytes > SegmentFormat.MaxAppendBytes)
        {
            throw new ArgumentException(
                $"The append encodes to {bytes} bytes; one append may hold at most {SegmentFormat.MaxAppendBytes}.", nameof(payloads));
        }

        return bytes;
    }
}
