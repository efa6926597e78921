namespace Eddy.Testing;

/// <summary>How <see cref="EddyServer"/> starts the server process.</summary>
public sealed record EddyServerOptions
{
    /// <summary>Data directory to use. Null: a fresh temporary directory, deleted when the server is disposed.</summary>
    public string? DataDir { get; init; }

    /// <summary>Pass <c>--in-memory</c> (nothing survives a restart).</summary>
    public bool InMemory { get; init; }

    /// <summary>Pass <c>--state-delay-ms N</c> (CREATING→ACTIVE etc.). Null: the server's default.</summary>
    public int? StateDelayMs { get; init; }

    /// <summary>Interface to bind; the port is always 0 (the server picks one and reports it).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Also serve the TLS port (<c>--tls-port 0</c>, Eddy's own certificate in <c>DataDir/tls</c>); its address is
    /// <see cref="EddyServer.TlsEndpoint"/>. False (the default): <c>--no-tls</c>, the cleartext port only.</summary>
    public bool Tls { get; init; }

    /// <summary>Pass <c>--first-bytes-timeout-ms N</c> (how long a silent new connection is kept). Null: the server's default.</summary>
    public int? FirstBytesTimeoutMs { get; init; }

    /// <summary>A command that runs the server (it is given <c>dotnet</c> and the server's arguments and must exec them,
    /// keeping the pid), e.g. <c>unshare</c> to give the server a mount namespace of its own. Empty: none.</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];

    /// <summary>Further arguments appended after the standard ones.</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>Extra environment variables for the server process.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>How long to wait for the "Eddy listening on" line.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Path of eddy.dll. Null: EDDY_DLL, else next to the test assembly, else the Host build output.</summary>
    public string? EddyDllPath { get; init; }
}
