using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eddy.Catalog;
using Eddy.Core;
using Eddy.Core.Firehose;
using Eddy.Core.Glue;
using Eddy.Core.Objects;
using Eddy.Firehose.Delivery;
using Eddy.Storage;

namespace Eddy.Firehose;

/// <summary>
/// <see cref="IFirehoseEngine"/> on the log store (one buffer log per delivery stream, <c>firehose-&lt;id&gt;</c>), the
/// catalog's Firehose area and a bucket store (<see cref="IObjectStore"/>); one <see cref="DeliveryLoop"/> per ACTIVE
/// delivery stream, and a <see cref="KinesisSource"/> for stream-sourced ones.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Control-plane calls run one at a time under an asynchronous lock and write the catalog
/// before they return; puts read an immutable snapshot of the delivery stream and append without a lock.</para>
/// <para><b>Lifetime.</b> The constructor does no I/O. <see cref="StartAsync"/> loads the catalog, finishes
/// interrupted state changes and starts the loops; <see cref="StopAsync"/> flushes every buffer (one attempt) and
/// stops them. <c>services.AddEddyFirehose()</c> does both as a hosted service.</para>
/// <para><b>Not yet delivered.</b> Snowflake and Iceberg destinations are accepted and described; their records stay in
/// the buffer (the other kinds have a writer: <see cref="Delivery.DestinationWriters"/>).</para>
/// </remarks>
public sealed class FirehoseEngine : IFirehoseEngine, IFirehoseMetrics, IAsyncDisposable
{
    private const string DestinationId = "destinationId-000000000001";
    private const int MaxTags = 50;

    private readonly FirehoseOptions _options;
    private readonly ILogStore _logs;
    private readonly ICatalogStore _catalog;
    private readonly DeliveryServices _services;
    private readonly IShardReaders? _readers;
    private readonly IFirehoseProcessor? _processor;
    private readonly SemaphoreSlim _control = new(1, 1);
    private readonly ConcurrentDictionary<string, DeliveryStream> _streams = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _transitions = [];
    private IReadOnlyDictionary<long, DeliveryCheckpoint> _checkpoints = new Dictionary<long, DeliveryCheckpoint>();

