using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eddy.Server.Transport;

/// <summary>
/// One real TCP port that serves HTTP/1.1 and prior-knowledge HTTP/2 (h2c) side by side.
/// </summary>
/// <remarks>
/// <para>Kestrel on its own serves HTTP/1.1 only on a cleartext endpoint that allows both (it has no ALPN to go
/// by), so Eddy binds two logical Kestrel endpoints, <see cref="Http1"/> (HTTP/1.1 only) and <see cref="Http2"/>
/// (HTTP/2 only), to this one socket. The socket is bound with Kestrel's socket transport; each accepted
/// connection's first bytes are compared with the 24-byte HTTP/2 client preface as they arrive, without
/// consuming them, and the connection is handed to the endpoint that speaks its protocol. Kestrel then reads the
/// same bytes from the same pipe: the peek costs one read per connection and nothing per request.</para>
/// <para>The peek is an asynchronous read with a timeout (no thread waits): a connection that sends nothing
/// within <see cref="FirstBytesTimeout"/> is closed. The first byte that differs from the preface decides
/// HTTP/1.1 at once, so an HTTP/1.1 client that sends a few bytes and pauses is served normally.</para>
/// <para>Lifetime: Kestrel binds both endpoints at start; the socket is bound by the first. When both are
/// unbound (shutdown) the socket stops accepting and connections still being peeked at are closed; when both
/// are disposed the socket is disposed. A port is bound once and cannot be bound again after it stopped.</para>
/// </remarks>
internal sealed class CleartextPort
{
    private readonly Channel<ConnectionContext> _http1 = NewQueue();
    private readonly Channel<ConnectionContext> _http2 = NewQueue();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnectionListener? _socket;
    private Task _acceptLoop = Task.CompletedTask;
    private ILogger _logger = NullLogger.Instance;
    private string _name;
    private bool _http1Bound;
    private bool _http2Bound;
    private int _open;
    private int _undisposed;
    private volatile bool _unbinding;

    // Connections being peeked at, plus one while the accept loop runs; zero means everything is handed over.
    private int _inFlight = 1;

