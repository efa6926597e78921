using System.Diagnostics;
using System.Security.Cryptography;

namespace Eddy.Objects.Tests;

/// <summary>
/// <see cref="FileObjectStore"/> under <c>kill -9</c>: a child process (<see cref="CrashWriter"/>, this assembly run as a
/// program) puts and completes multipart uploads without end; the test kills it once it has reported a fixed number of
/// completed operations, reopens the store and checks <see cref="IObjectStore"/>'s durability contract against what the
/// child reported: every completed put is there whole, a key holds its last completed object or (for the operation cut
/// short) the one being written, never a torn one; temp files and half-made or ended uploads are gone; open uploads keep
/// their stored parts; listing and writing work. Three rounds on one store, each resuming from what the last left.
/// </summary>
public sealed class FileObjectStoreCrashTests : IDisposable
{
    private const string Bucket = "crash";
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "eddy-objects-crash", Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static CancellationToken None => CancellationToken.None;

    [Fact]
    public async Task Kill_9_mid_write_leaves_every_completed_put_whole_and_no_torn_object()
    {
        await FileObjectStore.Open(_root).CreateBucketAsync(Bucket, None);
        var model = new Model();
        foreach (var (seed, kills) in new[] { (1, 15), (2, 25), (3, 35) })
        {
            var lines = await RunWriterUntilKilledAsync(seed, kills);
            var inFlight = model.Apply(lines);
            await model.CheckAndAdoptAsync(FileObjectStore.Open(_root), _root, inFlight, $"round {seed}");
        }

        var store = FileObjectStore.Open(_root);
        await store.PutObjectAsync(Bucket, "after", new MemoryStream([1, 2, 3]), ObjectWrite.Default, None);
        var listing = await store.ListObjectsAsync(Bucket, null, null, null, 1000, None);
        Assert.Contains("after", listing.Objects.Select(o => o.Key));
        Assert.Equal(model.Objects.Count + 1, listing.Objects.Count);
    }

    /// <summary>Runs the writer until it has reported <paramref name="kills"/> completed operations, kills it (SIGKILL),
    /// and returns every whole line it wrote before it died.</summary>
    private async Task<List<string[]>> RunWriterUntilKilledAsync(int seed, int kills)
    {
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { typeof(CrashWriter).Assembly.Location, CrashWriter.Command, _root, Bucket, seed.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the writer");
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_timeout);
        var lines = new List<string[]>();
        try
        {
            var done = 0;
            while (done < kills)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"the writer ended after {done} operations: {await stderr}");
                lines.Add(line.Split('\t'));
                if (line == "done\t.")
                {
                    done++;
                }
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }

