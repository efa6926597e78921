using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Eddy.Streams;

/// <summary>
/// The engine's control lock: control-plane actions (create, delete, reshard, tags, consumers, settings, and the reads
/// that enumerate them) run one at a time under it, waiting for it without blocking a thread. It also holds the
/// deferred state transitions (CREATING → ACTIVE, UPDATING → ACTIVE, DELETING → gone) that run under it once
/// <see cref="EngineOptions.StateDelay"/> has passed (<see cref="RunTransitionsAsync"/>, a hosted loop).
/// </summary>
internal sealed partial class ControlLock(EngineOptions options, ILogger logger)
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Channel<(long Enqueued, Func<Task> Transition)> _transitions =
        Channel.CreateUnbounded<(long, Func<Task>)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Runs a read of control-plane state under the lock.</summary>
    public async ValueTask<T> ReadAsync<T>(Func<T> read)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try { return read(); }
        finally { _lock.Release(); }
    }

    public async Task<T> WriteAsync<T>(Func<Task<T>> write)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try { return await write().ConfigureAwait(false); }
        finally { _lock.Release(); }
    }

    public async Task WriteAsync(Func<Task> write)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try { await write().ConfigureAwait(false); }
        finally { _lock.Release(); }
    }

    /// <summary>
    /// Completes an asynchronous state transition. With no state delay it runs now, inside the caller's control-lock
    /// section, so the call that started it returns with it done; otherwise it is queued and runs under the control lock
    /// after <see cref="EngineOptions.StateDelay"/> (<see cref="RunTransitionsAsync"/>). The caller has already written
    /// the state the transition starts from to the catalog, so a stop in between completes it on start.
    /// </summary>
    public Task LaterAsync(Func<Task> transition)
    {
        if (options.StateDelay <= TimeSpan.Zero) return transition();
        _transitions.Writer.TryWrite((options.Time.GetTimestamp(), transition)); // unbounded: always accepted
        return Task.CompletedTask;
    }

    /// <summary>
    /// Carries out queued transitions, each once the state delay has passed since it was queued, in the order queued
    /// (all wait the same delay, so that is also the order they fall due), until <paramref name="stopping"/>. Those left
    /// when it stops are carried out at the next start (they are in the catalog).
    /// </summary>
    public async Task RunTransitionsAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var (enqueued, transition) in _transitions.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                var left = options.StateDelay - options.Time.GetElapsedTime(enqueued);
                if (left > TimeSpan.Zero) await Task.Delay(left, options.Time, stopping).ConfigureAwait(false);
                await _lock.WaitAsync(stopping).ConfigureAwait(false);
                try { await transition().ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogTransitionFailed(logger, e);
                }
                finally { _lock.Release(); }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A delayed state transition failed; it is retried when the server starts again")]
    private static partial void LogTransitionFailed(ILogger logger, Exception exception);
}
