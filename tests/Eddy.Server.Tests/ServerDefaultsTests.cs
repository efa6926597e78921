using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>What a new user meets with no options.</summary>
public class ServerDefaultsTests
{
    /// <summary>No state delay by default: the first DescribeStream after CreateStream sees ACTIVE, so the AWS CLI's and
    /// boto3's stream-exists waiters return on their first poll instead of after 10 s.</summary>
    [Fact]
    public async Task A_created_stream_is_ACTIVE_when_CreateStream_returns()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true });
        await KinesisJson.CallOkAsync(server.Endpoint, "CreateStream", new { StreamName = "now", ShardCount = 1 });
        var description = await KinesisJson.CallOkAsync(server.Endpoint, "DescribeStream", new { StreamName = "now" });
        Assert.Equal("ACTIVE", description.GetProperty("StreamDescription").GetProperty("StreamStatus").GetString());
        await KinesisJson.CallOkAsync(server.Endpoint, "UpdateShardCount", new { StreamName = "now", TargetShardCount = 2, ScalingType = "UNIFORM_SCALING" });
        var summary = await KinesisJson.CallOkAsync(server.Endpoint, "DescribeStreamSummary", new { StreamName = "now" });
        Assert.Equal("ACTIVE", summary.GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString());
        Assert.Equal(2, summary.GetProperty("StreamDescriptionSummary").GetProperty("OpenShardCount").GetInt32());
        Assert.Contains("Eddy data: in memory", server.Output, StringComparison.Ordinal);
    }

    /// <summary>The host does not watch its working directory for settings files: the default data directory (./data) is
    /// under it, and the watcher woke on every segment write (~1000 times/s under PutRecords load).</summary>
    [Fact]
    public async Task The_server_watches_no_files()
    {
        if (!OperatingSystem.IsLinux()) return; // reads /proc
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true });
        var descriptors = Directory.GetFiles($"/proc/{server.ProcessId}/fd")
            .Select(fd => { try { return new FileInfo(fd).LinkTarget ?? ""; } catch (IOException) { return ""; } });
        Assert.DoesNotContain(descriptors, target => target.Contains("inotify", StringComparison.Ordinal));
    }
}
