using System.Text;

namespace Eddy.Objects.Tests;

/// <summary>
/// The <see cref="IObjectStore"/> contract, run against every implementation (memory, file, and S3 through AWSSDK.S3
/// against a real s3rver): buckets, whole-object puts and reads, ranges, metadata, listing order and paging, errors.
/// </summary>
public abstract class ObjectStoreContractTests : IAsyncLifetime
{
    private IObjectStore? _store;

    /// <summary>A new store; buckets made by earlier tests of the class may be in it, so every test uses its own.</summary>
    protected abstract Task<IObjectStore> NewStoreAsync();

    /// <summary>Whether the implementation reports <c>InvalidBucketName</c> and key errors itself (a remote server
    /// may answer them with other codes).</summary>
    protected virtual bool ChecksNames => true;

    /// <summary>Whether listings are in UTF-8 binary order and page across common prefixes as S3's do (s3rver lists
    /// by its file tree and loses common prefixes after start-after).</summary>
    protected virtual bool ListsLikeS3 => true;

    /// <summary>Whether keys with empty, "." and ".." path segments and 1024-byte keys are stored (s3rver's router
    /// normalizes the segments away, and it stores a key as a file path, which a 1024-byte key overflows).</summary>
    protected virtual bool StoresAwkwardKeys => true;

    /// <summary>Whether concurrent puts of one key leave one object with its own metadata (s3rver writes content and
    /// metadata in separate files).</summary>
    protected virtual bool ReplacesAtomically => true;

    /// <summary>Whether the store does multipart uploads (S3ObjectStore keeps IObjectStore's NotImplemented defaults).</summary>
    protected virtual bool SupportsMultipart => true;

    protected IObjectStore Store => _store ?? throw new InvalidOperationException("not initialized");

    public virtual async Task InitializeAsync() => _store = await NewStoreAsync();

    public virtual Task DisposeAsync() => _store is IDisposable d ? Task.Run(d.Dispose) : Task.CompletedTask;

    protected static string NewBucket() => "b-" + Guid.NewGuid().ToString("N")[..20];

