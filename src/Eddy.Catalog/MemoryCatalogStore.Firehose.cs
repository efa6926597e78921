namespace Eddy.Catalog;

/// <summary>The Firehose area of the memory twin (same lock as every other area).</summary>
public sealed partial class MemoryCatalogStore : IFirehoseCatalog
{
    private readonly SortedDictionary<long, DeliveryStreamRecord> _deliveryStreams = [];
    private readonly SortedDictionary<(long Id, string Destination), DeliveryCheckpoint> _deliveryCheckpoints = [];
    private long _nextDeliveryStreamId = 1;

    public IFirehoseCatalog Firehose => this;

    ValueTask<long> IFirehoseCatalog.NextDeliveryStreamIdAsync(CancellationToken cancellationToken) => Locked(() => _nextDeliveryStreamId++);

    ValueTask IFirehoseCatalog.SaveDeliveryStreamAsync(DeliveryStreamRecord stream, CancellationToken cancellationToken) => Locked(() =>
    {
        _deliveryStreams[stream.Id] = stream with { Tags = [.. stream.Tags.OrderBy(t => t.Key, StringComparer.Ordinal)] };
        _nextDeliveryStreamId = Math.Max(_nextDeliveryStreamId, stream.Id + 1);
    });

    ValueTask IFirehoseCatalog.DeleteDeliveryStreamAsync(long id, CancellationToken cancellationToken) => Locked(() =>
    {
        _deliveryStreams.Remove(id);
        foreach (var key in _deliveryCheckpoints.Keys.Where(k => k.Id == id).ToList())
        {
            _deliveryCheckpoints.Remove(key);
        }
    });

    ValueTask<IReadOnlyList<DeliveryStreamRecord>> IFirehoseCatalog.LoadDeliveryStreamsAsync(CancellationToken cancellationToken) =>
        Locked<IReadOnlyList<DeliveryStreamRecord>>(() => [.. _deliveryStreams.Values]);

    ValueTask IFirehoseCatalog.SaveDeliveryCheckpointAsync(DeliveryCheckpoint checkpoint, CancellationToken cancellationToken) =>
        Locked(() => { _deliveryCheckpoints[(checkpoint.DeliveryStreamId, checkpoint.DestinationId)] = checkpoint; });

    ValueTask<IReadOnlyList<DeliveryCheckpoint>> IFirehoseCatalog.LoadDeliveryCheckpointsAsync(CancellationToken cancellationToken) =>
        Locked<IReadOnlyList<DeliveryCheckpoint>>(() => [.. _deliveryCheckpoints.Values]);
}
