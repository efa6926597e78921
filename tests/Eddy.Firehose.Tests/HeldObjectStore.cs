using Eddy.Core.Objects;
using Eddy.Objects;

namespace Eddy.Firehose.Tests;

/// <summary>A <see cref="MemoryObjectStore"/> that counts puts and can hold a put after its object is stored, as if
/// the process died before the caller saw it complete; <see cref="ReadAllAsync"/> reads a bucket back whole.</summary>
internal sealed class HeldObjectStore(MemoryObjectStore inner) : IObjectStore
{
    private int _puts;

    public int Puts => Volatile.Read(ref _puts);

    /// <summary>Runs after an object is stored, before the put completes.</summary>
    public Func<string, Task>? AfterPut { get; set; }

    /// <summary>Keys whose puts fail with S3's InternalError (nothing stored).</summary>
    public Func<string, bool>? FailPut { get; set; }

    public async Task<IReadOnlyDictionary<string, byte[]>> ReadAllAsync(string bucket)
    {
        var all = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var listing = await inner.ListObjectsAsync(bucket, null, null, null, 1000, CancellationToken.None);
        foreach (var info in listing.Objects)
        {
            await using var content = (await inner.GetObjectAsync(bucket, info.Key, null, CancellationToken.None))!;
            using var copy = new MemoryStream();
            await content.Content.CopyToAsync(copy);
            all[info.Key] = copy.ToArray();
        }
        return all;
    }

    public Task<IReadOnlyList<BucketInfo>> ListBucketsAsync(CancellationToken cancellationToken) => inner.ListBucketsAsync(cancellationToken);

    public Task CreateBucketAsync(string bucket, CancellationToken cancellationToken) => inner.CreateBucketAsync(bucket, cancellationToken);

    public Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken) => inner.BucketExistsAsync(bucket, cancellationToken);

    public Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken) => inner.DeleteBucketAsync(bucket, cancellationToken);

    public async Task<ObjectInfo> PutObjectAsync(string bucket, string key, Stream content, ObjectWrite write, CancellationToken cancellationToken)
    {
        if (FailPut?.Invoke(key) == true)
        {
            throw new ObjectStoreException("InternalError", "We encountered an internal error. Please try again.", 500);
        }
        var info = await inner.PutObjectAsync(bucket, key, content, write, cancellationToken);
        Interlocked.Increment(ref _puts);
        if (AfterPut is { } after)
        {
            await after(key);
        }
        return info;
    }

    public Task<ObjectInfo?> HeadObjectAsync(string bucket, string key, CancellationToken cancellationToken) => inner.HeadObjectAsync(bucket, key, cancellationToken);

    public Task<ObjectContent?> GetObjectAsync(string bucket, string key, ByteRange? range, CancellationToken cancellationToken) => inner.GetObjectAsync(bucket, key, range, cancellationToken);

    public Task DeleteObjectAsync(string bucket, string key, CancellationToken cancellationToken) => inner.DeleteObjectAsync(bucket, key, cancellationToken);

    public Task<ObjectListing> ListObjectsAsync(string bucket, string? prefix, string? delimiter, string? startAfter, int maxKeys, CancellationToken cancellationToken) =>
        inner.ListObjectsAsync(bucket, prefix, delimiter, startAfter, maxKeys, cancellationToken);
}
