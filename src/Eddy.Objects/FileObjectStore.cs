using System.Collections.Concurrent;
using System.Globalization;
using Eddy.Core.Objects;
using Microsoft.Win32.SafeHandles;

namespace Eddy.Objects;

/// <summary>
/// The embedded bucket store under a root directory (<c>&lt;data-dir&gt;/s3/</c>): a directory per bucket holding a
/// marker file <c>.bucket</c> (its creation time) and one file per object (<see cref="ObjectFile"/>: content, metadata,
/// checksummed footer), named by escaping the key (<see cref="ObjectFile.FileNameOf"/>), so no key reaches outside
/// its bucket's directory. Listing works on an in-memory index of each bucket, built from the files when the store
/// opens.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Safe from any thread: one lock for the bucket map, one per bucket. A put streams its bytes
/// into a temp file (<c>.put-*</c>) without a lock, then renames it over the key's file and updates the index under
/// the bucket's lock, so the order of renames is the order of the index and the last put to finish wins.</para>
/// <para><b>Durability.</b> A put fsyncs its temp file, renames it into place and fsyncs the bucket's directory
/// before it completes; a crash leaves either the old file or the new one under the key's name, never a torn one, and
/// the temp files it leaves (<c>.put-*</c>) are deleted when the store opens. A bucket is made as a <c>.new-*</c>
/// directory with its marker, fsynced and renamed to its name; a deleted bucket is first renamed to <c>.del-*</c>. A
/// delete of an object fsyncs the directory before it completes.</para>
/// <para><b>Multipart uploads.</b> An upload is a directory <c>.uploads/&lt;upload id&gt;/</c> of its bucket (made as
/// <c>.new-*</c> and renamed), holding <c>.upload</c> (the key and what the object will say of itself, in the object
/// file format) and one object file per part (<c>part-00001</c>, ...), each written to a <c>.tmp-*</c> file, fsynced
/// and renamed into place. Completion writes the object as a put does (temp, fsync, rename, directory fsync) from the
/// parts, then renames the upload to <c>.del-*</c> and deletes it; abort does the latter. Listing never sees uploads.
/// One semaphore per upload orders part renames, completion and abort; parts stream in concurrently.</para>
/// <para><b>Cancellation, failure.</b> As <see cref="IObjectStore"/>: a cancelled put deletes its temp file; I/O errors
/// surface as <see cref="IOException"/>. A file that is not a whole object file is left alone and not listed.</para>
/// </remarks>
public sealed class FileObjectStore : IObjectStore
{
    private const string Marker = ".bucket";
    private const string Uploads = ".uploads";
    private const string UploadMarker = ".upload";
    private readonly BucketMap<string> _buckets = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _uploadGates = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    private FileObjectStore(string root, TimeProvider time)
    {
        Root = root;
        _time = time;
    }

    /// <summary>The directory holding one directory per bucket.</summary>
    public string Root { get; }

    /// <summary>Opens (creating it if needed) the store under <paramref name="root"/>: finishes what a crash left (temp
    /// files and half-made or half-deleted buckets are removed) and indexes every bucket. Reads every object file's
    /// footer, so opening takes time in proportion to the number of objects.</summary>
    public static FileObjectStore Open(string root, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Directory.CreateDirectory(root);
        var store = new FileObjectStore(Path.GetFullPath(root), time ?? TimeProvider.System);
        foreach (var directory in Directory.GetDirectories(store.Root))
        {
            var name = Path.GetFileName(directory);
            if (name.StartsWith('.'))
            {
                Directory.Delete(directory, recursive: true);
                continue;
            }

            var marker = Path.Combine(directory, Marker);
            if (!ObjectNames.IsValidBucketName(name) || !File.Exists(marker)
                || !long.TryParse(File.ReadAllText(marker), NumberStyles.None, CultureInfo.InvariantCulture, out var createdMs))
            {
                continue;
            }

            CleanUploads(Path.Combine(directory, Uploads));
            var index = new BucketIndex<string>(name, DateTimeOffset.FromUnixTimeMilliseconds(createdMs));
            foreach (var file in Directory.GetFiles(directory))
            {
                var fileName = Path.GetFileName(file);
                if (fileName.StartsWith(".put-", StringComparison.Ordinal))
                {
                    File.Delete(file);
                    continue;
                }

                if (fileName.StartsWith('.'))
                {
                    continue;
                }

                using var handle = File.OpenHandle(file);
                if (ObjectFile.ReadInfo(handle) is { } info && ObjectFile.FileNameOf(info.Key) == fileName)
                {
                    index.Set(info, fileName);
                }
            }

            store._buckets.Add(index);
        }

        return store;
    }

