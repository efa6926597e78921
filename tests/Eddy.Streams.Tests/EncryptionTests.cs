using System.Text;
using System.Text.Json;
using Eddy.Core;
using Eddy.Streams.Encryption;

namespace Eddy.Streams.Tests;

public class EncryptionTests
{
    private static StreamRef S(string name) => TestEngine.S(name);

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    private static async Task PutAsync(TestEngine t, string stream, params string[] data)
    {
        var result = await t.Engine.PutRecordsAsync(S(stream), [.. data.Select(d => TestEngine.Entry("pk-" + d, d))]);
        Assert.Equal(0, result.FailedRecordCount);
    }

    private static async Task StartAsync(TestEngine t, string stream, string keyId)
    {
        await t.Engine.StartEncryptionAsync(S(stream), "KMS", keyId);
        await TestEngine.WaitAsync(() => t.Engine.DescribeStreamSummary(S(stream)).Status == StreamStatus.Active);
    }

    private static async Task StopAsync(TestEngine t, string stream)
    {
        await t.Engine.StopEncryptionAsync(S(stream), "KMS", "alias/aws/kinesis");
        await TestEngine.WaitAsync(() => t.Engine.DescribeStreamSummary(S(stream)).Status == StreamStatus.Active);
    }

    private static byte[] SegmentBytes(string directory) =>
        [.. Directory.GetFiles(Path.Combine(directory, "logs"), "*", SearchOption.AllDirectories).SelectMany(File.ReadAllBytes)];

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Records_written_while_encrypted_read_back_intact_and_report_KMS_before_and_after_stop(bool onDisk)
    {
        await using var t = new TestEngine(onDisk);
        await t.CreateActiveAsync("s");
        await PutAsync(t, "s", "plain-1");
        await StartAsync(t, "s", "alias/aws/kinesis");
        var summary = t.Engine.DescribeStreamSummary(S("s"));
        Assert.Equal("KMS", summary.EncryptionType);
        Assert.Equal("alias/aws/kinesis", summary.KeyId);
        var put = await t.Engine.PutRecordsAsync(S("s"), [TestEngine.Entry("hidden-key-1", "secret-1"), TestEngine.Entry("hidden-key-2", ""), TestEngine.Entry("hidden-key-3", new string('x', 100_000))]);
        Assert.Equal("KMS", put.EncryptionType);
        await StopAsync(t, "s");
        await PutAsync(t, "s", "plain-2");

        var all = await t.ReadAllAsync("s", "shardId-000000000000");
        Assert.Equal(["plain-1", "secret-1", "", new string('x', 100_000), "plain-2"], all.Select(r => Text(r.Data)));
        Assert.Equal(["pk-plain-1", "hidden-key-1", "hidden-key-2", "hidden-key-3", "pk-plain-2"], all.Select(r => Text(r.PartitionKey)));
        Assert.Equal([false, true, true, true, false], all.Select(r => r.Encrypted));

        if (!onDisk) return;
        var segments = SegmentBytes(t.Directory!);
        Assert.True(Contains(segments, "plain-1") && Contains(segments, "plain-2"));
        Assert.False(Contains(segments, "secret-1"), "an encrypted record's data is in the segment files in plaintext");
        Assert.False(Contains(segments, "xxxxxxxxxxxxxxxx"));
        Assert.False(Contains(segments, "hidden-key"), "an encrypted partition key is in the segment files in plaintext");

        await t.ReopenAsync();
        var again = await t.ReadAllAsync("s", "shardId-000000000000");
        Assert.Equal(all.Select(r => Text(r.Data)), again.Select(r => Text(r.Data)));
        Assert.Equal(all.Select(r => r.Encrypted), again.Select(r => r.Encrypted));
    }

