namespace Eddy.Streams;

/// <summary>Retention on disk: deletes log segments past retention and drops closed shards whose records have all
/// expired. Run every <see cref="EngineOptions.RetentionSweep"/> under the control lock (a hosted loop); reads skip
/// records past retention regardless.</summary>
internal sealed class RetentionSweep(EngineContext context)
{
    public async Task<int> SweepOnceAsync()
    {
        var now = context.NowMs;
        foreach (var s in context.Streams.All)
        {
            var cutoff = now - s.RetentionMs;
            var expired = s.Shards.Where(sh => sh.ClosedMs is { } c && c < cutoff).ToList();
            foreach (var shard in s.Shards.Except(expired)) await shard.Log.TrimAsync(cutoff).ConfigureAwait(false);
            if (expired.Count == 0) continue;
            var kept = s.Shards.Except(expired).ToList();
            await context.SaveAsync(s, kept).ConfigureAwait(false);
            s.SetShards(kept);
            foreach (var shard in expired) await context.Logs.DeleteAsync(shard.Log.Id).ConfigureAwait(false);
        }
        return 0;
    }
}
