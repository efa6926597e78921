using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eddy.Server.Transport;

/// <summary>
/// Kestrel transport for <see cref="CleartextEndPoint"/>s only (it declines every other endpoint, which Kestrel's
/// socket transport then binds as usual). The real socket is bound once per <see cref="CleartextPort"/> with
/// Kestrel's own socket transport, configured by the application's <see cref="SocketTransportOptions"/>.
/// </summary>
internal sealed class CleartextTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly SocketTransportFactory _sockets;
    private readonly ILogger _logger;

    public CleartextTransportFactory(IOptions<SocketTransportOptions> socketOptions, ILoggerFactory loggerFactory)
    {
        _sockets = new SocketTransportFactory(socketOptions, loggerFactory);
        _logger = loggerFactory.CreateLogger(TransportLog.Category);
    }

    public bool CanBind(EndPoint endpoint) => endpoint is CleartextEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        endpoint is CleartextEndPoint cleartext
            ? cleartext.Port.BindAsync(cleartext, _sockets, _logger, cancellationToken)
            : throw new NotSupportedException($"{nameof(CleartextTransportFactory)} binds only {nameof(CleartextEndPoint)}s, not {endpoint}.");
}
