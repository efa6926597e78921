using System.Globalization;
using Eddy.Core;
using Microsoft.Data.Sqlite;

namespace Eddy.Streams;

/// <summary>
/// The durable catalog: streams, shards and their lineage, consumers, tags, resource policies and settings, in one
/// SQLite database (WAL, synchronous=FULL). The schema is documented in docs/formats/catalog.md.
/// </summary>
/// <remarks>Not thread-safe: the engine calls it under its control-plane lock. Enum columns hold the enum's number.</remarks>
internal sealed class Catalog : IDisposable
{
    private const int SchemaVersion = 2;
    private readonly SqliteConnection _db;

    public Catalog(string path)
    {
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Execute("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS streams(
                id INTEGER PRIMARY KEY, name TEXT NOT NULL, stream_token TEXT NOT NULL, status INTEGER NOT NULL,
                mode INTEGER NOT NULL, retention_hours INTEGER NOT NULL, created_ms INTEGER NOT NULL,
                encryption_type TEXT NOT NULL, key_id TEXT, metrics TEXT NOT NULL, max_record_kib INTEGER NOT NULL,
                warm_target INTEGER, next_shard_index INTEGER NOT NULL, pending_update TEXT);
            CREATE TABLE IF NOT EXISTS shards(
                stream_id INTEGER NOT NULL, idx INTEGER NOT NULL, parent INTEGER, adjacent INTEGER,
                start_hash TEXT NOT NULL, end_hash TEXT NOT NULL, created_ms INTEGER NOT NULL, seq_epoch INTEGER NOT NULL,
                closed_ms INTEGER, end_offset INTEGER, PRIMARY KEY(stream_id, idx));
            CREATE TABLE IF NOT EXISTS consumers(
                stream_id INTEGER NOT NULL, name TEXT NOT NULL, created_ms INTEGER NOT NULL, status INTEGER NOT NULL,
                PRIMARY KEY(stream_id, name));
            CREATE TABLE IF NOT EXISTS tags(resource_arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(resource_arn, key));
            CREATE TABLE IF NOT EXISTS policies(resource_arn TEXT PRIMARY KEY, policy TEXT NOT NULL);
            """);
        var version = GetMeta("schema_version");
        if (version == "1")
        {
            // Version 2 added streams.pending_update (an acknowledged change of an UPDATING stream).
            Execute("ALTER TABLE streams ADD COLUMN pending_update TEXT");
            version = null;
        }
        if (version is null) SetMeta("schema_version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
        else if (version != SchemaVersion.ToString(CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"Catalog schema version {version} is not supported (expected {SchemaVersion}).");
    }

    public string? GetMeta(string key)
    {
        using var cmd = Command("SELECT value FROM meta WHERE key=$k", ("$k", key));
        return cmd.ExecuteScalar() as string;
    }

    public void SetMeta(string key, string value)
    {
        using var cmd = Command("INSERT INTO meta(key,value) VALUES($k,$v) ON CONFLICT(key) DO UPDATE SET value=$v", ("$k", key), ("$v", value));
        cmd.ExecuteNonQuery();
    }

    public long NextStreamId()
    {
        using var cmd = Command("SELECT COALESCE(MAX(id),0)+1 FROM streams");
        var fromTable = (long)cmd.ExecuteScalar()!;
        var fromMeta = long.Parse(GetMeta("next_stream_id") ?? "1", CultureInfo.InvariantCulture);
        var id = Math.Max(fromTable, fromMeta);
        SetMeta("next_stream_id", (id + 1).ToString(CultureInfo.InvariantCulture));
        return id;
    }

    /// <summary>Writes the stream row and replaces its shard and consumer rows, in one transaction.</summary>
    public void SaveStream(StreamState s) => SaveStream(s, s.Shards);

    /// <summary>
    /// Writes the stream row with <paramref name="shards"/> as its shard list (a reshard commits its new shards here
    /// before they are published to writers), and its consumer rows, in one transaction.
    /// </summary>
    public void SaveStream(StreamState s, IReadOnlyList<ShardState> shards)
    {
        using var tx = _db.BeginTransaction();
        using (var cmd = Command("""
            INSERT OR REPLACE INTO streams(id,name,stream_token,status,mode,retention_hours,created_ms,encryption_type,key_id,metrics,max_record_kib,warm_target,next_shard_index,pending_update)
            VALUES($id,$name,$tok,$st,$mode,$ret,$cr,$enc,$key,$met,$max,$warm,$next,$pend)
            """,
            ("$id", s.Id), ("$name", s.Name), ("$tok", s.StreamToken), ("$st", (int)s.Status), ("$mode", (int)s.Mode),
            ("$ret", s.RetentionHours), ("$cr", s.CreatedMs), ("$enc", s.EncryptionType), ("$key", s.KeyId),
            ("$met", string.Join(',', s.ShardLevelMetrics)), ("$max", s.MaxRecordKiB), ("$warm", s.WarmTargetMiBps), ("$next", s.NextShardIndex),
            ("$pend", s.Pending?.Encode())))
        {
            cmd.Transaction = tx;
            cmd.ExecuteNonQuery();
        }
        Run(tx, "DELETE FROM shards WHERE stream_id=$id", ("$id", s.Id));
        foreach (var sh in shards)
        {
            Run(tx, """
                INSERT INTO shards(stream_id,idx,parent,adjacent,start_hash,end_hash,created_ms,seq_epoch,closed_ms,end_offset)
                VALUES($id,$idx,$p,$a,$s,$e,$cr,$ep,$cl,$eo)
                """,
                ("$id", s.Id), ("$idx", sh.Index), ("$p", sh.Parent), ("$a", sh.AdjacentParent),
                ("$s", sh.Range.Start.ToString(CultureInfo.InvariantCulture)), ("$e", sh.Range.End.ToString(CultureInfo.InvariantCulture)),
                ("$cr", sh.CreatedMs), ("$ep", sh.SeqEpochSeconds), ("$cl", sh.ClosedMs), ("$eo", sh.ClosedMs is null ? null : sh.FinalEndOffset));
        }
        Run(tx, "DELETE FROM consumers WHERE stream_id=$id", ("$id", s.Id));
        foreach (var c in s.Consumers)
            Run(tx, "INSERT INTO consumers(stream_id,name,created_ms,status) VALUES($id,$n,$cr,$st)",
                ("$id", s.Id), ("$n", c.Name), ("$cr", c.CreatedMs), ("$st", (int)c.Status));
        tx.Commit();
    }

    public void DeleteStream(long id, IEnumerable<string> resourceArns)
    {
        using var tx = _db.BeginTransaction();
        Run(tx, "DELETE FROM streams WHERE id=$id", ("$id", id));
        Run(tx, "DELETE FROM shards WHERE stream_id=$id", ("$id", id));
        Run(tx, "DELETE FROM consumers WHERE stream_id=$id", ("$id", id));
        foreach (var arn in resourceArns)
        {
            Run(tx, "DELETE FROM tags WHERE resource_arn=$a", ("$a", arn));
            Run(tx, "DELETE FROM policies WHERE resource_arn=$a", ("$a", arn));
        }
        tx.Commit();
    }

    public void SaveTags(string resourceArn, IReadOnlyDictionary<string, string> tags)
    {
        using var tx = _db.BeginTransaction();
        Run(tx, "DELETE FROM tags WHERE resource_arn=$a", ("$a", resourceArn));
        foreach (var (k, v) in tags)
            Run(tx, "INSERT INTO tags(resource_arn,key,value) VALUES($a,$k,$v)", ("$a", resourceArn), ("$k", k), ("$v", v));
        tx.Commit();
    }

    public void SavePolicy(string resourceArn, string? policy)
    {
        using var cmd = policy is null
            ? Command("DELETE FROM policies WHERE resource_arn=$a", ("$a", resourceArn))
            : Command("INSERT OR REPLACE INTO policies(resource_arn,policy) VALUES($a,$p)", ("$a", resourceArn), ("$p", policy));
        cmd.ExecuteNonQuery();
    }

    public sealed record StreamRow(long Id, string Name, string Token, StreamStatus Status, StreamMode Mode, int RetentionHours, long CreatedMs,
        string EncryptionType, string? KeyId, string Metrics, int MaxRecordKiB, int? WarmTarget, int NextShardIndex, string? PendingUpdate);

    public sealed record ShardRow(long StreamId, int Index, int? Parent, int? Adjacent, UInt128 Start, UInt128 End, long CreatedMs, long SeqEpoch, long? ClosedMs, long? EndOffset);

    public sealed record ConsumerRow(long StreamId, string Name, long CreatedMs, ConsumerStatus Status);

    public List<StreamRow> LoadStreams() => Query("SELECT id,name,stream_token,status,mode,retention_hours,created_ms,encryption_type,key_id,metrics,max_record_kib,warm_target,next_shard_index,pending_update FROM streams",
        r => new StreamRow(r.GetInt64(0), r.GetString(1), r.GetString(2), (StreamStatus)r.GetInt32(3), (StreamMode)r.GetInt32(4), r.GetInt32(5), r.GetInt64(6),
            r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.GetString(9), r.GetInt32(10), r.IsDBNull(11) ? null : r.GetInt32(11), r.GetInt32(12), r.IsDBNull(13) ? null : r.GetString(13)));

    public List<ShardRow> LoadShards() => Query("SELECT stream_id,idx,parent,adjacent,start_hash,end_hash,created_ms,seq_epoch,closed_ms,end_offset FROM shards ORDER BY stream_id, idx",
        r => new ShardRow(r.GetInt64(0), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.IsDBNull(3) ? null : r.GetInt32(3),
            UInt128.Parse(r.GetString(4), CultureInfo.InvariantCulture), UInt128.Parse(r.GetString(5), CultureInfo.InvariantCulture),
            r.GetInt64(6), r.GetInt64(7), r.IsDBNull(8) ? null : r.GetInt64(8), r.IsDBNull(9) ? null : r.GetInt64(9)));

    public List<ConsumerRow> LoadConsumers() => Query("SELECT stream_id,name,created_ms,status FROM consumers ORDER BY stream_id, name",
        r => new ConsumerRow(r.GetInt64(0), r.GetString(1), r.GetInt64(2), (ConsumerStatus)r.GetInt32(3)));

    public List<(string Arn, string Key, string Value)> LoadTags() => Query("SELECT resource_arn,key,value FROM tags", r => (r.GetString(0), r.GetString(1), r.GetString(2)));

    public List<(string Arn, string Policy)> LoadPolicies() => Query("SELECT resource_arn,policy FROM policies", r => (r.GetString(0), r.GetString(1)));

    public void Dispose() => _db.Dispose();

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> map)
    {
        using var cmd = Command(sql);
        using var reader = cmd.ExecuteReader();
        var list = new List<T>();
        while (reader.Read()) list.Add(map(reader));
        return list;
    }

    private void Execute(string sql)
    {
        using var cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }

    private void Run(SqliteTransaction tx, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = Command(sql, args);
        cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] args)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }
}
