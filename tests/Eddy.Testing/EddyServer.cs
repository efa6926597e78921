using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Eddy.Testing;

/// <summary>
/// The real Eddy server as a child process (<c>dotnet eddy.dll serve --host 127.0.0.1 --port 0 --data-dir DIR</c>, plus
/// <c>--no-tls</c>, or <c>--tls-port 0</c> with <see cref="EddyServerOptions.Tls"/>), for tests that talk to it over loopback.
/// </summary>
/// <remarks>
/// Threading: the public members are meant to be called from one test at a time; output capture runs on
/// the process's reader threads and is synchronised internally. Every process started here is killed when
/// the test host exits, so a crashed test run leaves no server behind.
/// </remarks>
public sealed class EddyServer : IAsyncDisposable
{
    public const string ReadyPrefix = "Eddy listening on ";

    /// <summary>The last line the server prints when it has started (its data directory, or that it keeps data in memory).</summary>
    public const string DataLinePrefix = "Eddy data";

    private static readonly ConcurrentDictionary<int, Process> s_live = new();
    private static int s_exitHookInstalled;

    private readonly EddyServerOptions _options;
    private readonly bool _ownsDataDir;
    private readonly OutputLog _log = new(4000);
    private Process? _process;
    private Uri? _endpoint;
    private Uri? _tlsEndpoint;
    private bool _disposed;

    private EddyServer(EddyServerOptions options, string dataDir, bool ownsDataDir)
    {
        _options = options;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
    }

    /// <summary>Base URL of the running server, e.g. http://127.0.0.1:41234/. Changes on restart.</summary>
    public Uri Endpoint => _endpoint ?? throw new InvalidOperationException("The server is not running.");

    /// <summary>Base URL of the TLS port, e.g. https://127.0.0.1:41235/ (only with <see cref="EddyServerOptions.Tls"/>).
    /// Changes on restart.</summary>
    public Uri TlsEndpoint => _tlsEndpoint ?? throw new InvalidOperationException(
        _endpoint is null ? "The server is not running." : "The server serves no TLS port; start it with EddyServerOptions.Tls.");

    /// <summary>The port the server reported.</summary>
    public int Port => Endpoint.Port;

    /// <summary>The data directory (kept across restarts).</summary>
    public string DataDir { get; }

    /// <summary>Process id of the current server process, or null when none was started.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>True while the server process is alive.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the server wrote (stdout and stderr, marked), for failure messages.</summary>
    public string Output => _log.Text;

    /// <summary>Starts a server and waits until it reports its address.</summary>
    public static async Task<EddyServer> StartAsync(EddyServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EddyServerOptions();
        var owns = options.DataDir is null;
        var dataDir = options.DataDir ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), "eddy-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDir);
        var server = new EddyServer(options, dataDir, owns);
        try
        {
            await server.LaunchAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>Locates eddy.dll: <paramref name="explicitPath"/>, EDDY_DLL, the test output directory, or src/Eddy.Host/bin.</summary>
    public static string LocateEddyDll(string? explicitPath = null)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return File.Exists(explicitPath) ? System.IO.Path.GetFullPath(explicitPath)
                : throw new FileNotFoundException("eddy.dll not found", explicitPath);
        }