    protected static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    protected static async Task<string> ReadAsync(ObjectContent content)
    {
        await using (content)
        {
            using var reader = new StreamReader(content.Content, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        }
    }

    private static CancellationToken None => CancellationToken.None;

    [Fact]
    public async Task Bucket_create_exists_list_delete()
    {
        var bucket = NewBucket();
        Assert.False(await Store.BucketExistsAsync(bucket, None));
        await Store.CreateBucketAsync(bucket, None);
        Assert.True(await Store.BucketExistsAsync(bucket, None));
        var listed = Assert.Single(await Store.ListBucketsAsync(None), b => b.Name == bucket);
        Assert.True(listed.CreationDate > DateTimeOffset.UnixEpoch);
        var again = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.CreateBucketAsync(bucket, None));
        Assert.Equal("BucketAlreadyOwnedByYou", again.ErrorType);
        Assert.Equal(409, again.StatusCode);
        await Store.DeleteBucketAsync(bucket, None);
        Assert.False(await Store.BucketExistsAsync(bucket, None));
        var gone = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.DeleteBucketAsync(bucket, None));
        Assert.Equal("NoSuchBucket", gone.ErrorType);
        Assert.Equal(404, gone.StatusCode);
    }

    [Fact]
    public async Task ListBuckets_is_ordered_by_name()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        string[] names = ["z-" + suffix, "a-" + suffix, "m.x-" + suffix];
        foreach (var name in names)
        {
            await Store.CreateBucketAsync(name, None);
        }

        var listed = (await Store.ListBucketsAsync(None)).Select(b => b.Name).Where(n => n.EndsWith(suffix, StringComparison.Ordinal)).ToArray();
        Assert.Equal(["a-" + suffix, "m.x-" + suffix, "z-" + suffix], listed);
    }

    [Fact]
    public async Task Delete_bucket_with_objects_is_BucketNotEmpty()
    {
        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        await Store.PutObjectAsync(bucket, "k", Text("x"), ObjectWrite.Default, None);
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.DeleteBucketAsync(bucket, None));
        Assert.Equal("BucketNotEmpty", e.ErrorType);
        Assert.Equal(409, e.StatusCode);
        await Store.DeleteObjectAsync(bucket, "k", None);
        await Store.DeleteBucketAsync(bucket, None);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper")]
    [InlineData("under_score")]
    [InlineData("-leading")]
    [InlineData("trailing-")]
    [InlineData("two..dots")]
    [InlineData("192.168.5.4")]
    public async Task Invalid_bucket_names_are_refused(string name)
    {
        if (!ChecksNames)
        {
            return;
        }

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.CreateBucketAsync(name, None));
        Assert.Equal("InvalidBucketName", e.ErrorType);
        Assert.Equal(400, e.StatusCode);
    }

    [Fact]
    public async Task Put_get_head_roundtrip_with_metadata()
    {
        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        var write = new ObjectWrite("text/plain", "gzip", new Dictionary<string, string> { ["owner"] = "eddy", ["n"] = "1" });
        var put = await Store.PutObjectAsync(bucket, "dir/file.txt", Text("hello world"), write, None);
        Assert.Equal("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"", put.ETag); // MD5("hello world")
        Assert.Equal(11, put.Size);

        var head = await Store.HeadObjectAsync(bucket, "dir/file.txt", None);
        Assert.NotNull(head);
        Assert.Equal(put.ETag, head.ETag);
        Assert.Equal(11, head.Size);
        Assert.Equal("text/plain", head.ContentType);
        Assert.Equal("gzip", head.ContentEncoding);
        Assert.Equal("eddy", head.UserMetadata["owner"]);
        Assert.Equal("1", head.UserMetadata["n"]);
        Assert.Equal(put.LastModified.ToUnixTimeSeconds(), head.LastModified.ToUnixTimeSeconds());

        var get = await Store.GetObjectAsync(bucket, "dir/file.txt", null, None);
        Assert.NotNull(get);
        Assert.Equal(0, get.Offset);
        Assert.Equal(11, get.Length);
        Assert.Equal(put.ETag, get.Info.ETag);
        Assert.Equal("hello world", await ReadAsync(get));
    }

    [Fact]
    public async Task Default_content_type_is_binary_octet_stream()
    {
        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        await Store.PutObjectAsync(bucket, "k", Text(""), ObjectWrite.Default, None);
        var head = await Store.HeadObjectAsync(bucket, "k", None);
        Assert.NotNull(head);
        Assert.Equal(0, head.Size);
        Assert.Equal("\"d41d8cd98f00b204e9800998ecf8427e\"", head.ETag);
        Assert.Equal("binary/octet-stream", head.ContentType);
        Assert.Empty(head.UserMetadata);
    }

    [Fact]
    public async Task Put_replaces_whole_object()
    {
        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        await Store.PutObjectAsync(bucket, "k", Text("a much longer first version"), ObjectWrite.Default, None);
        await Store.PutObjectAsync(bucket, "k", Text("v2"), new ObjectWrite("text/x"), None);
        var get = await Store.GetObjectAsync(bucket, "k", null, None);
        Assert.NotNull(get);
        Assert.Equal("text/x", get.Info.ContentType);
        Assert.Equal("v2", await ReadAsync(get));
        var list = await Store.ListObjectsAsync(bucket, null, null, null, 1000, None);
        Assert.Equal("k", Assert.Single(list.Objects).Key);
    }

    [Theory]
    [InlineData(0L, 4L, "01234", 0L)]
    [InlineData(3L, null, "3456789", 3L)]
    [InlineData(null, 3L, "789", 7L)]
    [InlineData(8L, 100L, "89", 8L)]
    [InlineData(null, 100L, "0123456789", 0L)]
    public async Task Get_range(long? first, long? last, string expected, long offset)
    {
        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        await Store.PutObjectAsync(bucket, "digits", Text("0123456789"), ObjectWrite.Default, None);
        var get = await Store.GetObjectAsync(bucket, "digits", new ByteRange(first, last), None);
        Assert.NotNull(get);
        Assert.Equal(offset, get.Offset);
        Assert.Equal(expected.Length, get.Length);
        Assert.Equal(10, get.Info.Size);
        Assert.Equal(expected, await ReadAsync(get));
    }

    [Fact]
    public async Task Get_range_past_the_end_is_InvalidRange()
    {
        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        await Store.PutObjectAsync(bucket, "digits", Text("0123456789"), ObjectWrite.Default, None);
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.GetObjectAsync(bucket, "digits", new ByteRange(10, null), None));
        Assert.Equal("InvalidRange", e.ErrorType);
        Assert.Equal(416, e.StatusCode);
    }

    [Fact]
    public async Task Missing_key_is_null_and_missing_bucket_is_NoSuchBucket()
    {
        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        Assert.Null(await Store.HeadObjectAsync(bucket, "nope", None));
        Assert.Null(await Store.GetObjectAsync(bucket, "nope", null, None));
        await Store.DeleteObjectAsync(bucket, "nope", None); // no error, as S3

        var missing = NewBucket();
        foreach (var call in new Func<Task>[]
                 {
                     () => Store.PutObjectAsync(missing, "k", Text("x"), ObjectWrite.Default, None),
                     () => Store.GetObjectAsync(missing, "k", null, None),
                     () => Store.HeadObjectAsync(missing, "k", None),
                     () => Store.DeleteObjectAsync(missing, "k", None),
                     () => Store.ListObjectsAsync(missing, null, null, null, 10, None),
                 })
        {
            var e = await Assert.ThrowsAsync<ObjectStoreException>(call);
            Assert.Equal("NoSuchBucket", e.ErrorType);
            Assert.Equal(404, e.StatusCode);
        }
    }

    [Fact]
    public async Task Awkward_keys_stay_inside_the_bucket()
    {
        var bucket = NewBucket();
        var other = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        await Store.CreateBucketAsync(other, None);
        string[] keys =
        [
            "..", ".", "../" + other + "/escaped", "a/../../b", "/leading", "trailing/", "a//b", "sp ace", "tab\there",
            "percent%2F", "~tilde", "ünïcödé/日本語", "emoji😀", "back\\slash", ".bucket", ".put-x", new string('k', 1024),
            string.Concat(Enumerable.Repeat("é", 512)),
        ];
        if (!StoresAwkwardKeys)
        {
            keys = [.. keys.Where(k => k.Length < 200 && !k.Split('/').Any(segment => segment is "" or "." or ".."))];
        }

        foreach (var key in keys)
        {
            await Store.PutObjectAsync(bucket, key, Text("v:" + key), ObjectWrite.Default, None);
        }

        foreach (var key in keys)
        {
            var get = await Store.GetObjectAsync(bucket, key, null, None);
            Assert.NotNull(get);
            Assert.Equal(key, get.Info.Key);
            Assert.Equal("v:" + key, await ReadAsync(get));
        }

        var listed = await Store.ListObjectsAsync(bucket, null, null, null, 1000, None);
        Assert.Equal(keys.Length, listed.Objects.Count);
        Assert.Empty((await Store.ListObjectsAsync(other, null, null, null, 1000, None)).Objects);
    }

    [Fact]
    public async Task Key_over_1024_bytes_is_KeyTooLongError()
    {
        if (!ChecksNames)
        {
            return;
        }

        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutObjectAsync(bucket, new string('k', 1025), Text("x"), ObjectWrite.Default, None));
        Assert.Equal("KeyTooLongError", e.ErrorType);
        Assert.Equal(400, e.StatusCode);
        var multiByte = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutObjectAsync(bucket, string.Concat(Enumerable.Repeat("é", 513)), Text("x"), ObjectWrite.Default, None));
        Assert.Equal("KeyTooLongError", multiByte.ErrorType);
    }

    [Fact]
    public async Task Listing_is_in_UTF8_binary_order()
    {
        if (!ListsLikeS3)
        {
            return;
        }

        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 9F 98 80) in UTF-8, after it in UTF-16.
        string[] keys = ["a", "B", "a/b", "a-", "\uFF5E", "😀", "é", "Z", "a0"];
        foreach (var key in keys)
        {
            await Store.PutObjectAsync(bucket, key, Text(key), ObjectWrite.Default, None);
        }

        var expected = keys.OrderBy(k => Encoding.UTF8.GetBytes(k), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))).ToArray();
        var listed = await Store.ListObjectsAsync(bucket, null, null, null, 1000, None);
        Assert.Equal(expected, listed.Objects.Select(o => o.Key).ToArray());
        Assert.False(listed.IsTruncated);
        var first = listed.Objects[0];
        Assert.Equal(1, first.Size);
    }

    [Fact]
    public async Task Listing_with_prefix_delimiter_start_after_and_paging()
    {
        if (!ListsLikeS3)
        {
            return;
        }

        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        string[] keys = ["logs/2024/01/a", "logs/2024/01/b", "logs/2024/02/a", "logs/2025/x", "logs/top", "other/z", "root"];
        foreach (var key in keys)
        {
            await Store.PutObjectAsync(bucket, key, Text(key), ObjectWrite.Default, None);
        }

        var all = await Store.ListObjectsAsync(bucket, null, "/", null, 1000, None);
        Assert.Equal(["root"], all.Objects.Select(o => o.Key));
        Assert.Equal(["logs/", "other/"], all.CommonPrefixes);

        var logs = await Store.ListObjectsAsync(bucket, "logs/", "/", null, 1000, None);
        Assert.Equal(["logs/top"], logs.Objects.Select(o => o.Key));
        Assert.Equal(["logs/2024/", "logs/2025/"], logs.CommonPrefixes);

        var prefixed = await Store.ListObjectsAsync(bucket, "logs/2024/", null, "logs/2024/01/a", 1000, None);
        Assert.Equal(["logs/2024/01/b", "logs/2024/02/a"], prefixed.Objects.Select(o => o.Key));

        // Pages of two entries with the delimiter: a page ending on a common prefix continues after its keys.
        List<string> seen = [];
        string? after = null;
        for (var page = 0; page < 10; page++)
        {
            var listing = await Store.ListObjectsAsync(bucket, "logs/", "/", after, 1, None);
            seen.AddRange(listing.Objects.Select(o => o.Key));
            seen.AddRange(listing.CommonPrefixes);
            if (!listing.IsTruncated)
            {
                break;
            }

            Assert.NotNull(listing.NextStartAfter);
            after = listing.NextStartAfter;
        }

        Assert.Equal(["logs/2024/", "logs/2025/", "logs/top"], seen);

        List<string> flat = [];
        after = null;
        for (var page = 0; page < 10; page++)
        {
            var listing = await Store.ListObjectsAsync(bucket, null, null, after, 3, None);
            Assert.True(listing.Objects.Count <= 3);
            flat.AddRange(listing.Objects.Select(o => o.Key));
            if (!listing.IsTruncated)
            {
                break;
            }

            after = listing.NextStartAfter;
        }

        Assert.Equal(keys, flat);
    }

    [Fact]
    public async Task Concurrent_puts_of_one_key_leave_one_whole_object()
    {
        if (!ReplacesAtomically)
        {
            return;
        }

        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        var bodies = Enumerable.Range(0, 8).Select(i => new string((char)('a' + i), 50_000 + i)).ToArray();
        await Task.WhenAll(bodies.Select(b => Task.Run(() => Store.PutObjectAsync(bucket, "same", Text(b), ObjectWrite.Default, None))));
        var get = await Store.GetObjectAsync(bucket, "same", null, None);
        Assert.NotNull(get);
        var text = await ReadAsync(get);
        Assert.Contains(text, bodies);
        Assert.Equal(text.Length, get.Info.Size);
    }

    [Fact]
    public async Task Cancelled_put_leaves_the_key_as_it_was()
    {
        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        await Store.PutObjectAsync(bucket, "k", Text("old"), ObjectWrite.Default, None);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutObjectAsync(bucket, "k", Text("new"), ObjectWrite.Default, cts.Token));
        var get = await Store.GetObjectAsync(bucket, "k", null, None);
        Assert.NotNull(get);
        Assert.Equal("old", await ReadAsync(get));
    }

    [Fact]
    public async Task Multipart_upload_completes_with_S3s_etag_and_is_never_listed_before()
    {
        if (!SupportsMultipart)
        {
            return;
        }

        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        var id = await Store.CreateMultipartUploadAsync(bucket, "big", new ObjectWrite("text/plain", null, new Dictionary<string, string> { ["m"] = "v" }), None);
        var first = new byte[5 << 20];
        new Random(1).NextBytes(first);
        var p2 = await Store.UploadPartAsync(bucket, "big", id, 2, Text("tail"), None);
        var p1 = await Store.UploadPartAsync(bucket, "big", id, 1, Text("replaced"), None);
        p1 = await Store.UploadPartAsync(bucket, "big", id, 1, new MemoryStream(first), None);
        Assert.Equal([(1, first.Length), (2, 4)], (await Store.ListPartsAsync(bucket, "big", id, None)).Select(p => (p.PartNumber, (int)p.Size)));
        Assert.Equal([id], (await Store.ListMultipartUploadsAsync(bucket, None)).Select(u => u.UploadId));
        Assert.Empty((await Store.ListObjectsAsync(bucket, null, null, null, 10, None)).Objects);

        Assert.Equal("InvalidPartOrder", (await Assert.ThrowsAsync<ObjectStoreException>(() =>
            Store.CompleteMultipartUploadAsync(bucket, "big", id, [new(2, p2.ETag), new(1, p1.ETag)], None))).ErrorType);
        Assert.Equal("InvalidPart", (await Assert.ThrowsAsync<ObjectStoreException>(() =>
            Store.CompleteMultipartUploadAsync(bucket, "big", id, [new(1, p1.ETag), new(2, "\"00000000000000000000000000000000\"")], None))).ErrorType);
        var p3 = await Store.UploadPartAsync(bucket, "big", id, 3, Text("unused"), None);
        Assert.Equal("EntityTooSmall", (await Assert.ThrowsAsync<ObjectStoreException>(() =>
            Store.CompleteMultipartUploadAsync(bucket, "big", id, [new(2, p2.ETag), new(3, p3.ETag)], None))).ErrorType);
        Assert.Equal("NoSuchUpload", (await Assert.ThrowsAsync<ObjectStoreException>(() =>
            Store.UploadPartAsync(bucket, "other-key", id, 1, Text("x"), None))).ErrorType);
        Assert.Equal("InvalidArgument", (await Assert.ThrowsAsync<ObjectStoreException>(() =>
            Store.UploadPartAsync(bucket, "big", id, 10001, Text("x"), None))).ErrorType);

        var info = await Store.CompleteMultipartUploadAsync(bucket, "big", id, [new(1, p1.ETag.Trim('"')), new(2, p2.ETag)], None);
        var md5s = System.Security.Cryptography.MD5.HashData(first).Concat(System.Security.Cryptography.MD5.HashData("tail"u8.ToArray())).ToArray();
        Assert.Equal($"\"{Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(md5s))}-2\"", info.ETag);
        Assert.Equal(first.Length + 4, info.Size);
        var get = (await Store.GetObjectAsync(bucket, "big", new ByteRange(first.Length - 2, null), None))!;
        Assert.Equal("text/plain", get.Info.ContentType);
        Assert.Equal("v", get.Info.UserMetadata["m"]);
        Assert.Equal(info.ETag, get.Info.ETag);
        var tail = new byte[6];
        await get.Content.ReadExactlyAsync(tail);
        await get.DisposeAsync();
        Assert.Equal(first[^2..].Concat("tail"u8.ToArray()), tail);
        Assert.Empty(await Store.ListMultipartUploadsAsync(bucket, None));
        Assert.Equal("NoSuchUpload", (await Assert.ThrowsAsync<ObjectStoreException>(() => Store.ListPartsAsync(bucket, "big", id, None))).ErrorType);
    }

    [Fact]
    public async Task Multipart_abort_deletes_the_parts()
    {
        if (!SupportsMultipart)
        {
            return;
        }

        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, None);
        var id = await Store.CreateMultipartUploadAsync(bucket, "k", ObjectWrite.Default, None);
        var part = await Store.UploadPartAsync(bucket, "k", id, 1, Text("x"), None);
        await Store.AbortMultipartUploadAsync(bucket, "k", id, None);
        Assert.Empty(await Store.ListMultipartUploadsAsync(bucket, None));
        Assert.Equal("NoSuchUpload", (await Assert.ThrowsAsync<ObjectStoreException>(() =>
            Store.CompleteMultipartUploadAsync(bucket, "k", id, [new(1, part.ETag)], None))).ErrorType);
        Assert.Equal("NoSuchUpload", (await Assert.ThrowsAsync<ObjectStoreException>(() => Store.AbortMultipartUploadAsync(bucket, "k", "../../x", None))).ErrorType);
        Assert.Null(await Store.HeadObjectAsync(bucket, "k", None));
        await Store.DeleteBucketAsync(bucket, None);
    }
}

