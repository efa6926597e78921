using System.Text;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>StartStreamEncryption over the wire: segment files hold no plaintext of encrypted records, reads are
/// transparent, and a kill -9 and restart keeps them readable.</summary>
public class EncryptionAtRestTests
{
    private const string Before = "PLAINTEXT-MARKER-BEFORE-7f3a";
    private const string After = "PLAINTEXT-MARKER-AFTER-9c1d";

    private static bool SegmentsContain(EddyServer server, string marker)
    {
        var needle = Encoding.UTF8.GetBytes(marker);
        return Directory.GetFiles(Path.Combine(server.DataDir, "logs"), "*", SearchOption.AllDirectories)
            .Any(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0);
    }

    private static async Task<List<(string Data, string Encryption)>> ReadAllAsync(Uri endpoint, string stream)
    {
        var iterator = (await KinesisJson.CallOkAsync(endpoint, "GetShardIterator",
            new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" })).GetProperty("ShardIterator").GetString();
        var all = new List<(string, string)>();
        while (iterator is not null)
        {
            var page = await KinesisJson.CallOkAsync(endpoint, "GetRecords", new { ShardIterator = iterator });
            var records = page.GetProperty("Records").EnumerateArray().ToList();
            foreach (var r in records)
            {
                all.Add((Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64()),
                    r.TryGetProperty("EncryptionType", out var e) ? e.GetString()! : "NONE"));
            }

            if (records.Count == 0) break;
            iterator = page.TryGetProperty("NextShardIterator", out var next) ? next.GetString() : null;
        }
        return all;
    }

    private static object Put(string stream, string data) =>
        new { StreamName = stream, PartitionKey = "pk", Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(data)) };

    [Fact]
    public async Task Encrypted_records_are_not_in_the_segment_files_in_plaintext_and_survive_kill_9()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0 });
        await KinesisJson.CallOkAsync(server.Endpoint, "CreateStream", new { StreamName = "enc", ShardCount = 1 });
        await KinesisJson.WaitForStreamStatusAsync(server.Endpoint, "enc");
        var plain = await KinesisJson.CallOkAsync(server.Endpoint, "PutRecord", Put("enc", Before));
        Assert.Equal("NONE", plain.TryGetProperty("EncryptionType", out var pe) ? pe.GetString() : "NONE");

        var unknown = await KinesisJson.CallAsync(server.Endpoint, "StartStreamEncryption", new { StreamName = "enc", EncryptionType = "KMS", KeyId = "alias/missing" });
        Assert.Equal("KMSNotFoundException", unknown.ErrorType);
        Assert.Equal("Alias arn:aws:kms:us-east-1:000000000000:alias/missing is not found.", unknown.ErrorMessage);

        await KinesisJson.CallOkAsync(server.Endpoint, "StartStreamEncryption", new { StreamName = "enc", EncryptionType = "KMS", KeyId = "alias/aws/kinesis" });
        await KinesisJson.WaitForStreamStatusAsync(server.Endpoint, "enc");
        var put = await KinesisJson.CallOkAsync(server.Endpoint, "PutRecord", Put("enc", After));
        Assert.Equal("KMS", put.GetProperty("EncryptionType").GetString());
        var batch = await KinesisJson.CallOkAsync(server.Endpoint, "PutRecords", new
        {
            StreamName = "enc",
            Records = Enumerable.Range(0, 50).Select(i => new { PartitionKey = $"k{i}", Data = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{After}-{i}")) }).ToArray(),
        });
        Assert.Equal("KMS", batch.GetProperty("EncryptionType").GetString());

        var expected = new List<(string, string)> { (Before, "NONE"), (After, "KMS") };
        expected.AddRange(Enumerable.Range(0, 50).Select(i => ($"{After}-{i}", "KMS")));
        Assert.Equal(expected, await ReadAllAsync(server.Endpoint, "enc"));
        Assert.True(SegmentsContain(server, Before), "the record written before encryption should be in plaintext (the grep works)");
        Assert.False(SegmentsContain(server, After), "a record written after StartStreamEncryption is in the segment files in plaintext");

        server.Kill();
        await server.RestartAsync();
        Assert.Equal(expected, await ReadAllAsync(server.Endpoint, "enc"));
        // still encrypting after the restart
        await KinesisJson.CallOkAsync(server.Endpoint, "PutRecord", Put("enc", After + "-restarted"));
        Assert.False(SegmentsContain(server, After));
        Assert.Equal((After + "-restarted", "KMS"), (await ReadAllAsync(server.Endpoint, "enc"))[^1]);

        await KinesisJson.CallOkAsync(server.Endpoint, "StopStreamEncryption", new { StreamName = "enc", EncryptionType = "KMS", KeyId = "alias/aws/kinesis" });
        await KinesisJson.WaitForStreamStatusAsync(server.Endpoint, "enc");
        await KinesisJson.CallOkAsync(server.Endpoint, "PutRecord", Put("enc", "after-stop"));
        var final = await ReadAllAsync(server.Endpoint, "enc");
        Assert.Equal(expected.Count + 2, final.Count);
        Assert.Equal(("after-stop", "NONE"), final[^1]);
        Assert.Equal(expected, final.Take(expected.Count));
    }
}
