using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Eddy.Server.Transport;

/// <summary>
/// One of the two logical Kestrel endpoints behind a <see cref="CleartextPort"/>: the HTTP/1.1 one or the
/// HTTP/2 (prior knowledge) one. Kestrel binds it through <see cref="CleartextTransportFactory"/>.
/// </summary>
/// <remarks>Both endpoints print as the real socket address (e.g. <c>127.0.0.1:4567</c>), so Kestrel reports
/// the same <c>http://</c> address for both.</remarks>
internal sealed class CleartextEndPoint : EndPoint
{
    public CleartextEndPoint(CleartextPort port, HttpProtocols protocol)
    {
        if (protocol is not (HttpProtocols.Http1 or HttpProtocols.Http2))
        {
            throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "HTTP/1.1 or HTTP/2.");
        }

        Port = port;
        Protocol = protocol;
    }

    public CleartextPort Port { get; }

    /// <summary><see cref="HttpProtocols.Http1"/> or <see cref="HttpProtocols.Http2"/>.</summary>
    public HttpProtocols Protocol { get; }

    public override AddressFamily AddressFamily => Port.Requested.AddressFamily;

    public override string ToString() => (Port.BoundEndPoint ?? Port.Requested).ToString() ?? "";
}
