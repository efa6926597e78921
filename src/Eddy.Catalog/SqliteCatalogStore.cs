using System.Globalization;
using Eddy.Core;
using Microsoft.Data.Sqlite;

namespace Eddy.Catalog;

/// <summary>
/// <see cref="ICatalogStore"/> in one SQLite database (WAL journal, <c>synchronous=FULL</c>: a write is on disk when it
/// returns). The schema is documented in docs/formats/catalog.md; <see cref="CatalogMigrations"/> creates and upgrades
/// it area by area when the store opens.
/// </summary>
/// <remarks>
/// Thread-safe: one connection, every operation under one lock (SQLite serializes writers anyway, and the catalog is
/// written a few times per control-plane call, never on the data plane). Operations complete synchronously; the
/// asynchronous signatures are the port's, for stores that do I/O over a network. Enum columns hold the enum's number.
/// </remarks>
public sealed partial class SqliteCatalogStore : ICatalogStore, IStreamCatalog, ICheckpointStore, IMetaStore
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    private bool _disposed;

    private SqliteCatalogStore(SqliteConnection db) => _db = db;

    /// <summary>Opens (creating if needed) the catalog at <paramref name="path"/>, or an in-process database for
    /// <c>":memory:"</c>, and brings its schema to this version.</summary>
    /// <exception cref="CatalogException">The file cannot be opened, or was written by a newer Eddy.</exception>
    public static SqliteCatalogStore Open(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            db.Open();
            var store = new SqliteCatalogStore(db);
            store.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
            CatalogMigrations.Apply(store._db);
            return store;
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new CatalogException($"Cannot open the catalog {path}: {e.Message}", e);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    public IStreamCatalog Streams => this;
    public ICheckpointStore Checkpoints => this;
    public IMetaStore Meta => this;

    // ---- meta -------------------------------------------------------------------------------------------------------

    ValueTask<string?> IMetaStore.GetAsync(string key, CancellationToken cancellationToken) =>
        Locked(() => CatalogMigrations.GetMeta(_db, key, null));

    ValueTask IMetaStore.SetAsync(string key, string value, CancellationToken cancellationToken) =>
        Locked(() => CatalogMigrations.SetMeta(_db, key, value, null));

    ValueTask<string> IMetaStore.GetOrAddAsync(string key, string value, CancellationToken cancellationToken) => Locked(() =>
    {
        using var cmd = Command("INSERT INTO meta(key,value) VALUES($k,$v) ON CONFLICT(key) DO NOTHING", null, ("$k", key), ("$v", value));
        cmd.ExecuteNonQuery();
        return CatalogMigrations.GetMeta(_db, key, null)!;
    });

    // ---- streams ----------------------------------------------------------------------------------------------------

    ValueTask<long> IStreamCatalog.NextStreamIdAsync(CancellationToken cancellationToken) => Locked(() =>
    {
        using var tx = _db.BeginTransaction();
        using var cmd = Command("SELECT COALESCE(MAX(id),0)+1 FROM streams", tx);
        var fromTable = (long)cmd.ExecuteScalar()!;
        var fromMeta = long.Parse(CatalogMigrations.GetMeta(_db, "next_stream_id", tx) ?? "1", CultureInfo.InvariantCulture);
        var id = Math.Max(fromTable, fromMeta);
        CatalogMigrations.SetMeta(_db, "next_stream_id", (id + 1).ToString(CultureInfo.InvariantCulture), tx);
        tx.Commit();
        return id;
    });

    ValueTask IStreamCatalog.SaveStreamAsync(StreamRecord s, CancellationToken cancellationToken) => Locked(() =>
    {
        using var tx = _db.BeginTransaction();
        Run(tx, """
            INSERT OR REPLACE INTO streams(id,name,stream_token,status,mode,retention_hours,created_ms,encryption_type,key_id,metrics,max_record_kib,warm_target,next_shard_index,pending_update)
            VALUES($id,$name,$tok,$st,$mode,$ret,$cr,$enc,$key,$met,$max,$warm,$next,$pend)
            """,
            ("$id", s.Id), ("$name", s.Name), ("$tok", s.Token), ("$st", (int)s.Status), ("$mode", (int)s.Mode),
            ("$ret", s.RetentionHours), ("$cr", s.CreatedMs), ("$enc", s.EncryptionType), ("$key", s.KeyId),
            ("$met", string.Join(',', s.Metrics)), ("$max", s.MaxRecordKiB), ("$warm", s.WarmTargetMiBps), ("$next", s.NextShardIndex),
            ("$pend", s.PendingUpdate));
        Run(tx, "DELETE FROM shards WHERE stream_id=$id", ("$id", s.Id));
        foreach (var sh in s.Shards)
        {
            Run(tx, """
                INSERT INTO shards(stream_id,idx,parent,adjacent,start_hash,end_hash,created_ms,seq_epoch,closed_ms,end_offset)
                VALUES($id,$idx,$p,$a,$s,$e,$cr,$ep,$cl,$eo)
                """,
                ("$id", s.Id), ("$idx", sh.Index), ("$p", sh.Parent), ("$a", sh.Adjacent),
                ("$s", sh.StartHash.ToString(CultureInfo.InvariantCulture)), ("$e", sh.EndHash.ToString(CultureInfo.InvariantCulture)),
                ("$cr", sh.CreatedMs), ("$ep", sh.SeqEpoch), ("$cl", sh.ClosedMs), ("$eo", sh.EndOffset));
        }
        Run(tx, "DELETE FROM consumers WHERE stream_id=$id", ("$id", s.Id));
        foreach (var c in s.Consumers)
            Run(tx, "INSERT INTO consumers(stream_id,name,created_ms,status) VALUES($id,$n,$cr,$st)", ("$id", s.Id), ("$n", c.Name), ("$cr", c.CreatedMs), ("$st", (int)c.Status));
        tx.Commit();
    });

    ValueTask IStreamCatalog.DeleteStreamAsync(long streamId, IReadOnlyList<string> resourceArns, CancellationToken cancellationToken) => Locked(() =>
    {
        using var tx = _db.BeginTransaction();
        Run(tx, "DELETE FROM streams WHERE id=$id", ("$id", streamId));
        Run(tx, "DELETE FROM shards WHERE stream_id=$id", ("$id", streamId));
        Run(tx, "DELETE FROM consumers WHERE stream_id=$id", ("$id", streamId));
        foreach (var arn in resourceArns)
        {
            Run(tx, "DELETE FROM tags WHERE resource_arn=$a", ("$a", arn));
            Run(tx, "DELETE FROM policies WHERE resource_arn=$a", ("$a", arn));
        }
        tx.Commit();
    });

    ValueTask IStreamCatalog.SaveTagsAsync(string resourceArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) => Locked(() =>
    {
        using var tx = _db.BeginTransaction();
        Run(tx, "DELETE FROM tags WHERE resource_arn=$a", ("$a", resourceArn));
        foreach (var (k, v) in tags)
            Run(tx, "INSERT INTO tags(resource_arn,key,value) VALUES($a,$k,$v)", ("$a", resourceArn), ("$k", k), ("$v", v));
        tx.Commit();
    });

    ValueTask IStreamCatalog.SavePolicyAsync(string resourceArn, string? policy, CancellationToken cancellationToken) => Locked(() =>
    {
        using var cmd = policy is null
            ? Command("DELETE FROM policies WHERE resource_arn=$a", null, ("$a", resourceArn))
            : Command("INSERT OR REPLACE INTO policies(resource_arn,policy) VALUES($a,$p)", null, ("$a", resourceArn), ("$p", policy));
        cmd.ExecuteNonQuery();
    });

    ValueTask<IReadOnlyList<StreamRecord>> IStreamCatalog.LoadStreamsAsync(CancellationToken cancellationToken) => Locked<IReadOnlyList<StreamRecord>>(() =>
    {
        var shards = Query("SELECT stream_id,idx,parent,adjacent,start_hash,end_hash,created_ms,seq_epoch,closed_ms,end_offset FROM shards ORDER BY stream_id, idx",
            r => (StreamId: r.GetInt64(0), Shard: new ShardRecord(r.GetInt32(1), NullableInt(r, 2), NullableInt(r, 3),
                UInt128.Parse(r.GetString(4), CultureInfo.InvariantCulture), UInt128.Parse(r.GetString(5), CultureInfo.InvariantCulture),
                r.GetInt64(6), r.GetInt64(7), NullableLong(r, 8), NullableLong(r, 9)))).ToLookup(x => x.StreamId, x => x.Shard);
        var consumers = Query("SELECT stream_id,name,created_ms,status FROM consumers ORDER BY stream_id, name",
            r => (StreamId: r.GetInt64(0), Consumer: new ConsumerRecord(r.GetString(1), r.GetInt64(2), (ConsumerStatus)r.GetInt32(3)))).ToLookup(x => x.StreamId, x => x.Consumer);
        return Query("SELECT id,name,stream_token,status,mode,retention_hours,created_ms,encryption_type,key_id,metrics,max_record_kib,warm_target,next_shard_index,pending_update FROM streams ORDER BY id",
            r => new StreamRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), (StreamStatus)r.GetInt32(3), (StreamMode)r.GetInt32(4), r.GetInt32(5), r.GetInt64(6),
                r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.GetString(9).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetInt32(10),
                NullableInt(r, 11), r.GetInt32(12), r.IsDBNull(13) ? null : r.GetString(13), [.. shards[r.GetInt64(0)]], [.. consumers[r.GetInt64(0)]]));
    });

    ValueTask<IReadOnlyList<TagRecord>> IStreamCatalog.LoadTagsAsync(CancellationToken cancellationToken) => Locked<IReadOnlyList<TagRecord>>(() =>
        Query("SELECT resource_arn,key,value FROM tags ORDER BY resource_arn, key", r => new TagRecord(r.GetString(0), r.GetString(1), r.GetString(2))));

    ValueTask<IReadOnlyList<PolicyRecord>> IStreamCatalog.LoadPoliciesAsync(CancellationToken cancellationToken) => Locked<IReadOnlyList<PolicyRecord>>(() =>
        Query("SELECT resource_arn,policy FROM policies ORDER BY resource_arn", r => new PolicyRecord(r.GetString(0), r.GetString(1))));

    // ---- checkpoints ------------------------------------------------------------------------------------------------

    ValueTask<IReadOnlyList<Checkpoint>> ICheckpointStore.LoadAsync(string consumer, CancellationToken cancellationToken) => Locked<IReadOnlyList<Checkpoint>>(() =>
    {
        using var cmd = Command("SELECT stream_id,shard_idx,sequence_number,sub_sequence,shard_ended,updated_ms FROM checkpoints WHERE consumer=$c ORDER BY stream_id, shard_idx", null, ("$c", consumer));
        using var r = cmd.ExecuteReader();
        var list = new List<Checkpoint>();
        while (r.Read())
            list.Add(new Checkpoint(consumer, r.GetInt64(0), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt64(3), r.GetInt64(4) != 0, r.GetInt64(5)));
        return list;
    });

    ValueTask ICheckpointStore.SaveAsync(IReadOnlyList<Checkpoint> checkpoints, CancellationToken cancellationToken) => Locked(() =>
    {
        using var tx = _db.BeginTransaction();
        foreach (var c in checkpoints)
        {
            Run(tx, """
                INSERT OR REPLACE INTO checkpoints(consumer,stream_id,shard_idx,sequence_number,sub_sequence,shard_ended,updated_ms)
                VALUES($c,$s,$i,$q,$u,$e,$t)
                """,
                ("$c", c.Consumer), ("$s", c.StreamId), ("$i", c.ShardIndex), ("$q", c.SequenceNumber), ("$u", c.SubSequenceNumber), ("$e", c.ShardEnded ? 1 : 0), ("$t", c.UpdatedMs));
        }
        tx.Commit();
    });

    ValueTask ICheckpointStore.DeleteConsumerAsync(string consumer, CancellationToken cancellationToken) => Locked(() =>
    {
        using var cmd = Command("DELETE FROM checkpoints WHERE consumer=$c", null, ("$c", consumer));
        cmd.ExecuteNonQuery();
    });

    ValueTask ICheckpointStore.DeleteStreamAsync(long streamId, CancellationToken cancellationToken) => Locked(() =>
    {
        using var cmd = Command("DELETE FROM checkpoints WHERE stream_id=$s", null, ("$s", streamId));
        cmd.ExecuteNonQuery();
    });

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _db.Dispose();
            }
        }
        return ValueTask.CompletedTask;
    }

    // ---- plumbing ---------------------------------------------------------------------------------------------------

    private ValueTask Locked(Action action)
    {
        Locked(() => { action(); return 0; });
        return ValueTask.CompletedTask;
    }

    private ValueTask<T> Locked<T>(Func<T> action)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                return ValueTask.FromResult(action());
            }
            catch (SqliteException e)
            {
                throw new CatalogException($"The catalog could not be {(e.SqliteErrorCode == 13 ? "written: the disk is full" : "read or written")}: {e.Message}", e);
            }
        }
    }

    private static int? NullableInt(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    private static long? NullableLong(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> map)
    {
        using var cmd = Command(sql, null);
        using var reader = cmd.ExecuteReader();
        var list = new List<T>();
        while (reader.Read()) list.Add(map(reader));
        return list;
    }

    private void Execute(string sql)
    {
        using var cmd = Command(sql, null);
        cmd.ExecuteNonQuery();
    }

    private void Run(SqliteTransaction tx, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = Command(sql, tx, args);
        cmd.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx, params (string Name, object? Value)[] args) => CatalogMigrations.Command(_db, sql, tx, args);
}