        // What it wrote between the last line read and its death is in the pipe still.
        var rest = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        lines.AddRange(rest.Split('\n').Select(l => l.Split('\t')));
        return [.. lines.Where(l => l is [.., "."])];
    }

    /// <summary>The dotnet host running the tests (so the writer runs on the same runtime), else dotnet from PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private sealed record Version(string Md5, long Size, string ETag);

    /// <summary>An operation that had started when the writer died and not reported completion.</summary>
    private sealed class Operation(string kind, string key, Version? version)
    {
        public string Kind { get; } = kind;
        public string Key { get; } = key;
        public Version? Version { get; } = version;
        public string? UploadId { get; set; }
    }

    /// <summary>What the store must hold: the objects and open uploads (with their parts' ETags) as of the last completed
    /// operation, and the uploads that were completed (which must be gone).</summary>
    private sealed class Model
    {
        public Dictionary<string, Version> Objects { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, Dictionary<int, string>> Uploads { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Completed { get; } = new(StringComparer.Ordinal);

        /// <summary>Applies the writer's lines; the operation it was in when it died, or null.</summary>
        public Operation? Apply(List<string[]> lines)
        {
            Operation? current = null;
            foreach (var line in lines)
            {
                switch (line)
                {
                    case ["op", var kind, var key, ..]:
                        current = new Operation(kind, key, kind == "open" ? null : new Version(line[3], long.Parse(line[4], System.Globalization.CultureInfo.InvariantCulture), line[5]));
                        break;
                    case ["upload", var id, _]:
                        current!.UploadId = id;
                        Uploads[id] = [];
                        break;
                    case ["part", var id, var number, var etag, _]:
                        Uploads[id][int.Parse(number, System.Globalization.CultureInfo.InvariantCulture)] = etag;
                        break;
                    case ["done", _]:
                        if (current!.Version is { } version)
                        {
                            Objects[current.Key] = version;
                        }

                        if (current.Kind == "multipart")
                        {
                            Uploads.Remove(current.UploadId!);
                            Completed.Add(current.UploadId!);
                        }

                        current = null;
                        break;
                    default:
                        throw new InvalidOperationException("unexpected line from the writer: " + string.Join('\t', line));
                }
            }

            return current;
        }

        /// <summary>Checks the reopened store against the model (<paramref name="inFlight"/> may or may not have taken
        /// effect), then takes the store's state as the model for the next round.</summary>
        public async Task CheckAndAdoptAsync(FileObjectStore store, string root, Operation? inFlight, string round)
        {
            var bucketDirectory = Path.Combine(root, Bucket);
            var uploadsDirectory = Path.Combine(bucketDirectory, ".uploads");

            // Nothing a crash leaves behind survives the open: temp objects, temp parts, half-made or ended uploads.
            Assert.DoesNotContain(Directory.GetDirectories(root), d => Path.GetFileName(d).StartsWith('.'));
            Assert.DoesNotContain(Directory.GetFiles(bucketDirectory), f => Path.GetFileName(f).StartsWith(".put-", StringComparison.Ordinal));
            if (Directory.Exists(uploadsDirectory))
            {
                Assert.DoesNotContain(Directory.GetDirectories(uploadsDirectory), d => Path.GetFileName(d).StartsWith('.'));
                Assert.DoesNotContain(Directory.GetDirectories(uploadsDirectory).SelectMany(Directory.GetFiles), f => Path.GetFileName(f).StartsWith('.') && Path.GetFileName(f) != ".upload");
            }

            // Objects: every listed object is whole and is the key's last completed object or the one cut short.
            var listing = await store.ListObjectsAsync(Bucket, null, null, null, 1000, None);
            Assert.False(listing.IsTruncated);
            var actual = new Dictionary<string, Version>(StringComparer.Ordinal);
            foreach (var listed in listing.Objects)
            {
                await using var content = await store.GetObjectAsync(Bucket, listed.Key, null, None);
                Assert.NotNull(content);
                var md5 = Convert.ToHexStringLower(await MD5.HashDataAsync(content.Content));
                var version = new Version(md5, content.Length, content.Info.ETag);
                Assert.Equal(listed.Size, version.Size);
                Assert.Equal(listed.ETag, version.ETag);
                actual[listed.Key] = version;
            }

            foreach (var key in Objects.Keys.Union(actual.Keys))
            {
                var before = Objects.GetValueOrDefault(key);
                var now = actual.GetValueOrDefault(key);
                var cutShort = inFlight is { Version: { } v } && inFlight.Key == key ? v : null;
                Assert.True(now == before || (cutShort is not null && now == cutShort),
                    $"{round}: key '{key}' holds {now?.ToString() ?? "nothing"}; expected {before?.ToString() ?? "nothing"}" + (cutShort is null ? "" : $" or {cutShort}"));
            }

            // No object file but the listed ones, and each of them whole (a torn file would be left unlisted).
            var objectFiles = Directory.GetFiles(bucketDirectory).Where(f => !Path.GetFileName(f).StartsWith('.')).ToList();
            Assert.Equal(listing.Objects.Count, objectFiles.Count);
            foreach (var file in objectFiles)
            {
                using var handle = File.OpenHandle(file);
                Assert.NotNull(ObjectFile.ReadInfo(handle));
            }

            // Uploads: the open ones keep their stored parts, the completed ones are gone; the one cut short may be half
            // done (parts or not, ended only if its object is in place); at most one upload nobody heard of (created as
            // the writer died).
            var uploads = await store.ListMultipartUploadsAsync(Bucket, None);
            var cutShortUpload = inFlight?.UploadId;
            foreach (var (id, parts) in Uploads)
            {
                var upload = uploads.SingleOrDefault(u => u.UploadId == id);
                if (upload is null)
                {
                    Assert.True(id == cutShortUpload && inFlight!.Kind == "multipart" && actual.GetValueOrDefault(inFlight.Key) == inFlight.Version,
                        $"{round}: open upload {id} is gone");
                    continue;
                }

                var stored = (await store.ListPartsAsync(Bucket, upload.Key, id, None)).ToDictionary(p => p.PartNumber, p => p.ETag);
                foreach (var (number, etag) in parts)
                {
                    Assert.Equal(etag, stored.GetValueOrDefault(number));
                }

                Assert.True(id == cutShortUpload || stored.Count == parts.Count, $"{round}: upload {id} has parts nobody stored");
            }

            Assert.DoesNotContain(uploads, u => Completed.Contains(u.UploadId));
            var unknown = uploads.Where(u => !Uploads.ContainsKey(u.UploadId)).ToList();
            Assert.True(unknown.Count == 0 || (unknown.Count == 1 && inFlight is { Kind: "open" or "multipart", UploadId: null } && unknown[0].Key == inFlight.Key),
                $"{round}: uploads nobody created: {string.Join(", ", unknown)}");

            Objects.Clear();
            foreach (var (key, version) in actual)
            {
                Objects[key] = version;
            }

            Uploads.Clear();
            foreach (var upload in uploads)
            {
                Uploads[upload.UploadId] = (await store.ListPartsAsync(Bucket, upload.Key, upload.UploadId, None)).ToDictionary(p => p.PartNumber, p => p.ETag);
            }
        }
    }
}
