using System.Globalization;
using Eddy.Core.Firehose;

namespace Eddy.Catalog;

/// <summary>The Firehose area of the SQLite catalog (tables <c>delivery_streams</c>, <c>delivery_stream_tags</c>,
/// <c>delivery_checkpoints</c>; docs/formats/catalog.md).</summary>
public sealed partial class SqliteCatalogStore : IFirehoseCatalog
{
    public IFirehoseCatalog Firehose => this;

    ValueTask<long> IFirehoseCatalog.NextDeliveryStreamIdAsync(CancellationToken cancellationToken) => Locked(() =>
    {
        using var tx = _db.BeginTransaction();
        using var cmd = Command("SELECT COALESCE(MAX(id),0)+1 FROM delivery_streams", tx);
        var fromTable = (long)cmd.ExecuteScalar()!;
        var fromMeta = long.Parse(CatalogMigrations.GetMeta(_db, "next_delivery_stream_id", tx) ?? "1", CultureInfo.InvariantCulture);
        var id = Math.Max(fromTable, fromMeta);
        CatalogMigrations.SetMeta(_db, "next_delivery_stream_id", (id + 1).ToString(CultureInfo.InvariantCulture), tx);
        tx.Commit();
        return id;
    });

    ValueTask IFirehoseCatalog.SaveDeliveryStreamAsync(DeliveryStreamRecord s, CancellationToken cancellationToken) => Locked(() =>
    {
        using var tx = _db.BeginTransaction();
        Run(tx, """
            INSERT OR REPLACE INTO delivery_streams(id,name,type,status,version_id,created_ms,updated_ms,destination_id,destination,source,encryption_status,key_type,key_arn)
            VALUES($id,$name,$type,$st,$ver,$cr,$up,$did,$dest,$src,$enc,$kt,$ka)
            """,
            ("$id", s.Id), ("$name", s.Name), ("$type", s.Type), ("$st", (int)s.Status), ("$ver", s.VersionId), ("$cr", s.CreatedMs),
            ("$up", s.UpdatedMs), ("$did", s.DestinationId), ("$dest", s.DestinationJson), ("$src", s.SourceJson),
            ("$enc", (int)s.EncryptionStatus), ("$kt", s.KeyType), ("$ka", s.KeyArn));
        Run(tx, "DELETE FROM delivery_stream_tags WHERE stream_id=$id", ("$id", s.Id));
        foreach (var (k, v) in s.Tags)
        {
            Run(tx, "INSERT INTO delivery_stream_tags(stream_id,key,value) VALUES($id,$k,$v)", ("$id", s.Id), ("$k", k), ("$v", v));
        }
        tx.Commit();
    });

    ValueTask IFirehoseCatalog.DeleteDeliveryStreamAsync(long id, CancellationToken cancellationToken) => Locked(() =>
    {
        using var tx = _db.BeginTransaction();
        Run(tx, "DELETE FROM delivery_streams WHERE id=$id", ("$id", id));
        Run(tx, "DELETE FROM delivery_stream_tags WHERE stream_id=$id", ("$id", id));
        Run(tx, "DELETE FROM delivery_checkpoints WHERE stream_id=$id", ("$id", id));
        tx.Commit();
    });

    ValueTask<IReadOnlyList<DeliveryStreamRecord>> IFirehoseCatalog.LoadDeliveryStreamsAsync(CancellationToken cancellationToken) => Locked<IReadOnlyList<DeliveryStreamRecord>>(() =>
    {
        var tags = Query("SELECT stream_id,key,value FROM delivery_stream_tags ORDER BY stream_id, key",
            r => (Id: r.GetInt64(0), Tag: new KeyValuePair<string, string>(r.GetString(1), r.GetString(2)))).ToLookup(x => x.Id, x => x.Tag);
        return Query("SELECT id,name,type,status,version_id,created_ms,updated_ms,destination_id,destination,source,encryption_status,key_type,key_arn FROM delivery_streams ORDER BY id",
            r => new DeliveryStreamRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), (DeliveryStreamStatus)r.GetInt32(3), r.GetInt64(4), r.GetInt64(5),
                NullableLong(r, 6), r.GetString(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9), (DeliveryEncryptionStatus)r.GetInt32(10),
                r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12), [.. tags[r.GetInt64(0)]]));
    });

    ValueTask IFirehoseCatalog.SaveDeliveryCheckpointAsync(DeliveryCheckpoint c, CancellationToken cancellationToken) => Locked(() =>
    {
        using var cmd = Command("""
            INSERT OR REPLACE INTO delivery_checkpoints(stream_id,destination_id,delivered_offset,pending_end,pending_key,updated_ms)
            VALUES($id,$d,$o,$pe,$pk,$u)
            """, null, ("$id", c.DeliveryStreamId), ("$d", c.DestinationId), ("$o", c.DeliveredOffset), ("$pe", c.PendingEndOffset), ("$pk", c.PendingKey), ("$u", c.UpdatedMs));
        cmd.ExecuteNonQuery();
    });

    ValueTask<IReadOnlyList<DeliveryCheckpoint>> IFirehoseCatalog.LoadDeliveryCheckpointsAsync(CancellationToken cancellationToken) => Locked<IReadOnlyList<DeliveryCheckpoint>>(() =>
        Query("SELECT stream_id,destination_id,delivered_offset,pending_end,pending_key,updated_ms FROM delivery_checkpoints ORDER BY stream_id, destination_id",
            r => new DeliveryCheckpoint(r.GetInt64(0), r.GetString(1), r.GetInt64(2), NullableLong(r, 3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt64(5))));
}
