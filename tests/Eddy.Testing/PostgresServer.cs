using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Eddy.Testing;

/// <summary>
/// A real PostgreSQL server for tests: Debian's binaries (<c>/usr/lib/postgresql/&lt;version&gt;/bin</c>, the newest),
/// <c>initdb</c> into a new temporary directory, <c>postgres</c> on 127.0.0.1 at a free port (password authentication
/// over TCP, superuser <see cref="User"/> / <see cref="Password"/>), stopped and its directory deleted by
/// <see cref="DisposeAsync"/>. initdb refuses to run as root, so as root the server runs as the <c>postgres</c> user
/// (<c>runuser -u postgres --</c>) in a directory chowned to it; as anyone else, directly.
/// </summary>
/// <remarks>Use one per test class (<c>IClassFixture</c>) and a database per test (<see cref="CreateDatabaseAsync"/>).
/// Thread-safe after <see cref="InitializeAsync"/>. Fails the test with the tools' output when PostgreSQL cannot start
/// (install Debian's <c>postgresql</c> package; test.sh does).</remarks>
public sealed class PostgresServer : Xunit.IAsyncLifetime
{
    private const string SuperPassword = "eddy-pg-secret";
    private string _directory = "";
    private string _bin = "";
    private bool _asPostgres;
    private int _databases;

    /// <summary>The superuser the server was made with.</summary>
    public string User => "eddy";

    /// <summary>The superuser's password.</summary>
    public string Password => SuperPassword;

    public string Host => "127.0.0.1";

    /// <summary>The TCP port, chosen free at start.</summary>
    public int Port { get; private set; }

    /// <summary>Npgsql's connection string for <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database) =>
        $"Host={Host};Port={Port};Database={database};Username={User};Password={Password};Pooling=false;Timeout=15";

    /// <summary>Firehose's <c>ClusterJDBCURL</c> for <paramref name="database"/>.</summary>
    public string JdbcUrl(string database) => $"jdbc:postgresql://{Host}:{Port}/{database}";

    public async Task InitializeAsync()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")).FirstOrDefault() ?? ""
            : "";
        if (_bin.Length == 0)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql");
        }
        _asPostgres = Environment.UserName == "root";
        _directory = Path.Combine(Path.GetTempPath(), "eddy-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_directory);
        var passwordFile = Path.Combine(_directory, "pw");
        await File.WriteAllTextAsync(passwordFile, SuperPassword + "\n");
        if (_asPostgres)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", _directory], asPostgres: false);
        }
        await RunAsync(Path.Combine(_bin, "initdb"), ["-D", Data, "-U", User, "--pwfile=" + passwordFile, "--auth-host=scram-sha-256",
            "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], _asPostgres);
        Port = FreePort();
        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "-o",
            $"-p {Port} -c listen_addresses=127.0.0.1 -k {_directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start"], _asPostgres);
    }

    public async Task DisposeAsync()
    {
        if (_directory.Length == 0)
        {
            return;
        }
        try
        {
            if (File.Exists(Path.Combine(Data, "postmaster.pid")))
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "-t", "60", "stop"], _asPostgres);
            }
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private string Data => Path.Combine(_directory, "data");

    /// <summary>A new, empty database; returns its name.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "db" + Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture);
        await ExecuteAsync("postgres", $"CREATE DATABASE {name}");
        return name;
    }

    /// <summary>Runs statements (separated by <c>;</c>) in <paramref name="database"/>.</summary>
    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The rows of a query, each value as text (<c>null</c> for SQL NULL), in the query's order.</summary>
    public async Task<IReadOnlyList<string?[]>> QueryAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string?[]>();
        while (await reader.ReadAsync())
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture);
            }
            rows.Add(row);
        }
        return rows;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string[] arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres)
        {
            foreach (var a in (string[])["-u", "postgres", "--", file])
            {
                start.ArgumentList.Add(a);
            }
        }
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }
}
