using System.Diagnostics;
using System.Text;

namespace Eddy.Testing;

/// <summary>Result of one external command.</summary>
public sealed record ToolResult(string Command, int ExitCode, string StdOut, string StdErr, TimeSpan Duration, bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>Everything a failure message needs: the command line, exit code, time and both streams.</summary>
    public string Describe(int maxChars = 20_000)
    {
        var text = new StringBuilder()
            .Append("$ ").AppendLine(Command)
            .Append("exit ").Append(TimedOut ? "(timed out)" : ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Append(" after ").Append(Duration.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)).AppendLine(" s")
            .AppendLine("--- stdout ---").AppendLine(Tail(StdOut, maxChars / 2))
            .AppendLine("--- stderr ---").AppendLine(Tail(StdErr, maxChars / 2));
        return text.ToString();
    }

    private static string Tail(string s, int max) => s.Length <= max ? s : "..." + s[^max..];
}

/// <summary>Options for <see cref="ToolRunner.RunAsync"/>.</summary>
public sealed record ToolRunOptions
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables added to (or, with a null value, removed from) the default environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Text written to the command's standard input (then closed). Null: stdin is closed at once.</summary>
    public string? StandardInput { get; init; }

    /// <summary>Called with each output line as it arrives (stdout lines as-is, stderr lines prefixed "[stderr] ").</summary>
    public Action<string>? OnLine { get; init; }
}

/// <summary>Runs an external command (aws, python3, node, npm) with the environment the compatibility tests use.</summary>
public static class ToolRunner
{
    /// <summary>The environment every command gets: dummy credentials, us-east-1, no pager, no IMDS, no user
    /// config files, unbuffered Python without bytecode files.</summary>
    public static IReadOnlyDictionary<string, string?> DefaultEnvironment { get; } = new Dictionary<string, string?>
    {
        ["AWS_ACCESS_KEY_ID"] = "test",
        ["AWS_SECRET_ACCESS_KEY"] = "test",
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_PROFILE"] = null,
        ["AWS_DEFAULT_PROFILE"] = null,
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_REGION"] = "us-east-1",
        ["AWS_DEFAULT_OUTPUT"] = "json",
        ["AWS_PAGER"] = "",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_CONFIG_FILE"] = "/nonexistent/eddy-tests/aws-config",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/eddy-tests/aws-credentials",
        ["AWS_ENDPOINT_URL"] = null,
        ["AWS_ENDPOINT_URL_KINESIS"] = null,
        ["AWS_CA_BUNDLE"] = null,
        ["PYTHONUNBUFFERED"] = "1",
        ["PYTHONDONTWRITEBYTECODE"] = "1",
        ["PYTHONWARNINGS"] = "ignore",
        ["NODE_NO_WARNINGS"] = "1",
        ["NO_COLOR"] = "1",
    };

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="args"/>; never throws for a non-zero exit.
    /// On timeout the whole process tree is killed and <see cref="ToolResult.TimedOut"/> is set.</summary>
    public static async Task<ToolResult> RunAsync(string fileName, IEnumerable<string> args, ToolRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ToolRunOptions();
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? Directory.GetCurrentDirectory(),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in DefaultEnvironment.Concat(options.Environment))
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        var command = fileName + " " + string.Join(' ', psi.ArgumentList.Select(Quote));
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var gate = new Lock();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (gate)
            {
                stdout.AppendLine(e.Data);
            }

            options.OnLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (gate)
            {
                stderr.AppendLine(e.Data);
            }

            options.OnLine?.Invoke("[stderr] " + e.Data);
        };

        var watch = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new ToolResult(command, 127, "", $"could not start {fileName}: {ex.Message}", watch.Elapsed, false);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (options.StandardInput is not null)
            {
                await process.StandardInput.WriteAsync(options.StandardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the command did not read its input
        }

        var timedOut = false;
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            cts.CancelAfter(options.Timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                timedOut = !cancellationToken.IsCancellationRequested;
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }

                process.WaitForExit(10_000);
                if (!timedOut)
                {
                    throw;
                }
            }
        }

        process.WaitForExit(); // flush the asynchronous readers
        string outText;
        string errText;
        lock (gate)
        {
            outText = stdout.ToString();
            errText = stderr.ToString();
        }

        return new ToolResult(command, timedOut ? -1 : process.ExitCode, outText, errText, watch.Elapsed, timedOut);
    }

    /// <summary>Full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Which(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(name) ? name : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./:=@,+%".Contains(c, StringComparison.Ordinal))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