        var fromEnv = Environment.GetEnvironmentVariable("EDDY_DLL");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv))
        {
            return System.IO.Path.GetFullPath(fromEnv);
        }

        var beside = System.IO.Path.Combine(AppContext.BaseDirectory, "eddy.dll");
        if (File.Exists(beside))
        {
            return beside;
        }

        foreach (var config in new[] { "Release", "Debug" })
        {
            var candidate = RepoLayout.Path("src", "Eddy.Host", "bin", config, "net10.0", "eddy.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(
            $"eddy.dll was not found next to the test assembly ({AppContext.BaseDirectory}) nor under src/Eddy.Host/bin; build src/Eddy.Host or set EDDY_DLL.");
    }

    /// <summary>SIGKILL the server (and anything it started). Acknowledged writes must survive this.</summary>
    public void Kill()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
        s_live.TryRemove(process.Id, out _);
        _endpoint = null;
        _tlsEndpoint = null;
    }

    /// <summary>SIGTERM the server and wait for it to exit. Returns the exit code.
    /// If it has not exited within <paramref name="timeout"/> (default 15 s) it is killed and a TimeoutException is thrown.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        var process = _process;
        if (process is null)
        {
            return 0;
        }

        _endpoint = null;
        _tlsEndpoint = null;
        if (!process.HasExited)
        {
            SendSigterm(process);
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
                s_live.TryRemove(process.Id, out _);
                throw new TimeoutException($"Eddy did not exit within {timeout ?? TimeSpan.FromSeconds(15)} of SIGTERM; killed it.{Environment.NewLine}{Output}");
            }
        }

        process.WaitForExit(); // drains the output readers
        s_live.TryRemove(process.Id, out _);
        return process.ExitCode;
    }

    /// <summary>Stops the server (SIGTERM) if it is running, then starts it again on the same data directory.
    /// After <see cref="Kill"/> it just starts it again. The endpoint (port) usually changes.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRunning)
        {
            await StopAsync().ConfigureAwait(false);
        }

        _process?.Dispose();
        _process = null;
        _log.Add("--- restart ---");
        await LaunchAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (IsRunning)
            {
                await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            // already killed by StopAsync
        }
        catch (InvalidOperationException)
        {
            // the process went away meanwhile
        }
        finally
        {
            _process?.Dispose();
            _process = null;
        }

        if (_ownsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public override string ToString() => _endpoint is null ? $"Eddy (stopped, data {DataDir})" : $"Eddy at {_endpoint} (data {DataDir})";

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        InstallExitHook();
        var dll = LocateEddyDll(_options.EddyDllPath);
        var prefix = _options.CommandPrefix;
        var psi = new ProcessStartInfo(prefix.Count > 0 ? prefix[0] : DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = System.IO.Path.GetDirectoryName(dll)!,
        };
        if (prefix.Count > 0)
        {
            foreach (var arg in prefix.Skip(1)) psi.ArgumentList.Add(arg);
            psi.ArgumentList.Add(DotnetHost());
        }
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add("--host");
        psi.ArgumentList.Add(_options.Host);
        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add("0");
        psi.ArgumentList.Add("--data-dir");
        psi.ArgumentList.Add(DataDir);
        if (_options.InMemory)
        {
            psi.ArgumentList.Add("--in-memory");
        }

        if (_options.StateDelayMs is { } delay)
        {
            psi.ArgumentList.Add("--state-delay-ms");
            psi.ArgumentList.Add(delay.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (_options.Tls)
        {
            psi.ArgumentList.Add("--tls-port");
            psi.ArgumentList.Add("0");
        }
        else
        {
            psi.ArgumentList.Add("--no-tls");
        }

        if (_options.FirstBytesTimeoutMs is { } firstBytes)
        {
            psi.ArgumentList.Add("--first-bytes-timeout-ms");
            psi.ArgumentList.Add(firstBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var arg in _options.ExtraArgs)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in _options.Environment)
        {
            psi.Environment[key] = value;
        }

        // Ready once the start-up lines are all printed: the cleartext address (the first line), with TLS the https://
        // address, and last the data line ("Eddy data directory: ..." or "Eddy data: in memory ..."), so a test can
        // read every start-up line from Output as soon as the server is started.
        var ready = new TaskCompletionSource<(Uri Http, Uri? Https)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Uri? http = null;
        Uri? https = null;
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            _log.Add(e.Data);
            var at = e.Data.IndexOf(ReadyPrefix, StringComparison.Ordinal);
            if (at >= 0 && Uri.TryCreate(e.Data[(at + ReadyPrefix.Length)..].Trim(), UriKind.Absolute, out var uri))
            {
                if (uri.Scheme == Uri.UriSchemeHttps)
                {
                    https ??= uri;
                }
                else
                {
                    http ??= uri;
                }
            }
            else if (e.Data.StartsWith(DataLinePrefix, StringComparison.Ordinal) && http is not null && (!_options.Tls || https is not null))
            {
                ready.TrySetResult((http, https));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _log.Add("[stderr] " + e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("exited"));

        _log.Add($"--- {psi.FileName} {string.Join(' ', psi.ArgumentList)}");
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {psi.FileName}.");
        }

        _process = process;
        s_live[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);
        try
        {
            var (httpUri, httpsUri) = await ready.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            _tlsEndpoint = httpsUri is null ? null : new UriBuilder(httpsUri) { Path = "/" }.Uri;
            _endpoint = new UriBuilder(httpUri) { Path = "/" }.Uri;
        }
        catch (InvalidOperationException)
        {
            process.WaitForExit(5_000);
            s_live.TryRemove(process.Id, out _);
            throw new InvalidOperationException(
                $"Eddy exited with code {SafeExitCode(process)} before it was ready.{Environment.NewLine}{Output}");
        }
        catch (OperationCanceledException)
        {
            Kill();
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException(
                $"Eddy did not print '{ReadyPrefix}...' within {_options.StartTimeout.TotalSeconds:0} s.{Environment.NewLine}{Output}");
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.HasExited ? process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "(still running)";
        }
        catch (InvalidOperationException)
        {
            return "(unknown)";
        }
    }

    /// <summary>The dotnet host that runs this test (so the same runtime runs the server), else "dotnet" from PATH.</summary>
    public static string DotnetHost()
    {
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
        {
            return hostPath;
        }

        var self = Environment.ProcessPath;
        if (self is not null && System.IO.Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return "dotnet";
    }

    private static void SendSigterm(Process process)
    {
        if (OperatingSystem.IsWindows())
        {
            process.Kill(entireProcessTree: true);
            return;
        }

        if (NativeMethods.Kill(process.Id, NativeMethods.SIGTERM) != 0 && !process.HasExited)
        {
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static void InstallExitHook()
    {
        if (Interlocked.Exchange(ref s_exitHookInstalled, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in s_live.Values)
            {
                try
                {
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                }
                catch (System.ComponentModel.Win32Exception)
                {
                }
            }
        };
    }

    private sealed class OutputLog(int capacity)
    {
        private readonly Queue<string> _lines = new();
        private readonly Lock _gate = new();

        public void Add(string line)
        {
            lock (_gate)
            {
                _lines.Enqueue(line);
                while (_lines.Count > capacity)
                {
                    _lines.Dequeue();
                }
            }
        }

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return string.Join(Environment.NewLine, _lines);
                }
            }
        }
    }

    private static class NativeMethods
    {
        public const int SIGTERM = 15;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}
