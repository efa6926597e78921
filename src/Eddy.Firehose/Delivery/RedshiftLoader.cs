using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Eddy.Core.Objects;
using Npgsql;

namespace Eddy.Firehose.Delivery;

/// <summary>A column of the target table: its name as stored, and whether it is of a character type (Redshift loads an
/// empty or blank field into any other type as NULL).</summary>
internal sealed record RedshiftColumn(string Name, bool IsText);

/// <summary>
/// Runs the translated COPY of one manifest into PostgreSQL: reads the manifest and the objects it lists back from the
/// bucket store, parses them as the <see cref="CopyOptions"/> say (<see cref="RedshiftRows"/>) and streams the rows with
/// Npgsql's <c>COPY ... FROM STDIN</c>, all in one transaction (every row of the manifest or none).
/// </summary>
/// <remarks>
/// <para><b>Exactly once.</b> The transaction also records the manifest's key in a bookkeeping table of the target
/// database, <c>eddy_firehose_loads</c> (created on first use in the default schema); a manifest already recorded is not
/// loaded again, so a flush redone after a crash between the commit and the delivery checkpoint adds no rows.</para>
/// <para><b>Threading.</b> Thread-safe: one pooled <see cref="NpgsqlDataSource"/> per connection string, kept for the
/// process's life; each load takes its own connection.</para>
/// <para><b>Failure.</b> Everything but cancellation becomes a <see cref="RedshiftLoadException"/> with Firehose's
/// <c>Redshift.*</c> error code (<see cref="RedshiftLoadException.Classify"/>); the transaction is rolled back.</para>
/// </remarks>
internal static class RedshiftLoader
{
    /// <summary>The bookkeeping table of loaded manifests.</summary>
    public const string LoadsTable = "eddy_firehose_loads";

    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> s_sources = new(StringComparer.Ordinal);

    /// <summary>Loads the objects of the manifest at <paramref name="manifestKey"/>; returns the rows loaded (0 when the
    /// manifest was loaded before).</summary>
    public static async Task<long> LoadAsync(IObjectStore objects, RedshiftConfiguration config, string bucket, string manifestKey, CancellationToken cancellationToken)
    {
        try
        {
            var source = s_sources.GetOrAdd(config.ConnectionString, static cs => NpgsqlDataSource.Create(cs));
            await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await EnsureLoadsTableAsync(connection, cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var seen = new NpgsqlCommand($"SELECT 1 FROM {LoadsTable} WHERE manifest = $1 FOR UPDATE", connection, transaction))
            {
                seen.Parameters.Add(new NpgsqlParameter { Value = $"s3://{bucket}/{manifestKey}" });
                if (await seen.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
                {
                    return 0;
                }
            }
            var columns = await ColumnsAsync(connection, transaction, config, cancellationToken).ConfigureAwait(false);
            var sql = $"COPY {config.Table} ({string.Join(", ", columns.Select(c => RedshiftConfiguration.Quote(c.Name)))}) FROM STDIN (FORMAT csv)";
            long rows = 0;
            foreach (var url in await ManifestAsync(objects, bucket, manifestKey, cancellationToken).ConfigureAwait(false))
            {
                var content = await ReadObjectAsync(objects, url, config.Copy.Gzip, cancellationToken).ConfigureAwait(false);
                var writer = await connection.BeginTextImportAsync(sql, cancellationToken).ConfigureAwait(false);
                await using (writer.ConfigureAwait(false))
                {
                    var line = new StringBuilder();
                    foreach (var row in RedshiftRows.Read(content, config.Copy, columns))
                    {
                        line.Clear();
                        for (var i = 0; i < row.Length; i++)
                        {
                            if (i > 0)
                            {
                                line.Append(',');
                            }
                            if (RedshiftRows.Apply(row[i], i < columns.Count ? columns[i] : null, config.Copy) is { } value)
                            {
                                line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
                            }
                        }
                        line.Append('\n');
                        await writer.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                        rows++;
                    }
                }
            }
            await using (var done = new NpgsqlCommand($"INSERT INTO {LoadsTable} (manifest) VALUES ($1)", connection, transaction))
            {
                done.Parameters.Add(new NpgsqlParameter { Value = $"s3://{bucket}/{manifestKey}" });
                await done.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return rows;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw RedshiftLoadException.Classify(e);
        }
    }

    private static async Task EnsureLoadsTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var create = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {LoadsTable} (manifest text PRIMARY KEY, loaded_at timestamptz NOT NULL DEFAULT now())", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // another delivery stream created it at the same moment
        }
    }

