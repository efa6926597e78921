using System.Text;
using System.Text.Json;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>The data directory as a resource: one server owns it, and a full disk costs writes, never data.</summary>
public class DataDirectoryTests
{
    [Fact]
    public async Task A_second_server_on_the_same_data_directory_exits_with_one_line_naming_the_directory_and_the_holder()
    {
        await using var first = await EddyServer.StartAsync(new EddyServerOptions());
        await KinesisJson.CallOkAsync(first.Endpoint, "CreateStream", new { StreamName = "mine", ShardCount = 1 });

        var second = await ToolRunner.RunAsync(EddyServer.DotnetHost(),
            [EddyServer.LocateEddyDll(), "serve", "--port", "0", "--no-tls", "--data-dir", first.DataDir], new ToolRunOptions { Timeout = TimeSpan.FromSeconds(60) });

        Assert.False(second.TimedOut, second.Describe());
        Assert.Equal(1, second.ExitCode);
        Assert.DoesNotContain(EddyServer.ReadyPrefix, second.StdOut, StringComparison.Ordinal);
        var line = Assert.Single(second.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Path.GetFullPath(first.DataDir), line, StringComparison.Ordinal);
        Assert.Contains($"process {first.ProcessId}", line, StringComparison.Ordinal);

        // the first server is untouched
        await KinesisJson.CallOkAsync(first.Endpoint, "PutRecord", new { StreamName = "mine", PartitionKey = "k", Data = "YQ==" });
    }

    [Fact]
    public async Task The_lock_dies_with_its_holder_so_a_restart_after_kill_9_starts()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions());
        server.Kill();
        await server.RestartAsync();
        Assert.Contains($"Eddy data directory: {Path.GetFullPath(server.DataDir)}", server.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A real full disk: the server runs in a mount namespace of its own (unshare, no root needed) on an 8 MiB tmpfs,
    /// which the test reaches through /proc/&lt;pid&gt;/root and fills with a file. PutRecords answers per record as AWS
    /// does (before: HTTP 500 for the whole call while part of it was durable, so retries duplicated records), reads go
    /// on, and writes resume once the file is gone.
    /// </summary>
    [Fact]
    public async Task A_full_disk_fails_the_records_it_could_not_write_per_record_and_reads_go_on()
    {
        var dir = Path.Combine(Path.GetTempPath(), "eddy-full-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        await using var server = await EddyServer.StartAsync(new EddyServerOptions
        {
            DataDir = dir,
            CommandPrefix = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", $"mount -t tmpfs -o size=8m tmpfs '{dir}' && exec \"$0\" \"$@\""],
            ExtraArgs = ["--segment-mb", "1"],
        });
        var endpoint = server.Endpoint;
        var inside = $"/proc/{server.ProcessId}/root{dir}";
        Assert.True(File.Exists(Path.Combine(inside, "catalog.db")), $"the server's data directory is not visible at {inside}");
        await KinesisJson.CallOkAsync(endpoint, "CreateStream", new { StreamName = "full", ShardCount = 2 });
        await Put(endpoint, ("0", "first-0"));
        await Put(endpoint, (Max, "first-1"));

        // Fill the disk, then give back 256 KiB: a small group fits, a 1.4 MiB one does not.
        var filler = Path.Combine(inside, "filler");
        await using (var fill = new FileStream(filler, FileMode.CreateNew))
        {
            var chunk = new byte[64 * 1024];
            try
            {
                for (var i = 0; i < 1024; i++) fill.Write(chunk);
            }
            catch (IOException)
            {
                // the disk is full
            }
            fill.SetLength(Math.Max(0, fill.Position - 256 * 1024));
        }

        var big = new string('x', 700 * 1024);
        var response = await KinesisJson.CallAsync(endpoint, "PutRecords", new
        {
            StreamName = "full",
            Records = new object[]
            {
                Entry("0", big + "a"), Entry(Max, "small-1"), Entry("1", big + "b"),
            },
        });
        Assert.True(response.IsSuccess, response.ToString());
        var records = response.Json.GetProperty("Records").EnumerateArray().ToList();
        Assert.Equal(2, response.Json.GetProperty("FailedRecordCount").GetInt32());
        foreach (var i in new[] { 0, 2 })
        {
            Assert.Equal("InternalFailure", records[i].GetProperty("ErrorCode").GetString());
            Assert.Equal("Internal service failure.", records[i].GetProperty("ErrorMessage").GetString());
        }
        Assert.Equal("shardId-000000000001", records[1].GetProperty("ShardId").GetString());

        // nothing could be written: the whole call fails, with a message
        var none = await KinesisJson.CallAsync(endpoint, "PutRecords", new { StreamName = "full", Records = new object[] { Entry("0", big) } });
        Assert.Equal(500, (int)none.Status);
        Assert.Equal(("InternalFailure", "Internal service failure."), (none.ErrorType, none.ErrorMessage));

        // reads go on, and hold exactly what was acknowledged
        Assert.Equal(["first-0"], (await WireReader.ReadShardAsync(endpoint, "full", "shardId-000000000000")).Records.Select(r => r.Data));
        Assert.Equal(["first-1", "small-1"], (await WireReader.ReadShardAsync(endpoint, "full", "shardId-000000000001")).Records.Select(r => r.Data));

        File.Delete(filler); // space returns
        await Put(endpoint, ("0", "after"));
        Assert.Equal(["first-0", "after"], (await WireReader.ReadShardAsync(endpoint, "full", "shardId-000000000000")).Records.Select(r => r.Data));
    }

    private const string Max = "340282366920938463463374607431768211455";

    private static object Entry(string hashKey, string data) =>
        new { PartitionKey = "k", ExplicitHashKey = hashKey, Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(data)) };

    private static async Task Put(Uri endpoint, (string HashKey, string Data) record)
    {
        var r = await KinesisJson.CallOkAsync(endpoint, "PutRecords", new { StreamName = "full", Records = new[] { Entry(record.HashKey, record.Data) } });
        Assert.Equal(0, r.GetProperty("FailedRecordCount").GetInt32());
        Assert.Equal(JsonValueKind.Array, r.GetProperty("Records").ValueKind);
    }
}
