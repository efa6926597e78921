using System.Collections.Concurrent;
using Eddy.Core.Objects;

namespace Eddy.Objects;

/// <summary>
/// The in-memory twin of <see cref="FileObjectStore"/> (<c>eddy serve --in-memory</c>, tests): the same behaviour,
/// nothing survives the process.
/// </summary>
/// <remarks>Thread-safe (one lock for the bucket map, one per bucket; bytes are copied in before the lock is taken).
/// "Durable" means in this process's memory: a completed put is visible to every later read. Cancellation and failure
/// as <see cref="IObjectStore"/>.</remarks>
public sealed class MemoryObjectStore(TimeProvider? time = null) : IObjectStore
{
    private readonly BucketMap<byte[]> _buckets = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Upload> _uploads = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<BucketInfo>> ListBucketsAsync(CancellationToken cancellationToken) => Task.FromResult(_buckets.List());

    public Task CreateBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        _buckets.Create(bucket, _time.GetUtcNow(), _ => { });
        return Task.CompletedTask;
    }

    public Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken) => Task.FromResult(_buckets.Exists(bucket));

    public Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        _buckets.Remove(bucket, _ => { });
        return Task.CompletedTask;
    }

    public async Task<ObjectInfo> PutObjectAsync(string bucket, string key, Stream content, ObjectWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(write);
        ObjectNames.CheckKey(key);
        var index = _buckets.Get(bucket);
        using var buffer = new MemoryStream();
        var (size, etag) = await ObjectCopy.CopyAsync(content, buffer, cancellationToken).ConfigureAwait(false);
        var info = ObjectCopy.Info(key, size, etag, _time.GetUtcNow(), write);
        var bytes = buffer.ToArray();
        lock (index)
        {
            if (index.Deleted)
            {
                throw ObjectStoreException.NoSuchBucket(bucket);
            }

            index.Set(info, bytes);
        }

        return info;
    }

    public Task<ObjectInfo?> HeadObjectAsync(string bucket, string key, CancellationToken cancellationToken) =>
        Task.FromResult(_buckets.Read(bucket, index => index.TryGet(key, out var info, out _) ? info : null));

    public Task<ObjectContent?> GetObjectAsync(string bucket, string key, ByteRange? range, CancellationToken cancellationToken)
    {
        var found = _buckets.Read(bucket, index => index.TryGet(key, out var info, out var bytes) ? (info, bytes) : default);
        if (found.info is null)
        {
            return Task.FromResult<ObjectContent?>(null);
        }

        var (offset, length) = range is { } r ? r.Resolve(found.bytes.Length) : (0, found.bytes.Length);
        var stream = new MemoryStream(found.bytes, (int)offset, (int)length, writable: false);
        return Task.FromResult<ObjectContent?>(new ObjectContent(found.info, stream, offset, length));
    }

    public Task DeleteObjectAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        ObjectNames.CheckKey(key);
        _buckets.Read(bucket, index => index.Remove(key, out _));
        return Task.CompletedTask;
    }

    public Task<ObjectListing> ListObjectsAsync(string bucket, string? prefix, string? delimiter, string? startAfter, int maxKeys, CancellationToken cancellationToken) =>
        Task.FromResult(_buckets.Read(bucket, index => index.List(prefix, delimiter, startAfter, maxKeys)));

    public Task<string> CreateMultipartUploadAsync(string bucket, string key, ObjectWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ObjectNames.CheckKey(key);
        _ = _buckets.Get(bucket);
        var id = Multipart.NewUploadId();
        _uploads[id] = new Upload(bucket, key, write, ObjectCopy.Truncate(_time.GetUtcNow()));
        return Task.FromResult(id);
    }

    public async Task<PartInfo> UploadPartAsync(string bucket, string key, string uploadId, int partNumber, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        Multipart.CheckPartNumber(partNumber);
        var upload = Find(bucket, key, uploadId);
        using var buffer = new MemoryStream();
        var (size, etag) = await ObjectCopy.CopyAsync(content, buffer, cancellationToken).ConfigureAwait(false);
        var part = new PartInfo(partNumber, size, etag, ObjectCopy.Truncate(_time.GetUtcNow()));
        lock (upload)
        {
            if (upload.Ended)
            {
                throw ObjectStoreException.NoSuchUpload(uploadId);
            }

            upload.Parts[partNumber] = (part, buffer.ToArray());
        }

        return part;
    }

    public Task<ObjectInfo> CompleteMultipartUploadAsync(string bucket, string key, string uploadId, IReadOnlyList<CompletedPart> parts, CancellationToken cancellationToken)
    {
        var upload = Find(bucket, key, uploadId);
        var index = _buckets.Get(bucket);
        lock (upload)
        {
            if (upload.Ended)
            {
                throw ObjectStoreException.NoSuchUpload(uploadId);
            }

            var plan = Multipart.Plan(parts, upload.Parts.ToDictionary(p => p.Key, p => p.Value.Info));
            var bytes = plan.SelectMany(p => upload.Parts[p.PartNumber].Bytes).ToArray();
            var info = ObjectCopy.Info(key, bytes.Length, Multipart.ETagOf(plan), _time.GetUtcNow(), upload.Write);
            lock (index)
            {
                if (index.Deleted)
                {
                    throw ObjectStoreException.NoSuchBucket(bucket);
                }

                index.Set(info, bytes);
            }

            upload.Ended = true;
            _uploads.TryRemove(uploadId, out _);
            return Task.FromResult(info);
        }
    }

    public Task AbortMultipartUploadAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken)
    {
        var upload = Find(bucket, key, uploadId);
        lock (upload)
        {
            upload.Ended = true;
            _uploads.TryRemove(uploadId, out _);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PartInfo>> ListPartsAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken)
    {
        var upload = Find(bucket, key, uploadId);
        lock (upload)
        {
            return Task.FromResult<IReadOnlyList<PartInfo>>([.. upload.Parts.Values.Select(p => p.Info).OrderBy(p => p.PartNumber)]);
        }
    }

    public Task<IReadOnlyList<UploadInfo>> ListMultipartUploadsAsync(string bucket, CancellationToken cancellationToken)
    {
        _ = _buckets.Get(bucket);
        return Task.FromResult<IReadOnlyList<UploadInfo>>([.. _uploads.Where(u => u.Value.Bucket == bucket && !u.Value.Ended)
            .Select(u => new UploadInfo(u.Value.Key, u.Key, u.Value.Initiated))
            .OrderBy(u => u.Key, ObjectNames.KeyOrder).ThenBy(u => u.Initiated)]);
    }

    /// <summary>The upload of that id for that bucket and key; <c>NoSuchBucket</c>, <c>NoSuchUpload</c>.</summary>
    private Upload Find(string bucket, string key, string uploadId)
    {
        _ = _buckets.Get(bucket);
        return uploadId is not null && _uploads.TryGetValue(uploadId, out var upload) && upload.Bucket == bucket && upload.Key == key
            ? upload
            : throw ObjectStoreException.NoSuchUpload(uploadId ?? "");
    }

    /// <summary>An upload in progress; guarded by locking it.</summary>
    private sealed class Upload(string bucket, string key, ObjectWrite write, DateTimeOffset initiated)
    {
        public string Bucket { get; } = bucket;

        public string Key { get; } = key;

        public ObjectWrite Write { get; } = write;

        public DateTimeOffset Initiated { get; } = initiated;

        public Dictionary<int, (PartInfo Info, byte[] Bytes)> Parts { get; } = [];

        public bool Ended { get; set; }
    }
}
