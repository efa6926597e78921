using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Eddy.Streams.Hosting;

/// <summary>Starts the engine when the host starts: loads every stream and recovers (<see cref="StreamEngine.StartAsync"/>).
/// Registered before the loops, so they start on a loaded engine and stop before it is disposed.</summary>
internal sealed class StreamEngineStartup(StreamEngine engine) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => engine.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Carries out deferred state transitions (CREATING → ACTIVE, UPDATING → ACTIVE, DELETING → gone) once the
/// state delay has passed (<see cref="ControlLock.RunTransitionsAsync"/>).</summary>
internal sealed class StateTransitionsLoop(StreamEngine engine) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => engine.Context.Control.RunTransitionsAsync(stoppingToken);
}

/// <summary>Runs a piece of control-plane work every <see cref="Interval"/> under the control lock until stopped; a
/// failed round is logged and the next one runs.</summary>
internal abstract partial class PeriodicEngineLoop(StreamEngine engine) : BackgroundService
{
    protected StreamEngine Engine => engine;

    protected abstract TimeSpan Interval { get; }

    protected abstract Task RunOnceAsync();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var timer = new PeriodicTimer(Interval, engine.Context.Time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await engine.Context.Control.WriteAsync(RunOnceAsync).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRoundFailed(engine.Context.Logger, GetType().Name, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Loop}: a round failed; the next one runs as planned")]
    private static partial void LogRoundFailed(ILogger logger, string loop, Exception exception);
}

/// <summary>The retention sweep every <see cref="EngineOptions.RetentionSweep"/> (<see cref="RetentionSweep"/>).</summary>
internal sealed class RetentionSweepLoop(StreamEngine engine) : PeriodicEngineLoop(engine)
{
    protected override TimeSpan Interval => Engine.Context.Options.RetentionSweep;

    protected override Task RunOnceAsync() => Engine.Sweep.SweepOnceAsync();
}

/// <summary>On-demand scaling every <see cref="EngineOptions.ScalingInterval"/> (<see cref="OnDemandScaling"/>).</summary>
internal sealed class OnDemandScalingLoop(StreamEngine engine) : PeriodicEngineLoop(engine)
{
    protected override TimeSpan Interval => Engine.Context.Options.ScalingInterval;

    protected override Task RunOnceAsync() => Engine.Scaling.ScaleOnceAsync(Interval.TotalSeconds);
}
