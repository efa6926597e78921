namespace Eddy.Storage;

/// <summary>
/// Wakes <see cref="IShardLog.WaitForDataAsync"/> waiters. A waiter takes <see cref="GetTask"/> and then re-checks its
/// condition; the publisher changes the condition and then calls <see cref="Set"/>. Both steps are ordered by
/// interlocked operations, so a wake-up cannot be missed. Allocates only when someone is waiting.
/// </summary>
internal sealed class DataSignal
{
    private TaskCompletionSource? _current;
    private Exception? _terminal;

    public Task GetTask()
    {
        TaskCompletionSource? tcs = Volatile.Read(ref _current);
        if (tcs is null)
        {
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            tcs = Interlocked.CompareExchange(ref _current, fresh, null) ?? fresh;
        }

        Exception? terminal = Volatile.Read(ref _terminal);
        if (terminal is not null)
        {
            tcs.TrySetException(terminal);
        }

        return tcs.Task;
    }

    /// <summary>Wakes every current waiter.</summary>
    public void Set() => Interlocked.Exchange(ref _current, null)?.TrySetResult();

    /// <summary>Fails every current and future waiter with <paramref name="error"/>.</summary>
    public void Fail(Exception error)
    {
        // Full fences on both sides (here and the waiter's CompareExchange), so either this sees the waiter's task or the
        // waiter sees the error.
        Interlocked.Exchange(ref _terminal, error);
        Interlocked.Exchange(ref _current, null)?.TrySetException(error);
    }

    /// <summary>
    /// Completes when <paramref name="isReady"/> holds, faults with the terminal error, or is cancelled by
    /// <paramref name="cancellationToken"/>.
    /// </summary>
    public Task WaitAsync(Func<bool> isReady, CancellationToken cancellationToken)
    {
        if (isReady()) return Task.CompletedTask;
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : WaitSlowAsync(isReady, cancellationToken);
    }

    private async Task WaitSlowAsync(Func<bool> isReady, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal = GetTask();
            if (isReady())
            {
                return;
            }

            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