public sealed class MemoryObjectStoreContractTests : ObjectStoreContractTests
{
    protected override Task<IObjectStore> NewStoreAsync() => Task.FromResult<IObjectStore>(new MemoryObjectStore());
}

public sealed class FileObjectStoreContractTests : ObjectStoreContractTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "eddy-objects-tests", Guid.NewGuid().ToString("N"));

    protected override Task<IObjectStore> NewStoreAsync() => Task.FromResult<IObjectStore>(FileObjectStore.Open(_root));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Reopen_keeps_buckets_objects_and_metadata()
    {
        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, CancellationToken.None);
        var put = await Store.PutObjectAsync(bucket, "a/b", Text("persisted"), new ObjectWrite("text/plain", null, new Dictionary<string, string> { ["m"] = "v" }), CancellationToken.None);
        await Store.PutObjectAsync(bucket, "gone", Text("x"), ObjectWrite.Default, CancellationToken.None);
        await Store.DeleteObjectAsync(bucket, "gone", CancellationToken.None);
        File.WriteAllText(Path.Combine(_root, bucket, ".put-leftover"), "torn");

        var reopened = FileObjectStore.Open(_root);
        Assert.True(await reopened.BucketExistsAsync(bucket, CancellationToken.None));
        var get = await reopened.GetObjectAsync(bucket, "a/b", null, CancellationToken.None);
        Assert.NotNull(get);
        Assert.Equal(put, get.Info with { UserMetadata = put.UserMetadata });
        Assert.Equal("v", get.Info.UserMetadata["m"]);
        Assert.Equal("persisted", await ReadAsync(get));
        Assert.Equal(["a/b"], (await reopened.ListObjectsAsync(bucket, null, null, null, 10, CancellationToken.None)).Objects.Select(o => o.Key));
        Assert.False(File.Exists(Path.Combine(_root, bucket, ".put-leftover")));
    }

    [Fact]
    public async Task Keys_never_name_a_path_outside_the_bucket()
    {
        var bucket = NewBucket();
        await Store.CreateBucketAsync(bucket, CancellationToken.None);
        await Store.PutObjectAsync(bucket, "../../escape", Text("x"), ObjectWrite.Default, CancellationToken.None);
        await Store.PutObjectAsync(bucket, "..", Text("x"), ObjectWrite.Default, CancellationToken.None);
        var entries = Directory.GetFileSystemEntries(_root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(_root, p)).ToArray();
        Assert.All(entries, e => Assert.StartsWith(bucket, e, StringComparison.Ordinal));
        Assert.Equal(4, entries.Length); // the bucket directory, its marker and the two objects
    }
}
