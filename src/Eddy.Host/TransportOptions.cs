using System.CommandLine;
using Eddy.Server;
using Eddy.Server.Transport;

namespace Eddy.Host;

/// <summary>The transport options of <c>eddy serve</c>: the TLS listener, its certificate and the first-bytes timeout.</summary>
internal sealed class TransportOptions
{
    private readonly Option<int?> _tlsPort = new("--tls-port")
    {
        Description = "TLS port (HTTP/1.1 and HTTP/2, chosen by ALPN). Default: --port + 1 (4568), or a free port when --port is 0.",
    };

    private readonly Option<bool> _noTls = new("--no-tls") { Description = "Serve no TLS port." };

    private readonly Option<string?> _tlsCert = new("--tls-cert")
    {
        Description = "Certificate of the TLS port: PKCS#12 (.pfx/.p12) or PEM. Default: Eddy's own self-signed certificate, created on first start in <data-dir>/tls (with --in-memory: in the user's data directory).",
    };

    private readonly Option<string?> _tlsKey = new("--tls-key") { Description = "PEM private key for a PEM --tls-cert that does not contain it." };

    private readonly Option<string?> _tlsPassword = new("--tls-cert-password") { Description = "Password of --tls-cert (PKCS#12) or of its encrypted PEM key." };

    private readonly Option<int> _firstBytesTimeout = new("--first-bytes-timeout-ms")
    {
        Description = "How long a new connection may stay silent before it is closed (the cleartext port reads the first bytes to tell HTTP/1.1 from HTTP/2; the TLS port's handshake gets as long).",
        DefaultValueFactory = _ => 10_000,
    };

    public TransportOptions()
    {
        _tlsPort.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 0 or > 65535)
            {
                r.AddError("--tls-port must be between 0 and 65535.");
            }
        });
        _firstBytesTimeout.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() <= 0)
            {
                r.AddError("--first-bytes-timeout-ms must be positive.");
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_tlsPort);
        command.Options.Add(_noTls);
        command.Options.Add(_tlsCert);
        command.Options.Add(_tlsKey);
        command.Options.Add(_tlsPassword);
        command.Options.Add(_firstBytesTimeout);
    }

    /// <summary><paramref name="options"/> with the transport settings of the command line.</summary>
    public ServerOptions Apply(ParseResult parse, ServerOptions options, string dataDirectory, bool inMemory)
    {
        int? tlsPort = null;
        if (!parse.GetValue(_noTls))
        {
            // The default follows --port so that servers on different ports never collide on the TLS one.
            tlsPort = parse.GetValue(_tlsPort) ?? (options.Port is 0 or 65535 ? 0 : options.Port + 1);
        }

        return options with
        {
            TlsPort = tlsPort,
            TlsCertificatePath = parse.GetValue(_tlsCert) is { } cert ? Path.GetFullPath(cert) : null,
            TlsKeyPath = parse.GetValue(_tlsKey) is { } key ? Path.GetFullPath(key) : null,
            TlsCertificatePassword = parse.GetValue(_tlsPassword),
            TlsDirectory = ServerCertificate.DirectoryFor(dataDirectory, inMemory),
            FirstBytesTimeout = TimeSpan.FromMilliseconds(parse.GetValue(_firstBytesTimeout)),
        };
    }
}
