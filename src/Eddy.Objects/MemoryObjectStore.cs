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
}
