using System.Collections.Concurrent;
using System.Security.Cryptography;
using Eddy.Core.Objects;

namespace Eddy.Firehose.Tests;

/// <summary>A throwaway in-test bucket store until Eddy.Objects' MemoryObjectStore is on main: buckets of whole
/// objects, <c>NoSuchBucket</c> for a missing bucket, and a hook that runs after an object is stored (to hold a put as
/// if the process died before the caller saw it complete).</summary>
internal sealed class TestObjectStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte[]>> _buckets = new(StringComparer.Ordinal);

    public int Puts;

    /// <summary>Runs after an object is stored, before the put completes.</summary>
    public Func<string, Task>? AfterPut { get; set; }

    public IReadOnlyDictionary<string, byte[]> Objects(string bucket) => _buckets[bucket];

    public Task<IReadOnlyList<BucketInfo>> ListBucketsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BucketInfo>>([.. _buckets.Keys.Order(StringComparer.Ordinal).Select(b => new BucketInfo(b, DateTimeOffset.UnixEpoch))]);

    public Task CreateBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        _buckets.TryAdd(bucket, new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal));
        return Task.CompletedTask;
    }

    public Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken) => Task.FromResult(_buckets.ContainsKey(bucket));

    public Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken) => throw new NotSupportedException();

    public async Task<ObjectInfo> PutObjectAsync(string bucket, string key, Stream content, ObjectWrite write, CancellationToken cancellationToken)
    {
        if (!_buckets.TryGetValue(bucket, out var objects))
        {
            throw ObjectStoreException.NoSuchBucket(bucket);
        }
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy, cancellationToken);
        objects[key] = copy.ToArray();
        Interlocked.Increment(ref Puts);
        if (AfterPut is { } after)
        {
            await after(key);
        }
        return Info(key, objects[key]);
    }

    public Task<ObjectInfo?> HeadObjectAsync(string bucket, string key, CancellationToken cancellationToken) =>
        Task.FromResult(_buckets[bucket].TryGetValue(key, out var data) ? Info(key, data) : null);

    public Task<ObjectContent?> GetObjectAsync(string bucket, string key, ByteRange? range, CancellationToken cancellationToken) =>
        Task.FromResult(_buckets[bucket].TryGetValue(key, out var data) ? new ObjectContent(Info(key, data), new MemoryStream(data), 0, data.Length) : null);

    public Task DeleteObjectAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        _buckets[bucket].TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task<ObjectListing> ListObjectsAsync(string bucket, string? prefix, string? delimiter, string? startAfter, int maxKeys, CancellationToken cancellationToken) =>
        Task.FromResult(new ObjectListing([.. _buckets[bucket].OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => Info(o.Key, o.Value))], [], false, null));

    private static ObjectInfo Info(string key, byte[] data) =>
        new(key, data.Length, $"\"{Convert.ToHexStringLower(MD5.HashData(data))}\"", DateTimeOffset.UnixEpoch, "binary/octet-stream", null, new Dictionary<string, string>());
}