    /// <summary>The columns the COPY fills: <c>DataTableColumns</c>, else every column of the table in order. A table
    /// that does not exist is PostgreSQL's undefined_table (Redshift.TableNotFound); a listed column the table lacks stays
    /// in the list so that the COPY fails with undefined_column (Redshift.ColumnNotFound).</summary>
    private static async Task<IReadOnlyList<RedshiftColumn>> ColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RedshiftConfiguration config, CancellationToken cancellationToken)
    {
        var table = new List<RedshiftColumn>();
        await using (var command = new NpgsqlCommand(
            "SELECT a.attname, t.typcategory = 'S' FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid " +
            "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = config.Table });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                table.Add(new RedshiftColumn(reader.GetString(0), reader.GetBoolean(1)));
            }
        }
        if (config.Columns is not { } listed)
        {
            return table;
        }
        return [.. listed.Select(quoted => Unquote(quoted)).Select(name => table.Find(c => c.Name == name) ?? new RedshiftColumn(name, true))];
    }

    private static string Unquote(string quoted) => quoted[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);

    /// <summary>The <c>url</c>s of a manifest (<c>{"entries":[{"url":"s3://bucket/key","mandatory":true}]}</c>).</summary>
    private static async Task<List<string>> ManifestAsync(IObjectStore objects, string bucket, string key, CancellationToken cancellationToken)
    {
        var bytes = await ReadAsync(objects, bucket, key, cancellationToken).ConfigureAwait(false)
            ?? throw new RedshiftLoadException(RedshiftLoadException.MissingS3File, $"The manifest s3://{bucket}/{key} does not exist.");
        using var manifest = JsonDocument.Parse(bytes);
        return [.. manifest.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("url").GetString()!)];
    }

    private static async Task<byte[]> ReadObjectAsync(IObjectStore objects, string url, bool gzip, CancellationToken cancellationToken)
    {
        var path = url.StartsWith("s3://", StringComparison.Ordinal) ? url[5..] : url;
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bytes = slash <= 0 ? null : await ReadAsync(objects, path[..slash], path[(slash + 1)..], cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            throw new RedshiftLoadException(RedshiftLoadException.MissingS3File, $"The S3 file {url} listed in the manifest does not exist.");
        }
        if (!gzip)
        {
            return bytes;
        }
        try
        {
            await using var unzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            await unzip.CopyToAsync(plain, cancellationToken).ConfigureAwait(false);
            return plain.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new RedshiftLoadException(RedshiftLoadException.DataLoadFailed, $"GZIP was given but {url} is not gzip data: {e.Message}");
        }
    }

    private static async Task<byte[]?> ReadAsync(IObjectStore objects, string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            var content = await objects.GetObjectAsync(bucket, key, null, cancellationToken).ConfigureAwait(false);
            if (content is null)
            {
                return null;
            }
            await using (content.ConfigureAwait(false))
            {
                using var copy = new MemoryStream();
                await content.Content.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                return copy.ToArray();
            }
        }
        catch (ObjectStoreException)
        {
            return null;
        }
    }
}

/// <summary>A failed COPY with Firehose's error code for it (shared/specs/firehose.md §8).</summary>
internal sealed class RedshiftLoadException(string errorCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public const string TableNotFound = "Redshift.TableNotFound";
    public const string ColumnNotFound = "Redshift.ColumnNotFound";
    public const string ConnectionFailed = "Redshift.ConnectionFailed";
    public const string DataLoadFailed = "Redshift.DataLoadFailed";
    public const string AuthenticationFailed = "Redshift.AuthenticationFailed";
    public const string DatabaseNotFound = "Redshift.DatabaseNotFound";
    public const string InsufficientPrivilege = "Redshift.InsufficientPrivilege";
    public const string SyntaxError = "Redshift.SyntaxError";
    public const string ReadOnlyCluster = "Redshift.ReadOnlyCluster";
    public const string DiskFull = "Redshift.DiskFull";
    public const string MissingS3File = "Redshift.MissingS3File";
    public const string InternalError = "InternalError";

    /// <summary>e.g. <c>Redshift.TableNotFound</c>.</summary>
    public string ErrorCode { get; } = errorCode;

    /// <summary>The error code of a failure of Npgsql, PostgreSQL or the bucket store.</summary>
    public static RedshiftLoadException Classify(Exception e)
    {
        if (e is RedshiftLoadException known)
        {
            return known;
        }
        var code = e switch
        {
            PostgresException p => p.SqlState switch
            {
                PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName => TableNotFound,
                PostgresErrorCodes.UndefinedColumn => ColumnNotFound,
                PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification => AuthenticationFailed,
                PostgresErrorCodes.InvalidCatalogName => DatabaseNotFound,
                PostgresErrorCodes.InsufficientPrivilege => InsufficientPrivilege,
                PostgresErrorCodes.SyntaxError => SyntaxError,
                PostgresErrorCodes.ReadOnlySqlTransaction => ReadOnlyCluster,
                PostgresErrorCodes.DiskFull => DiskFull,
                PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.AdminShutdown => ConnectionFailed,
                var state when state.StartsWith("22", StringComparison.Ordinal) || state.StartsWith("23", StringComparison.Ordinal) => DataLoadFailed,
                _ => InternalError,
            },
            NpgsqlException { InnerException: SocketException or TimeoutException or IOException } => ConnectionFailed,
            NpgsqlException or SocketException or TimeoutException or IOException => ConnectionFailed,
            _ => InternalError,
        };
        var message = e is PostgresException pg ? $"{pg.MessageText}{(pg.Detail is { } detail ? " (" + detail + ")" : "")}{(pg.Where is { } where ? " [" + where + "]" : "")}" : e.Message;
        return new RedshiftLoadException(code, message, e);
    }
}
