using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Eddy.Server.Transport;

/// <summary>
/// Eddy's TLS endpoint: Kestrel's HTTPS with HTTP/1.1 and HTTP/2 (ALPN <c>h2</c> and <c>http/1.1</c>), plus two
/// connection middlewares around the handshake.
/// </summary>
/// <remarks>
/// <para>Before the handshake: Kestrel's handshake does not listen to a graceful shutdown, so a client that connects
/// and never says hello would hold the server's shutdown up to the handshake timeout. A connection still in its
/// handshake when the server asks connections to close is aborted.</para>
/// <para>HTTP/1.1 connections (by ALPN or by their first bytes) go through <see cref="HostHeaderRepair"/>.</para>
/// <para>After the handshake, when the client negotiated no ALPN protocol: Kestrel would pick HTTP/1.1, but the Java
/// SDK v2's Netty client (and so the KCL) defaults to <c>ProtocolNegotiation.ASSUME_PROTOCOL</c>, which sends no
/// ALPN extension and starts HTTP/2 right after the handshake. Such a connection's first decrypted bytes are
/// peeked at (nothing is consumed) and, when they are the HTTP/2 preface, <c>h2</c> is reported as the negotiated
/// protocol, which is what Kestrel's protocol selection reads. Connections that negotiated ALPN pass straight
/// through.</para>
/// </remarks>
internal static class TlsEndpoint
{
    private static readonly ITlsApplicationProtocolFeature s_h2 = new Negotiated("h2"u8.ToArray());
    private static readonly object s_handshakeKey = new();

    public static void Configure(ListenOptions listenOptions, X509Certificate2 certificate, TimeSpan firstBytesTimeout, ILogger logger)
    {
        listenOptions.Protocols = HttpProtocols.Http1AndHttp2;
        listenOptions.Use(next => connection => BeforeHandshake(connection, next));
        listenOptions.UseHttps(certificate, https => https.HandshakeTimeout = firstBytesTimeout);
        listenOptions.Use(next => connection => AfterHandshake(connection, next, firstBytesTimeout, logger));
    }

    private static Task BeforeHandshake(ConnectionContext connection, ConnectionDelegate next)
    {
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        return closing.CanBeCanceled ? GuardAsync(connection, next, closing) : next(connection);

        static async Task GuardAsync(ConnectionContext connection, ConnectionDelegate next, CancellationToken closing)
        {
            var handshake = new Handshake(connection);
            connection.Items[s_handshakeKey] = handshake;
            using var registration = closing.UnsafeRegister(static state => ((Handshake)state!).AbortIfUnfinished(), handshake);
            await next(connection).ConfigureAwait(false);
        }
    }

    private static Task AfterHandshake(ConnectionContext connection, ConnectionDelegate next, TimeSpan firstBytesTimeout, ILogger logger)
    {
        if (connection.Items.TryGetValue(s_handshakeKey, out var state) && state is Handshake handshake && !handshake.Finish())
        {
            return Task.CompletedTask; // aborted by a shutdown just now
        }

        var alpn = connection.Features.Get<ITlsApplicationProtocolFeature>();
        if (alpn is null) return next(connection);
        if (alpn.ApplicationProtocol.IsEmpty) return DetectAsync(connection, next, firstBytesTimeout, logger);
        return alpn.ApplicationProtocol.Span.SequenceEqual("h2"u8) ? next(connection) : HostHeaderRepair.RunAsync(connection, next);
    }

    private static async Task DetectAsync(ConnectionContext connection, ConnectionDelegate next, TimeSpan firstBytesTimeout, ILogger logger)
    {
        PrefaceMatch? match;
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(closing, connection.ConnectionClosed))
        {
            timeout.CancelAfter(firstBytesTimeout);
            try
            {
                match = await PrefaceSniffer.DetectAsync(connection.Transport.Input, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // silent for too long, or the server is stopping: returning closes the connection
            }
        }

        if (match is not { } protocol)
        {
            return;
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            TransportLog.TlsWithoutAlpn(logger, connection.ConnectionId, protocol == PrefaceMatch.Http2 ? "HTTP/2" : "HTTP/1.x");
        }

        if (protocol == PrefaceMatch.Http2)
        {
            connection.Features.Set(s_h2);
            await next(connection).ConfigureAwait(false);
        }
        else
        {
            await HostHeaderRepair.RunAsync(connection, next).ConfigureAwait(false);
        }
    }

    /// <summary>A connection's handshake: unfinished, finished, or aborted by a shutdown, whichever comes first.</summary>
    private sealed class Handshake(ConnectionContext connection)
    {
        private const int Unfinished = 0, Finished = 1, Aborted = 2;
        private int _state;

        /// <summary>False when the connection was aborted first.</summary>
        public bool Finish() => Interlocked.CompareExchange(ref _state, Finished, Unfinished) == Unfinished;

        public void AbortIfUnfinished()
        {
            if (Interlocked.CompareExchange(ref _state, Aborted, Unfinished) == Unfinished)
            {
                connection.Abort(new ConnectionAbortedException("The server is stopping; the TLS handshake had not finished."));
            }
        }
    }

    private sealed class Negotiated(ReadOnlyMemory<byte> protocol) : ITlsApplicationProtocolFeature
    {
        public ReadOnlyMemory<byte> ApplicationProtocol => protocol;
    }
}
