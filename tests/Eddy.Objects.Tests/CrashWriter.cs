using System.Globalization;
using System.Security.Cryptography;

namespace Eddy.Objects.Tests;

/// <summary>
/// The child process of <see cref="FileObjectStoreCrashTests"/>: writes into a <see cref="FileObjectStore"/> without end
/// (until it is killed) and says on stdout, one tab-separated line per step (each ending in a tab and <c>.</c>, so a line
/// cut short by the kill is recognised), what it starts and what has completed:
/// <list type="bullet">
/// <item><c>op put KEY MD5 SIZE ETAG</c>: a put of an object of that MD5 (hex), size and ETag starts;</item>
/// <item><c>op multipart KEY MD5 SIZE ETAG</c>: a multipart upload that will be completed into that object starts;</item>
/// <item><c>op open KEY</c>: a multipart upload that is left open starts;</item>
/// <item><c>upload ID</c>: the operation's upload is created; <c>part ID N ETAG</c>: a part of it is stored;</item>
/// <item><c>done</c>: the operation has completed (the put or the completion returned).</item>
/// </list>
/// Sizes straddle the copy buffer (64 KiB) and reach a few MiB; keys are drawn from a small set so that most puts
/// replace an object, and include keys whose file names are escaped or hashed.
/// </summary>
internal static class CrashWriter
{
    public const string Command = "object-store-crash-writer";

    public static readonly string[] Keys =
    [
        "plain", "dir/nested/key", "ünï-cödé", "percent%41 and space", ".dot-first", "long-" + new string('x', 250), "z",
    ];

    private static readonly int[] s_sizes = [0, 1, 1000, 65_535, 65_536, 65_537, 200_000, 1_048_583, 2_500_000];

    public static async Task RunAsync(string root, string bucket, int seed)
    {
        var store = FileObjectStore.Open(root);
        var random = new Random(seed);
        var none = CancellationToken.None;
        for (var op = 0; ; op++)
        {
            var key = Keys[random.Next(Keys.Length)];
            if (op % 13 == 7)
            {
                Say("op", "open", key);
                var id = await store.CreateMultipartUploadAsync(bucket, key, ObjectWrite.Default, none);
                Say("upload", id);
                var part = Bytes(random, s_sizes[random.Next(s_sizes.Length)]);
                var info = await store.UploadPartAsync(bucket, key, id, 1, new MemoryStream(part), none);
                Say("part", id, "1", info.ETag);
            }
            else if (op % 9 == 4)
            {
                // The first multipart of a run has a 5 MiB part (the least a part but the last may be) and a tail.
                byte[][] parts = op == 4
                    ? [Bytes(random, (int)Multipart.MinPartSize), Bytes(random, 1 + random.Next(100_000))]
                    : [Bytes(random, s_sizes[random.Next(s_sizes.Length)])];
                var whole = parts.SelectMany(p => p).ToArray();
                var etag = Multipart.ETagOf([.. parts.Select((p, i) => new PartInfo(i + 1, p.Length, Quoted(p), default))]);
                Say("op", "multipart", key, Md5(whole), Count(whole.Length), etag);
                var id = await store.CreateMultipartUploadAsync(bucket, key, ObjectWrite.Default, none);
                Say("upload", id);
                var completed = new List<CompletedPart>();
                for (var i = 0; i < parts.Length; i++)
                {
                    var info = await store.UploadPartAsync(bucket, key, id, i + 1, new MemoryStream(parts[i]), none);
                    Say("part", id, Count(i + 1), info.ETag);
                    completed.Add(new CompletedPart(i + 1, info.ETag));
                }

                await store.CompleteMultipartUploadAsync(bucket, key, id, completed, none);
            }
            else
            {
                var content = Bytes(random, s_sizes[random.Next(s_sizes.Length)]);
                Say("op", "put", key, Md5(content), Count(content.Length), Quoted(content));
                await store.PutObjectAsync(bucket, key, new MemoryStream(content), ObjectWrite.Default, none);
            }

            Say("done");
        }
    }

    /// <summary>The hex MD5 of <paramref name="content"/>.</summary>
    public static string Md5(byte[] content) => Convert.ToHexStringLower(MD5.HashData(content));

    private static string Quoted(byte[] content) => "\"" + Md5(content) + "\"";

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static byte[] Bytes(Random random, int size)
    {
        var bytes = new byte[size];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>One line, written and flushed in one write (Console.Out flushes every write when redirected).</summary>
    private static void Say(params string[] fields) => Console.Out.Write(string.Join('\t', fields) + "\t.\n");
}
