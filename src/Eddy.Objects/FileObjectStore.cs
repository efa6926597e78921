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
/// <para><b>Cancellation, failure.</b> As <see cref="IObjectStore"/>: a cancelled put deletes its temp file; I/O errors
/// surface as <see cref="IOException"/>. A file that is not a whole object file is left alone and not listed.</para>
/// </remarks>
public sealed class FileObjectStore : IObjectStore
{
    private const string Marker = ".bucket";
    private readonly BucketMap<string> _buckets = new();
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

    public async Task<ObjectInfo> PutObjectAsync(string bucket, string key, Stream content, ObjectWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(write);
        ObjectNames.CheckKey(key);
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
                var (size, etag) = await ObjectCopy.CopyAsync(content, file, cancellationToken).ConfigureAwait(false);
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
