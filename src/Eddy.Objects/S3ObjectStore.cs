using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Eddy.Core.Objects;
using BucketInfo = Eddy.Core.Objects.BucketInfo;
using ByteRange = Eddy.Core.Objects.ByteRange;

namespace Eddy.Objects;

/// <summary>Where <see cref="S3ObjectStore"/> connects: an S3-compatible endpoint, its addressing style, region and
/// credentials.</summary>
/// <param name="ServiceUrl">The endpoint, e.g. <c>http://127.0.0.1:9000</c>; null for AWS's own S3 in
/// <paramref name="Region"/>.</param>
/// <param name="ForcePathStyle">Path-style addressing (<c>http://host/bucket/key</c>), which most S3-compatible
/// servers need.</param>
public sealed record S3StoreOptions(string? ServiceUrl, string Region, string AccessKey, string SecretKey, bool ForcePathStyle = true);

/// <summary>
/// <see cref="IObjectStore"/> on any S3-compatible endpoint through AWSSDK.S3 (Firehose's S3 destination when it
/// delivers outside Eddy). Durability is the endpoint's: a put completes when the endpoint acknowledged it.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Safe from any thread (one <see cref="AmazonS3Client"/>, which is). <b>Ownership.</b> The store
/// owns its client; dispose the store to dispose it. A put of a stream that cannot seek is first copied into memory
/// (the SDK needs the length to sign).</para>
/// <para><b>Failure.</b> <see cref="AmazonS3Exception"/>s with an S3 error code become <see cref="ObjectStoreException"/>s
/// with that code and status (a HEAD's bodiless 404 becomes <c>NoSuchBucket</c> or a missing key by what was asked);
/// network failures surface as the SDK raised them, after the SDK's own retries. Checksums are sent and validated
/// only when S3 requires them, as many S3-compatible servers do not know the newer trailing checksums.</para>
/// </remarks>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly AmazonS3Client _client;

    public S3ObjectStore(S3StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.ServiceUrl is null)
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }

        _client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public async Task<IReadOnlyList<BucketInfo>> ListBucketsAsync(CancellationToken cancellationToken)
    {
        var response = await Call(null, null, () => _client.ListBucketsAsync(new ListBucketsRequest(), cancellationToken)).ConfigureAwait(false);
        return [.. (response.Buckets ?? []).Select(b => new BucketInfo(b.BucketName, ToOffset(b.CreationDate))).OrderBy(b => b.Name, StringComparer.Ordinal)];
    }

    public async Task CreateBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        ObjectNames.CheckBucket(bucket);
        try
        {
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e)
        {
            // Servers that do not tell "yours" from "someone else's" (s3rver): a bucket that answers us is ours.
            throw e.ErrorCode == "BucketAlreadyExists" && await BucketExistsAsync(bucket, cancellationToken).ConfigureAwait(false)
                ? ObjectStoreException.BucketAlreadyOwnedByYou(bucket)
                : Map(e, bucket, null);
        }
    }

    public async Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            await _client.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken) =>
        Call(bucket, null, () => _client.DeleteBucketAsync(new DeleteBucketRequest { BucketName = bucket }, cancellationToken));

    public async Task<ObjectInfo> PutObjectAsync(string bucket, string key, Stream content, ObjectWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(write);
        ObjectNames.CheckKey(key);
        using var buffered = new MemoryStream();
        var (size, etag) = await ObjectCopy.CopyAsync(content, buffered, cancellationToken).ConfigureAwait(false);
        buffered.Position = 0;
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = buffered,
            AutoCloseStream = false,
            UseChunkEncoding = false, // one signed payload: several S3-compatible servers store aws-chunked bodies raw
            ContentType = write.ContentType ?? ObjectFile.DefaultContentType,
        };
        if (write.ContentEncoding is not null)
        {
            request.Headers.ContentEncoding = write.ContentEncoding;
        }

        foreach (var (name, value) in write.UserMetadata ?? ObjectFile.NoMetadata)
        {
            request.Metadata[name] = value;
        }

        var response = await Call(bucket, key, () => _client.PutObjectAsync(request, cancellationToken)).ConfigureAwait(false);
        var info = ObjectCopy.Info(key, size, response.ETag ?? etag, DateTimeOffset.UtcNow, write);
        // The endpoint's own clock and ETag are what a later HEAD reports; ask for them.
        return await HeadObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false) ?? info;
    }

    public async Task<ObjectInfo?> HeadObjectAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return Info(key, response.ContentLength, response.ETag, response.LastModified, response.Headers, response.Metadata);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return await BucketExistsAsync(bucket, cancellationToken).ConfigureAwait(false) ? null : throw ObjectStoreException.NoSuchBucket(bucket);
        }
        catch (AmazonS3Exception e)
        {
            throw Map(e, bucket, key);
        }
    }

    public async Task<ObjectContent?> GetObjectAsync(string bucket, string key, ByteRange? range, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = bucket, Key = key };
        if (range is { First: null } suffix)
        {
            // A suffix range is asked as the absolute range it stands for: not every S3-compatible server reads
            // "bytes=-N" (s3rver serves bytes 0-N).
            if (await HeadObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false) is not { } head)
            {
                return null;
            }

            var (first, count) = suffix.Resolve(head.Size);
            range = new ByteRange(first, first + count - 1);
        }

        if (range is { } r)
        {
            request.ByteRange = new Amazon.S3.Model.ByteRange($"bytes={r.First}-{r.Last}");
        }

        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
        {
            return null;
        }
        catch (AmazonS3Exception e)
        {
            throw Map(e, bucket, key);
        }

        var length = response.ContentLength;
        var (offset, size) = ContentRange(response.ContentRange, length);
        var info = Info(key, size, response.ETag, response.LastModified, response.Headers, response.Metadata);
        return new ObjectContent(info, new ResponseStream(response), offset, length);
    }

    public Task DeleteObjectAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        ObjectNames.CheckKey(key);
        return DeleteAsync();

        async Task DeleteAsync()
        {
            // S3 answers a delete in a missing bucket with NoSuchBucket; some compatible servers answer 204, so ask.
            if (!await BucketExistsAsync(bucket, cancellationToken).ConfigureAwait(false))
            {
                throw ObjectStoreException.NoSuchBucket(bucket);
            }

            await Call(bucket, key, () => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, cancellationToken)).ConfigureAwait(false);
        }
    }

    public async Task<ObjectListing> ListObjectsAsync(string bucket, string? prefix, string? delimiter, string? startAfter, int maxKeys, CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request
        {
            BucketName = bucket,
            Prefix = prefix,
            Delimiter = delimiter,
            StartAfter = startAfter,
            MaxKeys = maxKeys,
        };
        var response = await Call(bucket, null, () => _client.ListObjectsV2Async(request, cancellationToken)).ConfigureAwait(false);
        var objects = (response.S3Objects ?? []).Select(o => new ObjectInfo(
            o.Key, o.Size ?? 0, o.ETag, ToOffset(o.LastModified), ObjectFile.DefaultContentType, null, ObjectFile.NoMetadata)).ToList();
        var prefixes = response.CommonPrefixes ?? [];
        var truncated = response.IsTruncated ?? false;
        string? next = null;
        if (truncated)
        {
            var lastKey = objects.Count > 0 ? objects[^1].Key : null;
            var lastPrefix = prefixes.Count > 0 ? prefixes[^1] : null;
            next = lastKey is null ? lastPrefix : lastPrefix is null ? lastKey : ObjectNames.KeyOrder.Compare(lastKey, lastPrefix) > 0 ? lastKey : lastPrefix;
        }

        return new ObjectListing(objects, prefixes, truncated, next);
    }

    public void Dispose() => _client.Dispose();

    private static async Task<T> Call<T>(string? bucket, string? key, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonS3Exception e)
        {
            throw Map(e, bucket, key);
        }
    }

    /// <summary>An S3 error as the store's: S3's code and status, S3's message; the bucket or key it is about.</summary>
    private static Exception Map(AmazonS3Exception e, string? bucket, string? key)
    {
        if (string.IsNullOrEmpty(e.ErrorCode))
        {
            return e;
        }

        return e.ErrorCode switch
        {
            "NoSuchBucket" => ObjectStoreException.NoSuchBucket(bucket ?? ""),
            "NoSuchKey" => ObjectStoreException.NoSuchKey(key ?? ""),
            "BucketAlreadyOwnedByYou" => ObjectStoreException.BucketAlreadyOwnedByYou(bucket ?? ""),
            "BucketNotEmpty" => ObjectStoreException.BucketNotEmpty(bucket ?? ""),
            "InvalidBucketName" => ObjectStoreException.InvalidBucketName(bucket ?? ""),
            "InvalidRange" => new ObjectStoreException("InvalidRange", e.Message, 416),
            _ => new ObjectStoreException(e.ErrorCode, e.Message, (int)e.StatusCode) { Resource = key ?? bucket },
        };
    }

    private static ObjectInfo Info(string key, long size, string etag, DateTime? lastModified, HeadersCollection headers, MetadataCollection metadata)
    {
        var user = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in metadata.Keys)
        {
            user[name.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? name["x-amz-meta-".Length..] : name] = metadata[name];
        }

        return new ObjectInfo(key, size, etag, ToOffset(lastModified), headers.ContentType ?? ObjectFile.DefaultContentType,
            string.IsNullOrEmpty(headers.ContentEncoding) ? null : headers.ContentEncoding, user);
    }

    /// <summary>Where a ranged answer starts and the object's whole size, from <c>Content-Range: bytes 2-5/10</c>.</summary>
    private static (long Offset, long Size) ContentRange(string? contentRange, long length)
    {
        if (contentRange is null || !contentRange.StartsWith("bytes ", StringComparison.Ordinal))
        {
            return (0, length);
        }

        var dash = contentRange.IndexOf('-', StringComparison.Ordinal);
        var slash = contentRange.IndexOf('/', StringComparison.Ordinal);
        return (long.Parse(contentRange.AsSpan(6, dash - 6), System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(contentRange.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static DateTimeOffset ToOffset(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc)) : DateTimeOffset.UnixEpoch;

    /// <summary>The response's body; disposing it disposes the response (and its connection).</summary>
    private sealed class ResponseStream(GetObjectResponse response) : ReadOnlyStream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override long Length => response.ContentLength;

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
