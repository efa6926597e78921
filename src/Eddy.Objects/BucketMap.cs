using System.Buffers;
using System.Security.Cryptography;
using Eddy.Core.Objects;

namespace Eddy.Objects;

/// <summary>The buckets of an embedded store (file or memory) by name, each with its <see cref="BucketIndex{T}"/>.</summary>
/// <remarks>Thread-safe: the map has one lock; each bucket's index is guarded by locking the index itself
/// (<see cref="Read{TResult}"/>). Lock order: the map, then a bucket.</remarks>
internal sealed class BucketMap<T>
{
    private readonly Dictionary<string, BucketIndex<T>> _buckets = new(StringComparer.Ordinal);

    public object Gate { get; } = new();

    public IReadOnlyList<BucketInfo> List()
    {
        lock (Gate)
        {
            return [.. _buckets.Values.Select(b => new BucketInfo(b.Name, b.Created)).OrderBy(b => b.Name, StringComparer.Ordinal)];
        }
    }

    public bool Exists(string bucket)
    {
        lock (Gate)
        {
            return _buckets.ContainsKey(bucket);
        }
    }

    /// <summary>The bucket's index; <c>NoSuchBucket</c> when there is none.</summary>
    public BucketIndex<T> Get(string bucket)
    {
        lock (Gate)
        {
            return _buckets.TryGetValue(bucket, out var index) ? index : throw ObjectStoreException.NoSuchBucket(bucket);
        }
    }

    /// <summary>Runs <paramref name="read"/> under the bucket's lock.</summary>
    public TResult Read<TResult>(string bucket, Func<BucketIndex<T>, TResult> read)
    {
        var index = Get(bucket);
        lock (index)
        {
            return index.Deleted ? throw ObjectStoreException.NoSuchBucket(bucket) : read(index);
        }
    }

    /// <summary>Adds a bucket found when the store opens.</summary>
    public void Add(BucketIndex<T> index)
    {
        lock (Gate)
        {
            _buckets.Add(index.Name, index);
        }
    }

    /// <summary>Makes a bucket created now: checks the name, refuses an existing one, runs <paramref name="create"/>
    /// (the durable part) under the map's lock and adds the bucket. <c>InvalidBucketName</c>,
    /// <c>BucketAlreadyOwnedByYou</c>.</summary>
    public void Create(string bucket, DateTimeOffset now, Action<DateTimeOffset> create)
    {
        ObjectNames.CheckBucket(bucket);
        lock (Gate)
        {
            if (_buckets.ContainsKey(bucket))
            {
                throw ObjectStoreException.BucketAlreadyOwnedByYou(bucket);
            }

            var created = ObjectCopy.Truncate(now);
            create(created);
            _buckets.Add(bucket, new BucketIndex<T>(bucket, created));
        }
    }

    /// <summary>Removes an empty bucket under both locks, after <paramref name="remove"/> (the durable part) ran;
    /// <c>NoSuchBucket</c>, <c>BucketNotEmpty</c>.</summary>
    public void Remove(string bucket, Action<BucketIndex<T>> remove)
    {
        lock (Gate)
        {
            if (!_buckets.TryGetValue(bucket, out var index))
            {
                throw ObjectStoreException.NoSuchBucket(bucket);
            }

            lock (index)
            {
                if (index.Count > 0)
                {
                    throw ObjectStoreException.BucketNotEmpty(bucket);
                }

                remove(index);
                index.Deleted = true;
                _buckets.Remove(bucket);
            }
        }
    }
}

/// <summary>Copying an object's bytes while computing its ETag.</summary>
internal static class ObjectCopy
{
    /// <summary>Copies <paramref name="source"/> to its end into <paramref name="destination"/>; the byte count and S3's
    /// ETag of a single-part object (the quoted lowercase hex MD5).</summary>
    public static async Task<(long Size, string ETag)> CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long size = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                md5.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                size += read;
            }

            return (size, ETagOf(md5.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The metadata of an object just written.</summary>
    public static ObjectInfo Info(string key, long size, string etag, DateTimeOffset now, ObjectWrite write) =>
        new(key, size, etag, Truncate(now), write.ContentType ?? ObjectFile.DefaultContentType, write.ContentEncoding,
            write.UserMetadata is null ? ObjectFile.NoMetadata : new Dictionary<string, string>(write.UserMetadata, StringComparer.Ordinal));

    public static string ETagOf(ReadOnlySpan<byte> md5) => "\"" + Convert.ToHexStringLower(md5) + "\"";

    /// <summary>A time as S3 keeps it: whole milliseconds, UTC.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}
