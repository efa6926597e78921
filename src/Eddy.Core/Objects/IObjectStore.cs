namespace Eddy.Core.Objects;

/// <summary>
/// A bucket store with S3's semantics: buckets hold objects under arbitrary keys, an object is written whole and
/// replaced whole. Firehose delivers into it; the S3 API serves it. Implementations: the embedded store under
/// <c>&lt;data-dir&gt;/s3/</c> and any external S3-compatible endpoint (through AWSSDK.S3).
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Every member is safe to call concurrently from any thread. Two writes of one key race;
/// the last to finish wins, and a reader sees one of the two objects whole, never a mix.</para>
/// <para><b>Durability.</b> <see cref="PutObjectAsync"/> completes only once the object is durable: after a crash
/// (even <c>kill -9</c>) a key whose put completed holds that object, and a key whose put did not complete holds
/// the previous object or none. A bucket made by <see cref="CreateBucketAsync"/> survives a crash likewise.</para>
/// <para><b>Ownership.</b> <see cref="PutObjectAsync"/> reads <c>content</c> to its end and does not dispose it.
/// The stream of an <see cref="ObjectContent"/> belongs to the caller, who disposes it.</para>
/// <para><b>Cancellation.</b> A cancelled put leaves the key as it was; a cancelled read only stops the reading.</para>
/// <para><b>Failure.</b> Errors a client should see are <see cref="ObjectStoreException"/>s carrying S3's error
/// code and status (<c>NoSuchBucket</c> 404, <c>NoSuchKey</c> 404, <c>BucketAlreadyOwnedByYou</c> 409,
/// <c>BucketNotEmpty</c> 409, <c>InvalidBucketName</c> 400, <c>InvalidRange</c> 416, ...); an I/O or network
/// failure surfaces as whatever the implementation met (<see cref="IOException"/>, <c>HttpRequestException</c>), and
/// callers that deliver data retry it.</para>
/// </remarks>
public interface IObjectStore
{
    /// <summary>Every bucket, ordered by name.</summary>
    Task<IReadOnlyList<BucketInfo>> ListBucketsAsync(CancellationToken cancellationToken);

    /// <summary>Makes a bucket. <c>BucketAlreadyOwnedByYou</c> when it exists, <c>InvalidBucketName</c> when the
    /// name breaks S3's naming rules (3–63 characters of lowercase letters, digits, '.' and '-').</summary>
    Task CreateBucketAsync(string bucket, CancellationToken cancellationToken);