    /// <summary>At open: removes what a crash left under a bucket's uploads directory (ended uploads being deleted,
    /// uploads half made, temp part files).</summary>
    private static void CleanUploads(string uploads)
    {
        if (!Directory.Exists(uploads))
        {
            return;
        }

        foreach (var directory in Directory.GetDirectories(uploads))
        {
            if (Path.GetFileName(directory).StartsWith('.'))
            {
                Directory.Delete(directory, recursive: true);
                continue;
            }

            foreach (var temp in Directory.GetFiles(directory, ".tmp-*"))
            {
                File.Delete(temp);
            }
        }
    }

    public Task<IReadOnlyList<BucketInfo>> ListBucketsAsync(CancellationToken cancellationToken) => Task.FromResult(_buckets.List());

    public Task CreateBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        _buckets.Create(bucket, _time.GetUtcNow(), created =>
        {
            var staging = Path.Combine(Root, ".new-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(staging);
            using (var marker = new FileStream(Path.Combine(staging, Marker), FileMode.CreateNew, FileAccess.Write))
            {
                marker.Write(System.Text.Encoding.ASCII.GetBytes(created.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
                marker.Flush(flushToDisk: true);
            }

            DirectorySync.Flush(staging);
            Directory.Move(staging, BucketPath(bucket));
            DirectorySync.Flush(Root);
        });
        return Task.CompletedTask;
    }

    public Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken) => Task.FromResult(_buckets.Exists(bucket));

    public Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        string? doomed = null;
        _buckets.Remove(bucket, _ =>
        {
            doomed = Path.Combine(Root, ".del-" + Guid.NewGuid().ToString("N"));
            Directory.Move(BucketPath(bucket), doomed);
            DirectorySync.Flush(Root);
        });
        Directory.Delete(doomed!, recursive: true);
        return Task.CompletedTask;
    }

    public Task<ObjectInfo> PutObjectAsync(string bucket, string key, Stream content, ObjectWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(write);
        ObjectNames.CheckKey(key);
        return WriteObjectAsync(bucket, key, write, file => ObjectCopy.CopyAsync(content, file, cancellationToken), cancellationToken);
    }