    public CleartextPort(IPEndPoint endPoint, TimeSpan firstBytesTimeout)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(firstBytesTimeout, TimeSpan.Zero);
        Requested = endPoint;
        FirstBytesTimeout = firstBytesTimeout;
        _name = endPoint.ToString();
        Http1 = new CleartextEndPoint(this, HttpProtocols.Http1);
        Http2 = new CleartextEndPoint(this, HttpProtocols.Http2);
    }

    /// <summary>The address asked for (port 0: any free port).</summary>
    public IPEndPoint Requested { get; }

    /// <summary>The address the socket is bound to, once bound.</summary>
    public EndPoint? BoundEndPoint { get; private set; }

    /// <summary>How long a new connection may take to send the bytes that decide its protocol.</summary>
    public TimeSpan FirstBytesTimeout { get; }

    /// <summary>The logical HTTP/1.1 endpoint; give it to Kestrel with <see cref="HttpProtocols.Http1"/>.</summary>
    public CleartextEndPoint Http1 { get; }

    /// <summary>The logical HTTP/2 endpoint; give it to Kestrel with <see cref="HttpProtocols.Http2"/>.</summary>
    public CleartextEndPoint Http2 { get; }

    internal async ValueTask<IConnectionListener> BindAsync(CleartextEndPoint endPoint, IConnectionListenerFactory sockets, ILogger logger, CancellationToken cancellationToken)
    {
        if (endPoint.Port != this)
        {
            throw new ArgumentException("The endpoint belongs to another port.", nameof(endPoint));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_unbinding, this);
            var http2 = endPoint.Protocol == HttpProtocols.Http2;
            if (http2 ? _http2Bound : _http1Bound)
            {
                throw new InvalidOperationException($"The {endPoint.Protocol} endpoint of {_name} is already bound.");
            }

            if (_socket is null)
            {
                _logger = logger;
                _socket = await sockets.BindAsync(Requested, cancellationToken).ConfigureAwait(false);
                BoundEndPoint = _socket.EndPoint;
                _name = BoundEndPoint.ToString() ?? _name;
                _acceptLoop = AcceptLoopAsync(_socket);
            }

            if (http2)
            {
                _http2Bound = true;
            }
            else
            {
                _http1Bound = true;
            }

            _open++;
            _undisposed++;
            return new Listener(this, endPoint, http2 ? _http2 : _http1);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task AcceptLoopAsync(IConnectionListener socket)
    {
        await Task.Yield(); // the binder goes on at once; the loop runs on the thread pool
        var retryMs = 10;
        while (true)
        {
            ConnectionContext? connection;
            try
            {
                // Unbinding makes this return null.
                connection = await socket.AcceptAsync().ConfigureAwait(false);
                retryMs = 10;
            }
            catch (Exception e)
            {
                if (_unbinding)
                {
                    return;
                }

                // e.g. EMFILE: keep the port alive and try again a little later.
                TransportLog.AcceptFailed(_logger, e, _name, retryMs);
                await Task.Delay(retryMs).ConfigureAwait(false);
                retryMs = Math.Min(retryMs * 2, 1000);
                continue;
            }

            if (connection is null)
            {
                return;
            }

            Interlocked.Increment(ref _inFlight);
            _ = RouteAsync(connection);
        }
    }

    private async Task RouteAsync(ConnectionContext connection)
    {
        try
        {
            PrefaceMatch? match = null;
            var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            try
            {
                timeout.CancelAfter(FirstBytesTimeout);
                match = await PrefaceSniffer.DetectAsync(connection.Transport.Input, timeout.Token).ConfigureAwait(false);
                if (match is null && _logger.IsEnabled(LogLevel.Debug))
                {
                    TransportLog.ClosedEarly(_logger, connection.ConnectionId, connection.RemoteEndPoint?.ToString());
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                if (!_stopping.IsCancellationRequested && _logger.IsEnabled(LogLevel.Debug))
                {
                    TransportLog.FirstBytesTimeout(_logger, connection.ConnectionId, connection.RemoteEndPoint?.ToString(), FirstBytesTimeout.TotalMilliseconds);
                }
            }
            catch (Exception e)
            {
                // reset by the peer, or anything else: the connection is closed below
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    TransportLog.ReadFailed(_logger, e, connection.ConnectionId, connection.RemoteEndPoint?.ToString());
                }
            }
            finally
            {
                timeout.Dispose();
            }

            if (match is { } protocol && (protocol == PrefaceMatch.Http2 ? _http2 : _http1).Writer.TryWrite(connection))
            {
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    TransportLog.Routed(_logger, _name, connection.ConnectionId, connection.RemoteEndPoint?.ToString(), protocol == PrefaceMatch.Http2 ? "HTTP/2" : "HTTP/1.x");
                }

                return;
            }

            await CloseAsync(connection).ConfigureAwait(false);
        }
        finally
        {
            if (Interlocked.Decrement(ref _inFlight) == 0)
            {
                _drained.TrySetResult();
            }
        }
    }

    private async ValueTask UnbindAsync(Channel<ConnectionContext> queue)
    {
        // Connections already routed stay readable: Kestrel accepts them until the queue is empty.
        queue.Writer.TryComplete();
        IConnectionListener? socket;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (--_open > 0)
            {
                return;
            }

            _unbinding = true;
            socket = _socket;
        }
        finally
        {
            _gate.Release();
        }

        if (socket is null)
        {
            return;
        }

        await socket.UnbindAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
        _stopping.Cancel(); // connections still being peeked at are closed now
        if (Interlocked.Decrement(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }

        await _drained.Task.ConfigureAwait(false);
    }

    private async ValueTask DisposeListenerAsync(Channel<ConnectionContext> queue)
    {
        while (queue.Reader.TryRead(out var leftover))
        {
            await CloseAsync(leftover).ConfigureAwait(false);
        }

        IConnectionListener? socket;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (--_undisposed > 0)
            {
                return;
            }

            socket = _socket;
        }
        finally
        {
            _gate.Release();
        }

        if (socket is not null)
        {
            await socket.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async ValueTask CloseAsync(ConnectionContext connection)
    {
        try
        {
            // Disposing completes the transport: the socket is shut down gracefully (FIN, not RST).
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // already gone; nothing else to release
        }
    }

    private static Channel<ConnectionContext> NewQueue() =>
        Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    /// <summary>What Kestrel sees for one logical endpoint: the connections routed to its protocol.</summary>
    private sealed class Listener(CleartextPort port, CleartextEndPoint endPoint, Channel<ConnectionContext> queue) : IConnectionListener
    {
        private int _unbound;
        private int _disposed;

        public EndPoint EndPoint => endPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            var reader = queue.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.TryRead(out var connection))
                {
                    return connection;
                }
            }

            return null; // unbound and drained
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) =>
            Interlocked.Exchange(ref _unbound, 1) == 0 ? port.UnbindAsync(queue) : ValueTask.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            await UnbindAsync().ConfigureAwait(false);
            await port.DisposeListenerAsync(queue).ConfigureAwait(false);
        }
    }
}