    /// <summary>Whether the bucket exists.</summary>
    Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken);

    /// <summary>Removes an empty bucket. <c>NoSuchBucket</c>, <c>BucketNotEmpty</c>.</summary>
    Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken);

    /// <summary>Writes an object whole, replacing any object under the key; completes once it is durable.
    /// <c>NoSuchBucket</c> when the bucket does not exist.</summary>
    Task<ObjectInfo> PutObjectAsync(string bucket, string key, Stream content, ObjectWrite write, CancellationToken cancellationToken);

    /// <summary>The object's metadata, or null when there is no such key. <c>NoSuchBucket</c>.</summary>
    Task<ObjectInfo?> HeadObjectAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>The object (or the inclusive byte range of it), or null when there is no such key.
    /// <c>NoSuchBucket</c>; <c>InvalidRange</c> when the range starts past the end.</summary>
    Task<ObjectContent?> GetObjectAsync(string bucket, string key, ByteRange? range, CancellationToken cancellationToken);

    /// <summary>Removes the object; no error when there is none (as S3). <c>NoSuchBucket</c>.</summary>
    Task DeleteObjectAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>One page of keys in UTF-8 binary order, as ListObjectsV2: keys after <c>startAfter</c> (exclusive)
    /// that begin with <c>prefix</c>, rolled up at the first <c>delimiter</c> after the prefix into common
    /// prefixes, at most <c>maxKeys</c> entries (keys plus common prefixes). <c>NoSuchBucket</c>.</summary>
    Task<ObjectListing> ListObjectsAsync(string bucket, string? prefix, string? delimiter, string? startAfter, int maxKeys, CancellationToken cancellationToken);

    // Multipart uploads. Parts are durable once UploadPart completes, kept apart from the bucket's objects (never
    // listed), and gone once the upload completes or is aborted. A store without multipart keeps these defaults,
    // which answer S3's NotImplemented (501).

    /// <summary>Starts a multipart upload of <paramref name="key"/>; its upload id. <c>NoSuchBucket</c>.</summary>
    Task<string> CreateMultipartUploadAsync(string bucket, string key, ObjectWrite write, CancellationToken cancellationToken) =>
        throw ObjectStoreException.NotImplemented();

    /// <summary>Stores part <paramref name="partNumber"/> (1–10000; <c>InvalidArgument</c> otherwise) of an upload,
    /// replacing an earlier part of that number; completes once the part is durable. <c>NoSuchUpload</c>.</summary>
    Task<PartInfo> UploadPartAsync(string bucket, string key, string uploadId, int partNumber, Stream content, CancellationToken cancellationToken) =>
        throw ObjectStoreException.NotImplemented();

    /// <summary>Assembles the listed parts (ascending part numbers, <c>InvalidPartOrder</c>; each uploaded with that
    /// ETag, <c>InvalidPart</c>; each but the last at least 5 MiB, <c>EntityTooSmall</c>) into the object, which
    /// replaces any object under the key as a put does (durable when this completes), and ends the upload. The
    /// object's ETag is S3's multipart ETag: the hex MD5 of the parts' binary MD5s, then <c>-</c> and the part count.
    /// <c>NoSuchUpload</c>.</summary>
    Task<ObjectInfo> CompleteMultipartUploadAsync(string bucket, string key, string uploadId, IReadOnlyList<CompletedPart> parts, CancellationToken cancellationToken) =>
        throw ObjectStoreException.NotImplemented();

    /// <summary>Ends an upload and deletes its parts. <c>NoSuchUpload</c>.</summary>
    Task AbortMultipartUploadAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken) =>
        throw ObjectStoreException.NotImplemented();

    /// <summary>The parts of an upload, by part number. <c>NoSuchUpload</c>.</summary>
    Task<IReadOnlyList<PartInfo>> ListPartsAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken) =>
        throw ObjectStoreException.NotImplemented();

    /// <summary>The bucket's uploads in progress, by key then initiation time. <c>NoSuchBucket</c>.</summary>
    Task<IReadOnlyList<UploadInfo>> ListMultipartUploadsAsync(string bucket, CancellationToken cancellationToken) =>
        throw ObjectStoreException.NotImplemented();
}

/// <summary>A stored part of a multipart upload; <c>ETag</c> is the quoted hex MD5 of its bytes.</summary>
public sealed record PartInfo(int PartNumber, long Size, string ETag, DateTimeOffset LastModified);

/// <summary>A part as CompleteMultipartUpload names it.</summary>
public sealed record CompletedPart(int PartNumber, string ETag);

/// <summary>A multipart upload in progress.</summary>
public sealed record UploadInfo(string Key, string UploadId, DateTimeOffset Initiated);

/// <summary>A bucket and when it was made.</summary>
public sealed record BucketInfo(string Name, DateTimeOffset CreationDate);

/// <summary>What a writer says of an object besides its bytes.</summary>
/// <param name="ContentType">The MIME type, or null for <c>binary/octet-stream</c>.</param>
/// <param name="ContentEncoding">E.g. <c>gzip</c>, or null.</param>
/// <param name="UserMetadata">The <c>x-amz-meta-*</c> pairs (names without the prefix), or null.</param>
public sealed record ObjectWrite(string? ContentType = null, string? ContentEncoding = null, IReadOnlyDictionary<string, string>? UserMetadata = null)
{
    public static readonly ObjectWrite Default = new();
}

/// <summary>An object's metadata. <c>ETag</c> is S3's: the quoted hex MD5 of the content for a single-part put.</summary>
public sealed record ObjectInfo(
    string Key,
    long Size,
    string ETag,
    DateTimeOffset LastModified,
    string ContentType,
    string? ContentEncoding,
    IReadOnlyDictionary<string, string> UserMetadata);

