namespace Eddy.Catalog;

public partial interface ICatalogStore
{
    /// <summary>The Glue Data Catalog subset: databases and table versions.</summary>
    IGlueCatalog Glue { get; }
}

/// <summary>
/// The <c>glue</c> area: Glue databases and every kept version of each table, as the JSON of Glue's <c>Database</c> and
/// <c>Table</c> shapes. Thread-safe (each operation is one transaction); the Glue engine (Eddy.Glue) serializes its
/// writes and keeps the area in memory, loading it once at start-up. Failure: <see cref="CatalogException"/>, having
/// changed nothing. Cancellation: observed before the operation starts.
/// </summary>
public interface IGlueCatalog
{
    /// <summary>Stores the database under its name (replacing any), durably before it returns.</summary>
    ValueTask SaveDatabaseAsync(GlueDatabaseRecord database, CancellationToken cancellationToken = default);

    /// <summary>Deletes the database and every version of every table in it; false when there was no such database.</summary>
    ValueTask<bool> DeleteDatabaseAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every database, in ordinal name order.</summary>
    ValueTask<IReadOnlyList<GlueDatabaseRecord>> LoadDatabasesAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a table version (replacing one of the same version); with <paramref name="dropOtherVersions"/>, the
    /// table's other versions are deleted in the same transaction.</summary>
    ValueTask SaveTableVersionAsync(GlueTableRecord table, bool dropOtherVersions, CancellationToken cancellationToken = default);

    /// <summary>Deletes every version of a table; false when there was none.</summary>
    ValueTask<bool> DeleteTableAsync(string database, string name, CancellationToken cancellationToken = default);

    /// <summary>Every table version, ordered by database, name (ordinal) and version.</summary>
    ValueTask<IReadOnlyList<GlueTableRecord>> LoadTablesAsync(CancellationToken cancellationToken = default);
}

/// <summary>A Glue database as stored: its (lower-case) name and its <c>Database</c> JSON.</summary>
public sealed record GlueDatabaseRecord(string Name, string Json);

/// <summary>One version of a Glue table as stored: database and table (lower-case) names, the version (1, 2, ...) and
/// that version's <c>Table</c> JSON.</summary>
public sealed record GlueTableRecord(string Database, string Name, long VersionId, string Json);

public sealed partial class MemoryCatalogStore : IGlueCatalog
{
    private readonly SortedDictionary<string, GlueDatabaseRecord> _glueDatabases = new(StringComparer.Ordinal);
    private readonly SortedDictionary<(string Database, string Name, long Version), GlueTableRecord> _glueTables = new(Comparer<(string, string, long)>.Create((a, b) =>
    {
        var c = string.CompareOrdinal(a.Item1, b.Item1);
        c = c != 0 ? c : string.CompareOrdinal(a.Item2, b.Item2);
        return c != 0 ? c : a.Item3.CompareTo(b.Item3);
    }));

    public IGlueCatalog Glue => this;

    ValueTask IGlueCatalog.SaveDatabaseAsync(GlueDatabaseRecord database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() => { _glueDatabases[database.Name] = database; });
    }

    ValueTask<bool> IGlueCatalog.DeleteDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() =>
        {
            foreach (var key in _glueTables.Keys.Where(k => k.Database == name).ToList())
            {
                _glueTables.Remove(key);
            }
            return _glueDatabases.Remove(name);
        });
    }

    ValueTask<IReadOnlyList<GlueDatabaseRecord>> IGlueCatalog.LoadDatabasesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked<IReadOnlyList<GlueDatabaseRecord>>(() => [.. _glueDatabases.Values]);
    }

    ValueTask IGlueCatalog.SaveTableVersionAsync(GlueTableRecord table, bool dropOtherVersions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() =>
        {
            if (dropOtherVersions)
            {
                RemoveGlueTable(table.Database, table.Name);
            }
            _glueTables[(table.Database, table.Name, table.VersionId)] = table;
        });
    }

    ValueTask<bool> IGlueCatalog.DeleteTableAsync(string database, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() => RemoveGlueTable(database, name));
    }

    ValueTask<IReadOnlyList<GlueTableRecord>> IGlueCatalog.LoadTablesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked<IReadOnlyList<GlueTableRecord>>(() => [.. _glueTables.Values]);
    }

    private bool RemoveGlueTable(string database, string name)
    {
        var keys = _glueTables.Keys.Where(k => k.Database == database && k.Name == name).ToList();
        foreach (var key in keys)
        {
            _glueTables.Remove(key);
        }
        return keys.Count > 0;
    }
}

public sealed partial class SqliteCatalogStore : IGlueCatalog
{
    public IGlueCatalog Glue => this;

    ValueTask IGlueCatalog.SaveDatabaseAsync(GlueDatabaseRecord database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() =>
        {
            using var cmd = Command("INSERT OR REPLACE INTO glue_databases(name,json) VALUES($n,$j)", null, ("$n", database.Name), ("$j", database.Json));
            cmd.ExecuteNonQuery();
        });
    }

    ValueTask<bool> IGlueCatalog.DeleteDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() =>
        {
            using var tx = _db.BeginTransaction();
            Run(tx, "DELETE FROM glue_tables WHERE database=$d", ("$d", name));
            using var cmd = Command("DELETE FROM glue_databases WHERE name=$n", tx, ("$n", name));
            var deleted = cmd.ExecuteNonQuery() > 0;
            tx.Commit();
            return deleted;
        });
    }

    ValueTask<IReadOnlyList<GlueDatabaseRecord>> IGlueCatalog.LoadDatabasesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked<IReadOnlyList<GlueDatabaseRecord>>(() =>
            Query("SELECT name,json FROM glue_databases ORDER BY name", r => new GlueDatabaseRecord(r.GetString(0), r.GetString(1))));
    }

    ValueTask IGlueCatalog.SaveTableVersionAsync(GlueTableRecord table, bool dropOtherVersions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() =>
        {
            using var tx = _db.BeginTransaction();
            if (dropOtherVersions)
            {
                Run(tx, "DELETE FROM glue_tables WHERE database=$d AND name=$n", ("$d", table.Database), ("$n", table.Name));
            }
            Run(tx, "INSERT OR REPLACE INTO glue_tables(database,name,version_id,json) VALUES($d,$n,$v,$j)",
                ("$d", table.Database), ("$n", table.Name), ("$v", table.VersionId), ("$j", table.Json));
            tx.Commit();
        });
    }

    ValueTask<bool> IGlueCatalog.DeleteTableAsync(string database, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() =>
        {
            using var cmd = Command("DELETE FROM glue_tables WHERE database=$d AND name=$n", null, ("$d", database), ("$n", name));
            return cmd.ExecuteNonQuery() > 0;
        });
    }

    ValueTask<IReadOnlyList<GlueTableRecord>> IGlueCatalog.LoadTablesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked<IReadOnlyList<GlueTableRecord>>(() =>
            Query("SELECT database,name,version_id,json FROM glue_tables ORDER BY database,name,version_id",
                r => new GlueTableRecord(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3))));
    }
}
