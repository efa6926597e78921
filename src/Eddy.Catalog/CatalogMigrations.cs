using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Eddy.Catalog;

/// <summary>
/// The SQLite catalog's schema as numbered migrations per area (one area per service). Each area's version is kept in
/// <c>meta</c> under <c>schema:&lt;area&gt;</c>; opening a catalog applies, in one transaction per step, every
/// migration above the stored version. A migration, once released, never changes: a change of schema is a new
/// migration with the next number (and a line in docs/formats/catalog.md).
/// </summary>
internal static class CatalogMigrations
{
    private sealed record Migration(string Area, int Version, string Sql);

    private static readonly Migration[] s_migrations =
    [
        new("streams", 1, """
            CREATE TABLE IF NOT EXISTS streams(
                id INTEGER PRIMARY KEY, name TEXT NOT NULL, stream_token TEXT NOT NULL, status INTEGER NOT NULL,
                mode INTEGER NOT NULL, retention_hours INTEGER NOT NULL, created_ms INTEGER NOT NULL,
                encryption_type TEXT NOT NULL, key_id TEXT, metrics TEXT NOT NULL, max_record_kib INTEGER NOT NULL,
                warm_target INTEGER, next_shard_index INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS shards(
                stream_id INTEGER NOT NULL, idx INTEGER NOT NULL, parent INTEGER, adjacent INTEGER,
                start_hash TEXT NOT NULL, end_hash TEXT NOT NULL, created_ms INTEGER NOT NULL, seq_epoch INTEGER NOT NULL,
                closed_ms INTEGER, end_offset INTEGER, PRIMARY KEY(stream_id, idx));
            CREATE TABLE IF NOT EXISTS consumers(
                stream_id INTEGER NOT NULL, name TEXT NOT NULL, created_ms INTEGER NOT NULL, status INTEGER NOT NULL,
                PRIMARY KEY(stream_id, name));
            CREATE TABLE IF NOT EXISTS tags(resource_arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(resource_arn, key));
            CREATE TABLE IF NOT EXISTS policies(resource_arn TEXT PRIMARY KEY, policy TEXT NOT NULL);
            """),
        new("streams", 2, "ALTER TABLE streams ADD COLUMN pending_update TEXT;"),
        new("checkpoints", 1, """
            CREATE TABLE checkpoints(
                consumer TEXT NOT NULL, stream_id INTEGER NOT NULL, shard_idx INTEGER NOT NULL, sequence_number TEXT,
                sub_sequence INTEGER NOT NULL, shard_ended INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
                PRIMARY KEY(consumer, stream_id, shard_idx));
            CREATE INDEX checkpoints_by_stream ON checkpoints(stream_id);
            """),
        new("firehose", 1, FirehoseSchemaV1),
        new("functions", 1, "CREATE TABLE functions(name TEXT PRIMARY KEY, url TEXT NOT NULL, updated_ms INTEGER NOT NULL);"),
        new("glue", 1, GlueSchemaV1),
    ];

    /// <summary>The Firehose area: delivery streams (configuration JSON, version, status, encryption), their tags, and
    /// each destination's delivery checkpoint in the buffer log.</summary>
    private const string FirehoseSchemaV1 = """
        CREATE TABLE delivery_streams(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, status INTEGER NOT NULL, version_id INTEGER NOT NULL,
            created_ms INTEGER NOT NULL, updated_ms INTEGER, destination_id TEXT NOT NULL, destination TEXT NOT NULL, source TEXT,
            encryption_status INTEGER NOT NULL, key_type TEXT, key_arn TEXT);
        CREATE TABLE delivery_stream_tags(stream_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(stream_id, key));
        CREATE TABLE delivery_checkpoints(
            stream_id INTEGER NOT NULL, destination_id TEXT NOT NULL, delivered_offset INTEGER NOT NULL, pending_end INTEGER,
            pending_key TEXT, updated_ms INTEGER NOT NULL, PRIMARY KEY(stream_id, destination_id));
        """;

    /// <summary>The Glue area: databases and every kept version of each table, as the JSON of Glue's shapes.</summary>
    private const string GlueSchemaV1 = """
        CREATE TABLE glue_databases(name TEXT PRIMARY KEY, json TEXT NOT NULL);
        CREATE TABLE glue_tables(
            database TEXT NOT NULL, name TEXT NOT NULL, version_id INTEGER NOT NULL, json TEXT NOT NULL,
            PRIMARY KEY(database, name, version_id));
        """;

    /// <summary>The version every area reaches with this build.</summary>
    public static IReadOnlyDictionary<string, int> Latest { get; } =
        s_migrations.GroupBy(m => m.Area).ToDictionary(g => g.Key, g => g.Max(m => m.Version), StringComparer.Ordinal);

    public static void Apply(SqliteConnection db)
    {
        using (var create = Command(db, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)", null))
            create.ExecuteNonQuery();
        AdoptLegacyVersion(db);
        foreach (var (area, latest) in Latest)
        {
            var stored = int.Parse(GetMeta(db, "schema:" + area, null) ?? "0", CultureInfo.InvariantCulture);
            if (stored > latest)
                throw new CatalogException($"The catalog's {area} schema is version {stored}, newer than this Eddy knows ({latest}); use a newer Eddy.");
        }
        foreach (var m in s_migrations)
        {
            var stored = int.Parse(GetMeta(db, "schema:" + m.Area, null) ?? "0", CultureInfo.InvariantCulture);
            if (m.Version <= stored) continue;
            using var tx = db.BeginTransaction();
            using (var cmd = Command(db, m.Sql, tx)) cmd.ExecuteNonQuery();
            SetMeta(db, "schema:" + m.Area, m.Version.ToString(CultureInfo.InvariantCulture), tx);
            tx.Commit();
        }
    }

    /// <summary>Catalogs written before areas existed kept one <c>schema_version</c> (1 or 2): the streams area's.</summary>
    private static void AdoptLegacyVersion(SqliteConnection db)
    {
        if (GetMeta(db, "schema_version", null) is not { } legacy) return;
        using var tx = db.BeginTransaction();
        SetMeta(db, "schema:streams", legacy, tx);
        using (var drop = Command(db, "DELETE FROM meta WHERE key='schema_version'", tx)) drop.ExecuteNonQuery();
        tx.Commit();
    }

    public static string? GetMeta(SqliteConnection db, string key, SqliteTransaction? tx)
    {
        using var cmd = Command(db, "SELECT value FROM meta WHERE key=$k", tx, ("$k", key));
        return cmd.ExecuteScalar() as string;
    }

    public static void SetMeta(SqliteConnection db, string key, string value, SqliteTransaction? tx)
    {
        using var cmd = Command(db, "INSERT INTO meta(key,value) VALUES($k,$v) ON CONFLICT(key) DO UPDATE SET value=$v", tx, ("$k", key), ("$v", value));
        cmd.ExecuteNonQuery();
    }

    public static SqliteCommand Command(SqliteConnection db, string sql, SqliteTransaction? tx, params (string Name, object? Value)[] args)
    {
        var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }
}
