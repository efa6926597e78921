using Microsoft.Extensions.Logging;

namespace Eddy.Server.Transport;

/// <summary>Log messages of the transport layer (category <c>Eddy.Server.Transport</c>).</summary>
internal static partial class TransportLog
{
    public const string Category = "Eddy.Server.Transport";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cleartext port {EndPoint}: connection {ConnectionId} from {Remote} speaks {Protocol}")]
    public static partial void Routed(ILogger logger, string endPoint, string connectionId, string? remote, string protocol);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Remote} sent no request bytes within {TimeoutMs} ms; closed")]
    public static partial void FirstBytesTimeout(ILogger logger, string connectionId, string? remote, double timeoutMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Remote} closed before its first request")]
    public static partial void ClosedEarly(ILogger logger, string connectionId, string? remote);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Remote} failed before its first request")]
    public static partial void ReadFailed(ILogger logger, Exception exception, string connectionId, string? remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cleartext port {EndPoint}: accepting a connection failed; retrying in {DelayMs} ms")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, string endPoint, int delayMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "TLS connection {ConnectionId} negotiated no ALPN protocol; its first bytes say {Protocol}")]
    public static partial void TlsWithoutAlpn(ILogger logger, string connectionId, string protocol);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created a self-signed TLS certificate for localhost, 127.0.0.1 and ::1 in {Directory} (valid until {NotAfter:yyyy-MM-dd})")]
    public static partial void CertificateCreated(ILogger logger, string directory, DateTime notAfter);
}