    /// <summary>The put's durable path, shared by PutObject and CompleteMultipartUpload: <paramref name="fill"/> writes
    /// the content into a temp file (<c>.put-*</c>) and gives its size and ETag; the trailer follows, the file is fsynced,
    /// renamed over the key's file under the bucket's lock and the directory fsynced. Anything thrown before the rename
    /// (a body that fails its checks included) deletes the temp file and leaves the key as it was.</summary>
    private async Task<ObjectInfo> WriteObjectAsync(string bucket, string key, ObjectWrite write, Func<FileStream, Task<(long Size, string ETag)>> fill, CancellationToken cancellationToken)
    {
        var index = _buckets.Get(bucket);
        var directory = BucketPath(bucket);
        var temp = Path.Combine(directory, ".put-" + Guid.NewGuid().ToString("N"));
        var renamed = false;
        try
        {
            ObjectInfo info;
            try
            {
                await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
                var (size, etag) = await fill(file).ConfigureAwait(false);
                info = ObjectCopy.Info(key, size, etag, _time.GetUtcNow(), write);
                await file.WriteAsync(ObjectFile.Trailer(info), cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            catch (DirectoryNotFoundException)
            {
                throw ObjectStoreException.NoSuchBucket(bucket);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var name = ObjectFile.FileNameOf(key);
            lock (index)
            {
                if (index.Deleted)
                {
                    throw ObjectStoreException.NoSuchBucket(bucket);
                }

                File.Move(temp, Path.Combine(directory, name), overwrite: true);
                renamed = true;
                index.Set(info, name);
            }

            DirectorySync.Flush(directory);
            return info;
        }
        finally
        {
            if (!renamed)
            {
                TryDelete(temp);
            }
        }
    }

    public Task<ObjectInfo?> HeadObjectAsync(string bucket, string key, CancellationToken cancellationToken) =>
        Task.FromResult(_buckets.Read(bucket, index => index.TryGet(key, out var info, out _) ? info : null));

    public Task<ObjectContent?> GetObjectAsync(string bucket, string key, ByteRange? range, CancellationToken cancellationToken)
    {
        var name = _buckets.Read(bucket, index => index.TryGet(key, out _, out var file) ? file : null);
        if (name is null)
        {
            return Task.FromResult<ObjectContent?>(null);
        }

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(Path.Combine(BucketPath(bucket), name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<ObjectContent?>(null); // deleted between the lookup and the open
        }
        catch (DirectoryNotFoundException)
        {
            throw ObjectStoreException.NoSuchBucket(bucket);
        }

        try
        {
            // The metadata comes from the file opened, not the index: a put that replaced it in between is read whole.
            var info = ObjectFile.ReadInfo(handle) ?? throw new IOException($"Object file of '{key}' in bucket '{bucket}' is damaged.");
            var (offset, length) = range is { } r ? r.Resolve(info.Size) : (0, info.Size);
            return Task.FromResult<ObjectContent?>(new ObjectContent(info, new FileWindowStream(handle, offset, length), offset, length));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public Task DeleteObjectAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        ObjectNames.CheckKey(key);
        var removed = _buckets.Read(bucket, index =>
        {
            if (!index.Remove(key, out var name))
            {
                return false;
            }

            File.Delete(Path.Combine(BucketPath(bucket), name));
            return true;
        });
        if (removed)
        {
            DirectorySync.Flush(BucketPath(bucket));
        }

        return Task.CompletedTask;
    }

    public Task<ObjectListing> ListObjectsAsync(string bucket, string? prefix, string? delimiter, string? startAfter, int maxKeys, CancellationToken cancellationToken) =>
        Task.FromResult(_buckets.Read(bucket, index => index.List(prefix, delimiter, startAfter, maxKeys)));

    public async Task<string> CreateMultipartUploadAsync(string bucket, string key, ObjectWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ObjectNames.CheckKey(key);
        _ = _buckets.Get(bucket);
        var id = Multipart.NewUploadId();
        var uploads = Path.Combine(BucketPath(bucket), Uploads);
        var staging = Path.Combine(uploads, ".new-" + id);
        try
        {
            if (!Directory.Exists(uploads))
            {
                Directory.CreateDirectory(uploads);
                DirectorySync.Flush(BucketPath(bucket));
            }

            Directory.CreateDirectory(staging);
        }
        catch (DirectoryNotFoundException)
        {
            throw ObjectStoreException.NoSuchBucket(bucket);
        }

        var info = ObjectCopy.Info(key, 0, "", _time.GetUtcNow(), write);
        await using (var file = new FileStream(Path.Combine(staging, UploadMarker), FileMode.CreateNew, FileAccess.Write))
        {
            await file.WriteAsync(ObjectFile.Trailer(info), cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        DirectorySync.Flush(staging);
        Directory.Move(staging, Path.Combine(uploads, id));
        DirectorySync.Flush(uploads);
        return id;
    }

    public async Task<PartInfo> UploadPartAsync(string bucket, string key, string uploadId, int partNumber, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        Multipart.CheckPartNumber(partNumber);
        var directory = UploadPath(bucket, key, uploadId);
        var temp = Path.Combine(directory, ".tmp-" + Guid.NewGuid().ToString("N"));
        var renamed = false;
        try
        {
            PartInfo part;
            try
            {
                await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
                var (size, etag) = await ObjectCopy.CopyAsync(content, file, cancellationToken).ConfigureAwait(false);
                part = new PartInfo(partNumber, size, etag, ObjectCopy.Truncate(_time.GetUtcNow()));
                await file.WriteAsync(ObjectFile.Trailer(ObjectCopy.Info(PartName(partNumber), size, etag, part.LastModified, ObjectWrite.Default)), cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            catch (DirectoryNotFoundException)
            {
                throw ObjectStoreException.NoSuchUpload(uploadId);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var gate = UploadGate(uploadId);
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!Directory.Exists(directory))
                {
                    throw ObjectStoreException.NoSuchUpload(uploadId); // completed or aborted meanwhile
                }

                File.Move(temp, Path.Combine(directory, PartName(partNumber)), overwrite: true);
                renamed = true;
            }
            finally
            {
                gate.Release();
            }

            DirectorySync.Flush(directory);
            return part;
        }
        finally
        {
            if (!renamed)
            {
                TryDelete(temp);
            }
        }
    }

    public async Task<ObjectInfo> CompleteMultipartUploadAsync(string bucket, string key, string uploadId, IReadOnlyList<CompletedPart> parts, CancellationToken cancellationToken)
    {
        var directory = UploadPath(bucket, key, uploadId);
        var gate = UploadGate(uploadId);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var marker = ReadUpload(directory, uploadId);
            var plan = Multipart.Plan(parts, ReadParts(directory).ToDictionary(p => p.PartNumber));
            var write = new ObjectWrite(marker.ContentType, marker.ContentEncoding, marker.UserMetadata);
            var info = await WriteObjectAsync(bucket, key, write, async file =>
            {
                long size = 0;
                foreach (var part in plan)
                {
                    using var handle = File.OpenHandle(Path.Combine(directory, PartName(part.PartNumber)), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
                    await using var window = new FileWindowStream(handle, 0, part.Size);
                    await window.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                    size += part.Size;
                }

                return (size, Multipart.ETagOf(plan));
            }, cancellationToken).ConfigureAwait(false);
            DeleteUpload(bucket, directory);
            return info;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task AbortMultipartUploadAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken)
    {
        var directory = UploadPath(bucket, key, uploadId);
        var gate = UploadGate(uploadId);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _ = ReadUpload(directory, uploadId);
            DeleteUpload(bucket, directory);
        }
        finally
        {
            gate.Release();
        }
    }

    public Task<IReadOnlyList<PartInfo>> ListPartsAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken)
    {
        var directory = UploadPath(bucket, key, uploadId);
        _ = ReadUpload(directory, uploadId);
        return Task.FromResult<IReadOnlyList<PartInfo>>([.. ReadParts(directory).OrderBy(p => p.PartNumber)]);
    }

    public Task<IReadOnlyList<UploadInfo>> ListMultipartUploadsAsync(string bucket, CancellationToken cancellationToken)
    {
        _ = _buckets.Get(bucket);
        var uploads = Path.Combine(BucketPath(bucket), Uploads);
        var found = new List<UploadInfo>();
        if (Directory.Exists(uploads))
        {
            foreach (var directory in Directory.GetDirectories(uploads))
            {
                var id = Path.GetFileName(directory);
                if (Multipart.IsUploadId(id) && TryReadUpload(directory) is { } marker)
                {
                    found.Add(new UploadInfo(marker.Key, id, marker.LastModified));
                }
            }
        }

        return Task.FromResult<IReadOnlyList<UploadInfo>>([.. found.OrderBy(u => u.Key, ObjectNames.KeyOrder).ThenBy(u => u.Initiated)]);
    }

    /// <summary>The directory of an upload of that bucket and key (which may since have ended); <c>NoSuchBucket</c>,
    /// <c>NoSuchUpload</c> for an id that is not one of ours or names another key.</summary>
    private string UploadPath(string bucket, string key, string uploadId)
    {
        _ = _buckets.Get(bucket);
        if (!Multipart.IsUploadId(uploadId))
        {
            throw ObjectStoreException.NoSuchUpload(uploadId ?? "");
        }

        var directory = Path.Combine(BucketPath(bucket), Uploads, uploadId);
        if (TryReadUpload(directory) is not { } marker || marker.Key != key)
        {
            throw ObjectStoreException.NoSuchUpload(uploadId);
        }

        return directory;
    }

    private static ObjectInfo ReadUpload(string directory, string uploadId) =>
        TryReadUpload(directory) ?? throw ObjectStoreException.NoSuchUpload(uploadId);

    private static ObjectInfo? TryReadUpload(string directory)
    {
        try
        {
            using var handle = File.OpenHandle(Path.Combine(directory, UploadMarker));
            return ObjectFile.ReadInfo(handle);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The whole parts in an upload's directory (a part file is renamed into place whole, so any other file
    /// is a temp file).</summary>
    private static List<PartInfo> ReadParts(string directory)
    {
        var parts = new List<PartInfo>();
        foreach (var file in Directory.GetFiles(directory, "part-*"))
        {
            if (!int.TryParse(Path.GetFileName(file)["part-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                continue;
            }

            using var handle = File.OpenHandle(file);
            if (ObjectFile.ReadInfo(handle) is { } info)
            {
                parts.Add(new PartInfo(number, info.Size, info.ETag, info.LastModified));
            }
        }

        return parts;
    }

    /// <summary>Ends an upload: its directory is renamed to <c>.del-*</c> (the end is durable once the parent is fsynced)
    /// and then deleted; <see cref="Open"/> deletes what a crash left.</summary>
    private void DeleteUpload(string bucket, string directory)
    {
        var uploads = Path.Combine(BucketPath(bucket), Uploads);
        var doomed = Path.Combine(uploads, ".del-" + Guid.NewGuid().ToString("N"));
        Directory.Move(directory, doomed);
        DirectorySync.Flush(uploads);
        Directory.Delete(doomed, recursive: true);
        _uploadGates.TryRemove(Path.GetFileName(directory), out _);
    }

    private SemaphoreSlim UploadGate(string uploadId) => _uploadGates.GetOrAdd(uploadId, _ => new SemaphoreSlim(1, 1));

    private static string PartName(int partNumber) => "part-" + partNumber.ToString("D5", CultureInfo.InvariantCulture);

    private string BucketPath(string bucket) => Path.Combine(Root, bucket);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