    public FirehoseEngine(FirehoseOptions options, ILogStore logs, ICatalogStore catalog, IObjectStore objects, IShardReaders? readers = null, IFirehoseProcessor? processor = null,
        IGlueDataCatalog? glue = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logs = logs;
        _catalog = catalog;
        _services = new DeliveryServices(options, objects, new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan }, glue);
        _readers = readers;
        _processor = processor;
    }

    public string Account => _options.Account;

    public string Region => _options.Region;

    private IFirehoseCatalog Catalog => _catalog.Firehose;

    private long NowMs => _options.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The processor's check of an enabled <c>ProcessingConfiguration</c> (none without a processor).</summary>
    private void CheckProcessing(Destination destination)
    {
        if (_processor is not null && destination.Processing is { } processing)
        {
            _processor.Validate(processing.ToJsonString());
        }
    }

    /// <summary>The opaque id of the record at <paramref name="offset"/> of a delivery stream's buffer.</summary>
    public static string RecordId(long deliveryStreamId, long offset) => $"{deliveryStreamId:x8}{offset:x16}";

    public string Arn(string name) => $"arn:aws:firehose:{_options.Region}:{_options.Account}:deliverystream/{name}";

    // ---- lifetime ---------------------------------------------------------------------------------------------------

    /// <summary>Loads every delivery stream, finishes interrupted CREATING/DELETING, starts the loops.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _checkpoints = (await Catalog.LoadDeliveryCheckpointsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.DeliveryStreamId);
            foreach (var record in await Catalog.LoadDeliveryStreamsAsync(cancellationToken).ConfigureAwait(false))
            {
                var stream = new DeliveryStream(record, Destination.FromJson(record.DestinationJson), _logs.Open(DeliveryStream.LogId(record.Id)), Arn(record.Name));
                _streams[record.Name] = stream;
                if (record.Status == DeliveryStreamStatus.Deleting)
                {
                    await RemoveAsync(stream).ConfigureAwait(false);
                    continue;
                }
                if (record.Status == DeliveryStreamStatus.Creating)
                {
                    stream.Record = record with { Status = DeliveryStreamStatus.Active };
                    await Catalog.SaveDeliveryStreamAsync(stream.Record, cancellationToken).ConfigureAwait(false);
                }
                if (stream.Record.Status == DeliveryStreamStatus.Active)
                {
                    StartWork(stream);
                }
            }
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>Flushes every buffer (one attempt each) and stops the loops and sources.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] transitions;
        lock (_transitions)
        {
            transitions = [.. _transitions];
        }
        await Task.WhenAll(transitions).ConfigureAwait(false);
        await _control.WaitAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_streams.Values.Select(s => StopWorkAsync(s, flush: true))).ConfigureAwait(false);
        }
        finally
        {
            _control.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
        _control.Dispose();
        _services.Http.Dispose();
    }

    private void StartWork(DeliveryStream stream)
    {
        _checkpoints.TryGetValue(stream.Record.Id, out var checkpoint);
        stream.Loop = new DeliveryLoop(stream, _services, Catalog, _processor, checkpoint);
        stream.Loop.Start();
        if (stream.Record.SourceJson is { } source && _readers is not null)
        {
            var json = JsonNode.Parse(source)!;
            stream.Source = new KinesisSource(stream, _readers, _catalog.Checkpoints, (string)json["KinesisStreamARN"]!,
                DateTimeOffset.FromUnixTimeMilliseconds(stream.Record.CreatedMs), _options);
            stream.Source.Start();
        }
    }

    private static async Task StopWorkAsync(DeliveryStream stream, bool flush)
    {
        if (stream.Source is { } source)
        {
            stream.Source = null;
            await source.StopAsync().ConfigureAwait(false);
        }
        if (stream.Loop is { } loop)
        {
            stream.Loop = null;
            await loop.StopAsync(flush).ConfigureAwait(false);
        }
    }

    // ---- control plane ----------------------------------------------------------------------------------------------

    public async ValueTask<string> CreateDeliveryStreamAsync(CreateDeliveryStreamInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var type = input.Type ?? FirehoseWire.DirectPut;
        if (input.Destinations.Count != 1)
        {
            throw FirehoseException.Invalid("Exactly one destination configuration must be specified.");
        }
        if (type is not (FirehoseWire.DirectPut or FirehoseWire.KinesisStreamAsSource))
        {
            throw FirehoseException.Invalid($"DeliveryStreamType {type} is not supported.");
        }
        if (type == FirehoseWire.KinesisStreamAsSource && input.KinesisSource is null)
        {
            throw FirehoseException.Invalid("KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource.");
        }
        if (type == FirehoseWire.DirectPut && input.KinesisSource is not null)
        {
            throw FirehoseException.Invalid("KinesisStreamSourceConfiguration is only allowed when DeliveryStreamType is KinesisStreamAsSource.");
        }
        if (type == FirehoseWire.KinesisStreamAsSource && input.Encryption is not null)
        {
            throw FirehoseException.Invalid("Server-side encryption is not supported for KinesisStreamAsSource delivery streams.");
        }
        CheckEncryption(input.Encryption);
        CheckTags(input.Tags);
        var destination = Destination.FromCreate(input.Destinations[0]);
        CheckProcessing(destination);
        await ParquetConversion.CheckTableAsync(destination, _services.Glue, cancellationToken).ConfigureAwait(false);
        string? sourceJson = null;
        if (input.KinesisSource is { } source)
        {
            await CheckSourceStreamAsync(source.KinesisStreamArn).ConfigureAwait(false);
            sourceJson = new JsonObject { ["KinesisStreamARN"] = source.KinesisStreamArn, ["RoleARN"] = source.RoleArn }.ToJsonString();
        }

        await _control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_streams.ContainsKey(input.Name))
            {
                throw FirehoseException.InUse($"Firehose {input.Name} under accountId {Account} already exists");
            }
            if (_streams.Count >= _options.DeliveryStreamLimit)
            {
                throw new FirehoseException(FirehoseException.LimitExceeded, $"You have already consumed your firehose quota of {_options.DeliveryStreamLimit} hoses. Firehose names: {string.Join(", ", _streams.Keys.Order(StringComparer.Ordinal).Take(5))}");
            }
            var id = await Catalog.NextDeliveryStreamIdAsync(cancellationToken).ConfigureAwait(false);
            var delayed = _options.StateDelay > TimeSpan.Zero;
            var encryption = input.Encryption is null ? DeliveryEncryptionStatus.Disabled : DeliveryEncryptionStatus.Enabled;
            var record = new DeliveryStreamRecord(id, input.Name, type, delayed ? DeliveryStreamStatus.Creating : DeliveryStreamStatus.Active, 1, NowMs, null,
                DestinationId, destination.ToJson(), sourceJson, encryption, input.Encryption?.KeyType, input.Encryption?.KeyArn,
                Deduplicated(input.Tags));
            await Catalog.SaveDeliveryStreamAsync(record, CancellationToken.None).ConfigureAwait(false);
            var stream = new DeliveryStream(record, destination, _logs.Open(DeliveryStream.LogId(id)), Arn(input.Name));
            _streams[input.Name] = stream;
            if (delayed)
            {
                Later(async () =>
                {
                    if (_streams.TryGetValue(input.Name, out var s) && s == stream && s.Record.Status == DeliveryStreamStatus.Creating)
                    {
                        s.Record = s.Record with { Status = DeliveryStreamStatus.Active };
                        await Catalog.SaveDeliveryStreamAsync(s.Record).ConfigureAwait(false);
                        StartWork(s);
                    }
                });
            }
            else
            {
                StartWork(stream);
            }
            return stream.Arn;
        }
        finally
        {
            _control.Release();
        }
    }

    public async ValueTask DeleteDeliveryStreamAsync(string name, bool allowForceDelete, CancellationToken cancellationToken = default)
    {
        await _control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = Find(name);
            if (stream.Record.Status == DeliveryStreamStatus.Creating && !allowForceDelete)
            {
                throw FirehoseException.InUse($"Firehose {name} under accountId {Account} is in CREATING state and cannot be deleted.");
            }
            if (stream.Record.Status == DeliveryStreamStatus.Deleting)
            {
                return;
            }
            stream.Record = stream.Record with { Status = DeliveryStreamStatus.Deleting };
            await Catalog.SaveDeliveryStreamAsync(stream.Record, CancellationToken.None).ConfigureAwait(false);
            await StopWorkAsync(stream, flush: false).ConfigureAwait(false);
            if (_options.StateDelay > TimeSpan.Zero)
            {
                Later(async () =>
                {
                    if (_streams.TryGetValue(name, out var s) && s == stream)
                    {
                        await RemoveAsync(s).ConfigureAwait(false);
                    }
                });
            }
            else
            {
                await RemoveAsync(stream).ConfigureAwait(false);
            }
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>Drops a DELETING delivery stream: its source's checkpoints, its buffer, its catalog rows. Under the lock.</summary>
    private async Task RemoveAsync(DeliveryStream stream)
    {
        await StopWorkAsync(stream, flush: false).ConfigureAwait(false);
        await _catalog.Checkpoints.DeleteConsumerAsync(KinesisSource.ConsumerName(stream.Record.Id)).ConfigureAwait(false);
        await _logs.DeleteAsync(stream.Log.Id).ConfigureAwait(false);
        await Catalog.DeleteDeliveryStreamAsync(stream.Record.Id).ConfigureAwait(false);
        _streams.TryRemove(new KeyValuePair<string, DeliveryStream>(stream.Record.Name, stream));
    }

    /// <summary>Runs a deferred state change under the control lock once the state delay has passed.</summary>
    private void Later(Func<Task> change)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(_options.StateDelay, _options.Time, _stopping.Token).ConfigureAwait(false);
                await _control.WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // a restart finishes the change (StartAsync)
            }
            try
            {
                await change().ConfigureAwait(false);
            }
            finally
            {
                _control.Release();
            }
        });
        lock (_transitions)
        {
            _transitions.RemoveAll(t => t.IsCompleted);
            _transitions.Add(task);
        }
    }

    public async ValueTask<DeliveryStreamView> DescribeDeliveryStreamAsync(string name, CancellationToken cancellationToken = default)
    {
        var stream = Find(name);
        var r = stream.Record;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            stream.Destination.WriteDescription(w, r.DestinationId);
        }
        KinesisSourceView? source = null;
        if (r.SourceJson is { } json)
        {
            var node = JsonNode.Parse(json)!;
            source = new KinesisSourceView((string)node["KinesisStreamARN"]!, (string)node["RoleARN"]!, DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedMs));
        }
        await Task.CompletedTask.ConfigureAwait(false);
        return new DeliveryStreamView(r.Name, stream.Arn, r.Status, r.Type, r.VersionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedMs), r.UpdatedMs is { } u ? DateTimeOffset.FromUnixTimeMilliseconds(u) : null,
            new EncryptionView(r.EncryptionStatus, r.KeyType, r.KeyArn), source, System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    public ValueTask<DeliveryStreamList> ListDeliveryStreamsAsync(int? limit, string? type, string? exclusiveStartName, CancellationToken cancellationToken = default)
    {
        var names = _streams.Values.Where(s => type is null || s.Record.Type == type).Select(s => s.Record.Name)
            .Where(n => exclusiveStartName is null || string.CompareOrdinal(n, exclusiveStartName) > 0)
            .Order(StringComparer.Ordinal).ToList();
        var take = limit ?? 10;
        return ValueTask.FromResult(new DeliveryStreamList([.. names.Take(take)], names.Count > take));
    }

    public async ValueTask UpdateDestinationAsync(string name, string currentVersionId, string destinationId, DestinationInput update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        await _control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = Find(name);
            var r = stream.Record;
            if (r.Status != DeliveryStreamStatus.Active)
            {
                throw FirehoseException.InUse($"Firehose {name} under accountId {Account} is not in ACTIVE state.");
            }
            if (currentVersionId != r.VersionId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new FirehoseException(FirehoseException.ConcurrentModification,
                    $"Cannot update firehose: {name} since the current version id: {r.VersionId} and specified version id: {currentVersionId} do not match");
            }
            if (destinationId != r.DestinationId)
            {
                throw FirehoseException.Invalid($"Destination Id {destinationId} not found in firehose {name}.");
            }
            var changed = stream.Destination.Update(update);
            CheckProcessing(changed);
            await ParquetConversion.CheckTableAsync(changed, _services.Glue, CancellationToken.None).ConfigureAwait(false);
            stream.Record = r with { VersionId = r.VersionId + 1, UpdatedMs = NowMs, DestinationJson = changed.ToJson() };
            await Catalog.SaveDeliveryStreamAsync(stream.Record, CancellationToken.None).ConfigureAwait(false);
            stream.Destination = changed;
        }
        finally
        {
            _control.Release();
        }
    }

    public async ValueTask TagDeliveryStreamAsync(string name, IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken cancellationToken = default)
    {
        CheckTags(tags);
        await ChangeAsync(name, r =>
        {
            var merged = r.Tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
            foreach (var (k, v) in tags)
            {
                merged[k] = v;
            }
            if (merged.Count > MaxTags)
            {
                throw new FirehoseException(FirehoseException.LimitExceeded, $"A delivery stream cannot have more than {MaxTags} tags.");
            }
            return r with { Tags = [.. merged.OrderBy(t => t.Key, StringComparer.Ordinal)] };
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask UntagDeliveryStreamAsync(string name, IReadOnlyList<string> keys, CancellationToken cancellationToken = default) =>
        ChangeAsync(name, r => r with { Tags = [.. r.Tags.Where(t => !keys.Contains(t.Key))] }, cancellationToken);

    public ValueTask<TagList> ListTagsForDeliveryStreamAsync(string name, string? exclusiveStartKey, int? limit, CancellationToken cancellationToken = default)
    {
        var tags = Find(name).Record.Tags.Where(t => exclusiveStartKey is null || string.CompareOrdinal(t.Key, exclusiveStartKey) > 0).ToList();
        var take = limit ?? 50;
        return ValueTask.FromResult(new TagList([.. tags.Take(take)], tags.Count > take));
    }

    public ValueTask StartEncryptionAsync(string name, EncryptionInput? encryption, CancellationToken cancellationToken = default)
    {
        CheckEncryption(encryption);
        return ChangeAsync(name, r => r.Type != FirehoseWire.DirectPut
            ? throw FirehoseException.Invalid($"Encryption is not supported for delivery stream type {r.Type}.")
            : r with { EncryptionStatus = DeliveryEncryptionStatus.Enabled, KeyType = encryption?.KeyType ?? "AWS_OWNED_CMK", KeyArn = encryption?.KeyArn }, cancellationToken);
    }

    public ValueTask StopEncryptionAsync(string name, CancellationToken cancellationToken = default) =>
        ChangeAsync(name, r => r.Type != FirehoseWire.DirectPut
            ? throw FirehoseException.Invalid($"Encryption is not supported for delivery stream type {r.Type}.")
            : r with { EncryptionStatus = DeliveryEncryptionStatus.Disabled, KeyType = null, KeyArn = null }, cancellationToken);

    private async ValueTask ChangeAsync(string name, Func<DeliveryStreamRecord, DeliveryStreamRecord> change, CancellationToken cancellationToken)
    {
        await _control.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = Find(name);
            var changed = change(stream.Record);
            await Catalog.SaveDeliveryStreamAsync(changed, CancellationToken.None).ConfigureAwait(false);
            stream.Record = changed;
        }
        finally
        {
            _control.Release();
        }
    }

    // ---- data plane -------------------------------------------------------------------------------------------------

    public async ValueTask<FirehosePutResult> PutRecordsAsync(string name, IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var stream = Find(name);
        var r = stream.Record;
        if (r.Type != FirehoseWire.DirectPut)
        {
            throw FirehoseException.Invalid("This operation is not permitted on KinesisStreamAsSource delivery stream type.");
        }
        if (r.Status is not (DeliveryStreamStatus.Active or DeliveryStreamStatus.Deleting))
        {
            throw new FirehoseException(FirehoseException.ResourceNotFound, $"Firehose {name} under account {Account} is not in ACTIVE state.");
        }
        var appended = await stream.Log.AppendAsync(records, cancellationToken).ConfigureAwait(false);
        stream.Counters.Incoming(records.Count, records.Sum(p => (long)p.Length));
        var ids = new string[records.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = RecordId(r.Id, appended.FirstOffset + i);
        }
        return new FirehosePutResult(ids, r.EncryptionStatus == DeliveryEncryptionStatus.Enabled);
    }

    // ---- metrics ----------------------------------------------------------------------------------------------------

    public IReadOnlyList<DeliveryStreamMetrics> Snapshot() =>
        [.. _streams.Values.OrderBy(s => s.Record.Name, StringComparer.Ordinal).Select(s => s.Counters.Snapshot(NowMs))];

    /// <summary>Completes once the delivery stream's counters satisfy <paramref name="condition"/> (checked after every
    /// change; for tests and tools that wait for a delivery). ResourceNotFound for an unknown delivery stream.</summary>
    public Task WaitForMetricsAsync(string name, Func<DeliveryStreamMetrics, bool> condition, CancellationToken cancellationToken) =>
        Find(name).Counters.WaitUntilAsync(condition, _options.Time, cancellationToken);

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private DeliveryStream Find(string name) =>
        _streams.TryGetValue(name, out var stream) ? stream : throw FirehoseException.NotFound(name, Account);

    private async Task CheckSourceStreamAsync(string arn)
    {
        if (_readers is null)
        {
            throw FirehoseException.Invalid("KinesisStreamAsSource is not available: this server serves no Kinesis streams.");
        }
        try
        {
            await _readers.DescribeShardsAsync(new StreamRef(null, arn)).ConfigureAwait(false);
        }
        catch (ServiceException e)
        {
            throw FirehoseException.Invalid($"The source stream {arn} cannot be read: {e.ErrorMessage ?? e.ErrorType}");
        }
    }

    private static void CheckEncryption(EncryptionInput? encryption)
    {
        if (encryption is null)
        {
            return;
        }
        if (encryption.KeyType == "CUSTOMER_MANAGED_CMK" && string.IsNullOrEmpty(encryption.KeyArn))
        {
            throw FirehoseException.Invalid("KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.");
        }
        if (encryption.KeyType == "AWS_OWNED_CMK" && !string.IsNullOrEmpty(encryption.KeyArn))
        {
            throw FirehoseException.Invalid("KeyARN must not be specified when KeyType is AWS_OWNED_CMK.");
        }
    }

    private static void CheckTags(IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        if (tags.Count > MaxTags)
        {
            throw new FirehoseException(FirehoseException.LimitExceeded, $"A delivery stream cannot have more than {MaxTags} tags.");
        }
        if (tags.FirstOrDefault(t => t.Key.StartsWith("aws:", StringComparison.Ordinal)) is { Key: not null } reserved)
        {
            throw FirehoseException.Invalid($"Tag key {reserved.Key} is invalid: keys starting with aws: are reserved.");
        }
    }

    private static List<KeyValuePair<string, string>> Deduplicated(IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in tags)
        {
            byKey[k] = v;
        }
        return [.. byKey.OrderBy(t => t.Key, StringComparer.Ordinal)];
    }
}