/// <summary>An inclusive byte range; <c>Last</c> null means to the end; <c>First</c> null means the last
/// <c>Last</c> bytes (an HTTP suffix range).</summary>
public readonly record struct ByteRange(long? First, long? Last)
{
    /// <summary>Where the range starts in an object of <paramref name="size"/> bytes and how many bytes it covers
    /// (a <c>Last</c> past the end is cut to the end, as HTTP does). <c>InvalidRange</c> (416) when no byte of the
    /// object is in the range: <c>First</c> at or past the end (so any range of an empty object), a zero-length suffix,
    /// or <c>Last</c> before <c>First</c>.</summary>
    public (long Offset, long Length) Resolve(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (First is null)
        {
            if (Last is not { } suffix || suffix <= 0 || size == 0)
            {
                throw ObjectStoreException.InvalidRange(size);
            }

            var length = Math.Min(suffix, size);
            return (size - length, length);
        }

        var first = First.Value;
        if (first < 0 || first >= size || (Last is { } l && l < first))
        {
            throw ObjectStoreException.InvalidRange(size);
        }

        var last = Last is { } end ? Math.Min(end, size - 1) : size - 1;
        return (first, last - first + 1);
    }
}

/// <summary>An object being read: its metadata, the bytes served (whole or the range), and where they start.</summary>
public sealed record ObjectContent(ObjectInfo Info, Stream Content, long Offset, long Length) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <summary>One page of a listing. <c>NextStartAfter</c> is where the next page starts (the last key or common
/// prefix of this page) when <c>IsTruncated</c>.</summary>
public sealed record ObjectListing(
    IReadOnlyList<ObjectInfo> Objects,
    IReadOnlyList<string> CommonPrefixes,
    bool IsTruncated,
    string? NextStartAfter);

/// <summary>An S3-shaped error: S3's code (<c>NoSuchBucket</c>, ...), its message, its HTTP status.</summary>
public sealed class ObjectStoreException(string code, string message, int statusCode) : ServiceException(code, message, statusCode)
{
    public static ObjectStoreException NoSuchBucket(string bucket) =>
        new("NoSuchBucket", "The specified bucket does not exist.", 404) { Resource = bucket };

    public static ObjectStoreException NoSuchKey(string key) =>
        new("NoSuchKey", "The specified key does not exist.", 404) { Resource = key };

    /// <summary>CreateBucket of a bucket that exists (S3 answers it 200 in us-east-1, for legacy compatibility).</summary>
    public static ObjectStoreException BucketAlreadyOwnedByYou(string bucket) =>
        new("BucketAlreadyOwnedByYou", "The bucket you tried to create already exists, and you own it.", 409) { Resource = bucket };

    public static ObjectStoreException BucketNotEmpty(string bucket) =>
        new("BucketNotEmpty", "The bucket you tried to delete is not empty.", 409) { Resource = bucket };

    public static ObjectStoreException InvalidBucketName(string bucket) =>
        new("InvalidBucketName", "The specified bucket is not valid.", 400) { Resource = bucket };

    public static ObjectStoreException KeyTooLong(string key) =>
        new("KeyTooLongError", "Your key is too long.", 400) { Resource = key };

    /// <summary>A key S3 cannot store: empty, or not valid UTF-16 text (a lone surrogate).</summary>
    public static ObjectStoreException InvalidKey(string key) =>
        new("InvalidArgument", "Invalid Argument", 400) { Resource = key };

    /// <summary>A range that covers no byte of an object of <paramref name="size"/> bytes.</summary>
    public static ObjectStoreException InvalidRange(long size) =>
        new("InvalidRange", "The requested range cannot be satisfied.", 416) { ActualObjectSize = size };

    public static ObjectStoreException NotImplemented() =>
        new("NotImplemented", "A header you provided implies functionality that is not implemented.", 501);

    public static ObjectStoreException NoSuchUpload(string uploadId) =>
        new("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", 404) { Resource = uploadId };

    public static ObjectStoreException InvalidPart() =>
        new("InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.", 400);

    public static ObjectStoreException InvalidPartOrder() =>
        new("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.", 400);

    public static ObjectStoreException EntityTooSmall() =>
        new("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", 400);

    public static ObjectStoreException InvalidPartNumber() =>
        new("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400);

    /// <summary>For <c>InvalidRange</c>: the object's size (S3's <c>ActualObjectSize</c>).</summary>
    public long? ActualObjectSize { get; init; }

    /// <summary>The bucket or key the error is about (S3 puts it in the error's <c>BucketName</c> / <c>Key</c>).</summary>
    public string? Resource { get; init; }

    /// <summary>More elements S3 puts in the error body (name, text), e.g. the two hashes of
    /// <c>XAmzContentSHA256Mismatch</c>, or null.</summary>
    public IReadOnlyList<(string Name, string Value)>? Details { get; init; }
}
