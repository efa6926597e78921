using Eddy.Core;
using Eddy.Storage;

namespace Eddy.Streams.Tests;

/// <summary>The writer fence of a shard being closed, and the shard-list signal writers wait on (no polling).</summary>
public class ShardStateTests
{
    private static ShardState NewShard(int index = 0) =>
        new(index, null, null, new HashKeyRange(0, UInt128.MaxValue), 0, 0, new MemoryLogStore().Open("0." + index));

    [Fact]
    public async Task Close_waits_for_the_writers_inside_and_refuses_new_ones()
    {
        var shard = NewShard();
        Assert.True(shard.TryEnterWrite());
        Assert.True(shard.TryEnterWrite());
        var closing = shard.CloseAsync(5);
        Assert.False(closing.IsCompleted);
        Assert.False(shard.TryEnterWrite()); // closed: a new writer backs out
        shard.ExitWrite();
        Assert.False(closing.IsCompleted);
        shard.ExitWrite();
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(5, shard.ClosedMs);
    }

    [Fact]
    public async Task Close_without_writers_completes_at_once_and_a_reopened_shard_can_close_again()
    {
        var shard = NewShard();
        await shard.CloseAsync(1).WaitAsync(TimeSpan.FromSeconds(10));
        shard.Reopen();
        Assert.True(shard.TryEnterWrite());
        var closing = shard.CloseAsync(2);
        Assert.False(closing.IsCompleted);
        shard.ExitWrite();
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, shard.ClosedMs);
    }

    [Fact]
    public async Task The_shard_list_signal_read_before_a_list_completes_when_a_newer_list_is_published()
    {
        var s = new StreamState { Id = 1, Name = "s", Arn = "arn", StreamToken = "t", CreatedMs = 0 };
        s.SetShards([NewShard(0)]);
        var changed = s.ShardsChanged;
        var open = s.OpenShards;
        Assert.False(changed.IsCompleted);
        s.SetShards([NewShard(0), NewShard(1)]);
        await changed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotSame(open, s.OpenShards);
        Assert.False(s.ShardsChanged.IsCompleted);
    }
}
