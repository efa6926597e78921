using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Eddy.Catalog;
using Eddy.Core.Glue;

namespace Eddy.Glue;

/// <summary>
/// <see cref="IGlueDataCatalog"/> on the catalog's <c>glue</c> area: databases and tables held in memory (loaded from the
/// catalog on first use), every change written to the catalog before it is applied and answered. A table keeps its
/// versions (<c>UpdateTable</c> adds one, <c>SkipArchive</c> drops the older ones), so a Firehose schema can name a
/// <c>VersionId</c>.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Every call runs under one asynchronous gate (calls are rare: the control plane and one schema
/// read per Firehose flush).</para>
/// <para><b>Failure.</b> <see cref="GlueException"/> for Glue's refusals, <see cref="CatalogException"/> when the catalog
/// fails; neither changes the in-memory state.</para>
/// </remarks>
public sealed class GlueDataCatalog : IGlueDataCatalog, IDisposable
{
    private const int DefaultPageSize = 100;

    private readonly IGlueCatalog _catalog;
    private readonly string _account;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SortedDictionary<string, JsonObject> _databases = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Database, string Name), SortedDictionary<long, JsonObject>> _tables = [];
    private bool _loaded;

    public GlueDataCatalog(IGlueCatalog catalog, string account, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
        _account = account;
        _time = time ?? TimeProvider.System;
    }

    public void Dispose() => _gate.Dispose();

    // ---- databases --------------------------------------------------------------------------------------------------

    public ValueTask CreateDatabaseAsync(string? catalogId, string databaseInputJson, CancellationToken cancellationToken = default) =>
        LockedAsync(catalogId, async () =>
        {
            var input = Parse(databaseInputJson);
            var name = Name(input, "DatabaseInput");
            if (_databases.ContainsKey(name))
            {
                throw new GlueException(GlueException.AlreadyExists, "Database already exists.");
            }
            input["Name"] = name;
            input["CreateTime"] = NowSeconds;
            input["CreateTableDefaultPermissions"] ??= JsonNode.Parse("""[{"Principal":{"DataLakePrincipalIdentifier":"IAM_ALLOWED_PRINCIPALS"},"Permissions":["ALL"]}]""");
            input["CatalogId"] = _account;
            input.Remove("FederatedDatabase");
            await _catalog.SaveDatabaseAsync(new GlueDatabaseRecord(name, input.ToJsonString()), CancellationToken.None).ConfigureAwait(false);
            _databases[name] = input;
            return 0;
        }, cancellationToken);

    public ValueTask<string> GetDatabaseAsync(string? catalogId, string name, CancellationToken cancellationToken = default) =>
        LockedAsync(catalogId, () => Task.FromResult(Database(name).ToJsonString()), cancellationToken);

    public ValueTask<GluePage> GetDatabasesAsync(string? catalogId, string? nextToken, int? maxResults, CancellationToken cancellationToken = default) =>
        LockedAsync(catalogId, () => Task.FromResult(Page(_databases.Values, nextToken, maxResults)), cancellationToken);

    public ValueTask DeleteDatabaseAsync(string? catalogId, string name, CancellationToken cancellationToken = default) =>
        LockedAsync(catalogId, async () =>
        {
            var key = Database(name)["Name"]!.GetValue<string>();
            await _catalog.DeleteDatabaseAsync(key, CancellationToken.None).ConfigureAwait(false);
            _databases.Remove(key);
            foreach (var table in _tables.Keys.Where(k => k.Database == key).ToList())
            {
                _tables.Remove(table);
            }
            return 0;
        }, cancellationToken);

    // ---- tables -----------------------------------------------------------------------------------------------------

    public ValueTask CreateTableAsync(string? catalogId, string databaseName, string tableInputJson, CancellationToken cancellationToken = default) =>
        LockedAsync(catalogId, async () =>
        {
            var database = Database(databaseName)["Name"]!.GetValue<string>();
            var input = Parse(tableInputJson);
            var name = Name(input, "TableInput");
            if (_tables.ContainsKey((database, name)))
            {
                throw new GlueException(GlueException.AlreadyExists, "Table already exists.");
            }
            var now = NowSeconds;
            var table = TableOf(input, database, name, 1, now, now);
            await _catalog.SaveTableVersionAsync(new GlueTableRecord(database, name, 1, table.ToJsonString()), dropOtherVersions: true, CancellationToken.None).ConfigureAwait(false);
            _tables[(database, name)] = new SortedDictionary<long, JsonObject> { [1] = table };
            return 0;
        }, cancellationToken);

    public ValueTask<string> GetTableAsync(string? catalogId, string databaseName, string name, CancellationToken cancellationToken = default) =>
        LockedAsync(catalogId, () => Task.FromResult(Versions(databaseName, name).Values.Last().ToJsonString()), cancellationToken);

    public ValueTask<GluePage> GetTablesAsync(string? catalogId, string databaseName, string? expression, string? nextToken, int? maxResults, CancellationToken cancellationToken = default) =>
        LockedAsync(catalogId, () =>
        {
            var database = Database(databaseName)["Name"]!.GetValue<string>();
            var filter = Filter(expression);
            var tables = _tables.Where(t => t.Key.Database == database && (filter is null || filter.IsMatch(t.Key.Name)))
                .OrderBy(t => t.Key.Name, StringComparer.Ordinal).Select(t => t.Value.Values.Last());
            return Task.FromResult(Page(tables, nextToken, maxResults));
        }, cancellationToken);

    public ValueTask UpdateTableAsync(string? catalogId, string databaseName, string tableInputJson, string? versionId, bool skipArchive, CancellationToken cancellationToken = default) =>
        LockedAsync(catalogId, async () =>
        {
            var input = Parse(tableInputJson);
            var name = Name(input, "TableInput");
            var versions = Versions(databaseName, name);
            var (current, latest) = (versions.Keys.Last(), versions.Values.Last());
            if (versionId is not null && versionId != current.ToString(CultureInfo.InvariantCulture))
            {
                throw new GlueException(GlueException.ConcurrentModification, $"Update table failed due to concurrent modifications. Version {versionId} is not the current version {current}.");
            }
            var database = latest["DatabaseName"]!.GetValue<string>();
            var next = current + 1;
            var table = TableOf(input, database, name, next, latest["CreateTime"]?.GetValue<double>() ?? NowSeconds, NowSeconds);
            await _catalog.SaveTableVersionAsync(new GlueTableRecord(database, name, next, table.ToJsonString()), skipArchive, CancellationToken.None).ConfigureAwait(false);
            if (skipArchive)
            {
                versions.Clear();
            }
            versions[next] = table;
            return 0;
        }, cancellationToken);

    public ValueTask DeleteTableAsync(string? catalogId, string databaseName, string name, CancellationToken cancellationToken = default) =>
        LockedAsync(catalogId, async () =>
        {
            var latest = Versions(databaseName, name).Values.Last();
            var key = (latest["DatabaseName"]!.GetValue<string>(), latest["Name"]!.GetValue<string>());
            await _catalog.DeleteTableAsync(key.Item1, key.Item2, CancellationToken.None).ConfigureAwait(false);
            _tables.Remove(key);
            return 0;
        }, cancellationToken);

    public ValueTask<GlueTableSchema> GetTableSchemaAsync(string? catalogId, string databaseName, string tableName, string? versionId, CancellationToken cancellationToken = default) =>
        LockedAsync(catalogId, () =>
        {
            var versions = Versions(databaseName, tableName);
            JsonObject table;
            if (versionId is null || versionId.Equals("LATEST", StringComparison.OrdinalIgnoreCase))
            {
                table = versions.Values.Last();
            }
            else if (!long.TryParse(versionId, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || !versions.TryGetValue(version, out table!))
            {
                throw GlueException.NotFound($"Version {versionId} of table {tableName.ToLowerInvariant()} not found.");
            }
            var columns = (table["StorageDescriptor"]?["Columns"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Select(c => new GlueColumn((string?)c["Name"] ?? "", (string?)c["Type"] ?? ""))
                .ToList();
            return Task.FromResult(new GlueTableSchema(_account, (string)table["DatabaseName"]!, (string)table["Name"]!, (string)table["VersionId"]!, columns));
        }, cancellationToken);

    // ---- plumbing ---------------------------------------------------------------------------------------------------

    private double NowSeconds => _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    private JsonObject TableOf(JsonObject input, string database, string name, long version, double created, double updated)
    {
        var table = new JsonObject { ["Name"] = name, ["DatabaseName"] = database };
        foreach (var (member, value) in input)
        {
            if (member is not ("Name" or "ViewDefinition"))
            {
                table[member] = value?.DeepClone();
            }
        }
        table["CreateTime"] = created;
        table["UpdateTime"] = updated;
        table["Retention"] ??= 0;
        table["PartitionKeys"] ??= new JsonArray();
        table["IsRegisteredWithLakeFormation"] = false;
        table["CatalogId"] = _account;
        table["VersionId"] = version.ToString(CultureInfo.InvariantCulture);
        return table;
    }

    private JsonObject Database(string name) =>
        _databases.TryGetValue(name.ToLowerInvariant(), out var database)
            ? database
            : throw GlueException.NotFound($"Database {name.ToLowerInvariant()} not found.");

    private SortedDictionary<long, JsonObject> Versions(string databaseName, string name)
    {
        var database = Database(databaseName)["Name"]!.GetValue<string>();
        return _tables.TryGetValue((database, name.ToLowerInvariant()), out var versions)
            ? versions
            : throw GlueException.NotFound($"Table {name.ToLowerInvariant()} not found.");
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json) as JsonObject ?? throw GlueException.Invalid("The input is not an object.");

    private static string Name(JsonObject input, string shape) =>
        ((string?)input["Name"])?.ToLowerInvariant() is { Length: > 0 } name ? name : throw GlueException.Invalid($"{shape}.Name is required.");

    /// <summary>Glue's table name filter: a regular expression over the whole name, <c>*</c> alone meaning any characters.</summary>
    private static Regex? Filter(string? expression)
    {
        if (string.IsNullOrEmpty(expression))
        {
            return null;
        }
        var pattern = Regex.Replace(expression, @"(?<![.\\])\*", ".*");
        try
        {
            return new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException)
        {
            throw GlueException.Invalid($"Invalid expression: {expression}");
        }
    }

    /// <summary>A page after <paramref name="nextToken"/> (the base64 of the last name answered) of at most
    /// <paramref name="maxResults"/> (default 100) items in name order.</summary>
    private static GluePage Page(IEnumerable<JsonObject> items, string? nextToken, int? maxResults)
    {
        string? after = null;
        if (!string.IsNullOrEmpty(nextToken))
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(nextToken));
            }
            catch (FormatException)
            {
                throw GlueException.Invalid("Invalid pagination token.");
            }
        }
        var size = maxResults is > 0 ? maxResults.Value : DefaultPageSize;
        var rest = items.Where(i => after is null || string.CompareOrdinal((string)i["Name"]!, after) > 0).Take(size + 1).ToList();
        var page = rest.Take(size).ToList();
        var token = rest.Count > size ? Convert.ToBase64String(Encoding.UTF8.GetBytes((string)page[^1]["Name"]!)) : null;
        return new GluePage([.. page.Select(p => p.ToJsonString())], token);
    }

    private async ValueTask<T> LockedAsync<T>(string? catalogId, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_loaded)
            {
                await LoadAsync(cancellationToken).ConfigureAwait(false);
            }
            if (!string.IsNullOrEmpty(catalogId) && catalogId != _account)
            {
                throw GlueException.NotFound($"Catalog {catalogId} not found.");
            }
            return await action().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask LockedAsync(string? catalogId, Func<Task<int>> action, CancellationToken cancellationToken) =>
        await LockedAsync<int>(catalogId, action, cancellationToken).ConfigureAwait(false);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var database in await _catalog.LoadDatabasesAsync(cancellationToken).ConfigureAwait(false))
        {
            _databases[database.Name] = JsonNode.Parse(database.Json)!.AsObject();
        }
        foreach (var table in await _catalog.LoadTablesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!_tables.TryGetValue((table.Database, table.Name), out var versions))
            {
                _tables[(table.Database, table.Name)] = versions = [];
            }
            versions[table.VersionId] = JsonNode.Parse(table.Json)!.AsObject();
        }
        _loaded = true;
    }
}