    [Fact]
    public async Task An_encrypted_stream_stays_encrypted_across_a_restart_and_many_shards_and_batches_round_trip()
    {
        await using var t = new TestEngine(onDisk: true);
        await t.CreateActiveAsync("s", 3);
        await StartAsync(t, "s", "alias/aws/kinesis");
        await t.ReopenAsync();
        var data = Enumerable.Range(0, 500).Select(i => $"record-{i}").ToArray();
        for (var i = 0; i < data.Length; i += 100) await PutAsync(t, "s", data[i..(i + 100)]);
        var read = new List<ReadRecord>();
        foreach (var shard in new[] { 0, 1, 2 }) read.AddRange(await t.ReadAllAsync("s", ShardId.Format(shard)));
        Assert.Equal(data.Order(), read.Select(r => Text(r.Data)).Order());
        Assert.All(read, r => Assert.True(r.Encrypted));
        Assert.False(Contains(SegmentBytes(t.Directory!), "record-1"));
    }

    [Fact]
    public async Task The_key_store_is_an_owner_only_versioned_file_with_the_managed_key()
    {
        await using var t = new TestEngine(onDisk: true);
        await t.CreateActiveAsync("s");
        await StartAsync(t, "s", "alias/aws/kinesis");
        var path = Path.Combine(t.Directory!, "keys", KeyStore.FileName);
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal(1, json.RootElement.GetProperty("version").GetInt32());
        var key = Assert.Single(json.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(32, Convert.FromBase64String(key.GetProperty("material").GetString()!).Length);
        Assert.Equal(key.GetProperty("keyId").GetString(), json.RootElement.GetProperty("aliases").GetProperty("alias/aws/kinesis").GetString());
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Every_KeyId_form_resolves_a_key_created_in_the_store_while_the_engine_runs()
    {
        await using var t = new TestEngine(onDisk: true);
        await t.CreateActiveAsync("s");
        var store = new KeyStore(Path.Combine(t.Directory!, "keys"), "us-east-1", "000000000000");
        var key = store.Create("alias/mine");
        foreach (var id in new[] { key.Id, key.Arn, "alias/mine", "arn:aws:kms:us-east-1:000000000000:alias/mine", "alias/aws/kinesis" })
        {
            await StartAsync(t, "s", id);
            Assert.Equal(id, t.Engine.DescribeStreamSummary(S("s")).KeyId);
            await PutAsync(t, "s", "under-" + id);
        }
        var all = await t.ReadAllAsync("s", "shardId-000000000000");
        Assert.Equal(5, all.Count);
        Assert.All(all, r => Assert.True(r.Encrypted));
        Assert.Equal(2, new KeyStore(Path.Combine(t.Directory!, "keys"), "us-east-1", "000000000000").Keys.Count);
    }

    [Theory]
    [InlineData("alias/nope", "Alias arn:aws:kms:us-east-1:000000000000:alias/nope is not found.")]
    [InlineData("arn:aws:kms:us-east-1:000000000000:alias/nope", "Alias arn:aws:kms:us-east-1:000000000000:alias/nope is not found.")]
    [InlineData("12345678-1234-1234-1234-123456789012", "Key 'arn:aws:kms:us-east-1:000000000000:key/12345678-1234-1234-1234-123456789012' does not exist")]
    [InlineData("arn:aws:kms:us-east-1:000000000000:key/12345678-1234-1234-1234-123456789012", "Key 'arn:aws:kms:us-east-1:000000000000:key/12345678-1234-1234-1234-123456789012' does not exist")]
    [InlineData("arn:aws:kms:eu-west-1:000000000000:alias/aws/kinesis", "Alias arn:aws:kms:eu-west-1:000000000000:alias/aws/kinesis is not found.")]
    [InlineData("not-a-key", "Invalid keyId 'not-a-key'")]
    public async Task An_unknown_KeyId_is_KMSNotFoundException_and_changes_nothing(string keyId, string message)
    {
        await using var t = new TestEngine();
        await t.CreateActiveAsync("s");
        var e = await Assert.ThrowsAsync<KinesisException>(() => t.Engine.StartEncryptionAsync(S("s"), "KMS", keyId));
        Assert.Equal(ErrorCode.KMSNotFoundException, e.Code);
        Assert.Equal(message, e.Message);
        var summary = t.Engine.DescribeStreamSummary(S("s"));
        Assert.Equal((StreamStatus.Active, "NONE"), (summary.Status, summary.EncryptionType));
    }

    [Fact]
    public void A_sealed_payload_opens_only_in_its_own_stream_and_shard()
    {
        var store = new KeyStore(null, "us-east-1", "000000000000");
        var key = store.Resolve("alias/aws/kinesis");
        var entry = TestEngine.Entry("key", "hello");
        var payload = new byte[RecordPayload.SealedSizeOf(entry)];
        using (var sealer = new RecordCipher.Sealer(key, 7, 3)) RecordPayload.WriteSealed(payload, entry, sealer, 5);
        Assert.True(RecordPayload.IsSealed(payload, out var n));
        var plain = new byte[n];
        using (var opener = new RecordCipher.Opener(store, 7, 3))
        {
            Assert.True(RecordPayload.TryOpen(payload, plain, opener, out var pk, out var data));
            Assert.Equal(("key", "hello"), (Text(pk), Text(data)));
        }
        using (var elsewhere = new RecordCipher.Opener(store, 7, 4))
            Assert.Equal(ErrorCode.InternalFailure, Assert.Throws<KinesisException>(() => RecordPayload.TryOpen(payload, plain, elsewhere, out _, out _)).Code);
        payload[^1] ^= 1;
        using (var opener = new RecordCipher.Opener(store, 7, 3))
            Assert.Equal(ErrorCode.InternalFailure, Assert.Throws<KinesisException>(() => RecordPayload.TryOpen(payload, plain, opener, out _, out _)).Code);
        using (var stranger = new RecordCipher.Opener(new KeyStore(null, "us-east-1", "000000000000"), 7, 3))
            Assert.Equal(ErrorCode.KMSAccessDeniedException, Assert.Throws<KinesisException>(() => RecordPayload.TryOpen(payload, plain, stranger, out _, out _)).Code);
    }

    [Fact]
    public void A_change_while_another_process_holds_the_lock_file_fails_at_once_and_changes_nothing()
    {
        var directory = Path.Combine(Path.GetTempPath(), "eddy-keys-" + Guid.NewGuid().ToString("N"));
        try
        {
            var store = new KeyStore(directory, "us-east-1", "000000000000");
            store.Create("alias/first");

            // What another process (eddy keys create, or a server making alias/aws/kinesis) holds while it writes.
            using (new FileStream(Path.Combine(directory, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            {
                var busy = Assert.Throws<KeyStoreBusyException>(() => store.Create("alias/second"));
                Assert.Contains(directory, busy.Message, StringComparison.Ordinal);
                var managed = Assert.Throws<KinesisException>(() => store.Resolve("alias/aws/kinesis"));
                Assert.Equal(ErrorCode.KMSThrottlingException, managed.Code);
                Assert.Equal(busy.Message, managed.Message);
            }

            Assert.Equal(["alias/first"], new KeyStore(directory, "us-east-1", "000000000000").Aliases.Keys);
            store.Create("alias/second");
            store.Resolve("alias/aws/kinesis");
            Assert.Equal(["alias/aws/kinesis", "alias/first", "alias/second"], new KeyStore(directory, "us-east-1", "000000000000").Aliases.Keys.Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Concurrent_creates_through_two_instances_on_one_directory_all_succeed_with_distinct_handles()
    {
        var directory = Path.Combine(Path.GetTempPath(), "eddy-keys-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Two threads of their own (not the pool, which may run them one after the other), started together.
            KeyStore[] stores = [new(directory, "us-east-1", "000000000000"), new(directory, "us-east-1", "000000000000")];
            using var start = new Barrier(stores.Length);
            var created = await Task.WhenAll(stores.Select((store, s) => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                return Enumerable.Range(0, 20).Select(i => store.Create($"alias/k{s}-{i}")).ToList();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

            var reopened = new KeyStore(directory, "us-east-1", "000000000000");
            Assert.Equal(created.SelectMany(c => c).Select(k => k.Id).Order(StringComparer.Ordinal), reopened.Keys.Select(k => k.Id).Order(StringComparer.Ordinal));
            Assert.Equal(40, reopened.Keys.Select(k => k.Handle).Distinct().Count());
            Assert.Equal(40, reopened.Aliases.Count);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
