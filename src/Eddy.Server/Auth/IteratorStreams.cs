using System.Collections.Concurrent;
using Eddy.Core;

namespace Eddy.Server.Auth;

/// <summary>
/// Which stream a shard iterator reads, so that GetRecords (which names no stream unless the client adds StreamARN) is
/// authorized against its stream. A shard iterator (docs/formats/iterators.md) is base64 of
/// <c>version ‖ kind ‖ streamId(8) ‖ ...</c> under an HMAC, so its bytes 2..10 name the stream incarnation and cannot be
/// forged. The map from those bytes to ARNs is learnt by asking the engine for a LATEST iterator of each stream
/// whenever an unknown incarnation shows up (at most once a second).
/// </summary>
internal sealed class IteratorStreams(IStreamEngine engine, TimeProvider clock)
{
    private static readonly TimeSpan s_minRefresh = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<long, string> _arns = new();
    private readonly Lock _refresh = new();
    private DateTimeOffset _lastRefresh = DateTimeOffset.MinValue;

    /// <summary>The ARN of the stream <paramref name="iterator"/> reads, or null when it is malformed or unknown.</summary>
    public string? StreamArnOf(string? iterator)
    {
        if (Incarnation(iterator) is not { } id) return null;
        if (_arns.TryGetValue(id, out var arn)) return arn;
        lock (_refresh)
        {
            if (_arns.TryGetValue(id, out arn)) return arn;
            var now = clock.GetUtcNow();
            if (now - _lastRefresh < s_minRefresh) return null;
            _lastRefresh = now;
            Refresh();
        }
        return _arns.GetValueOrDefault(id);
    }

    private void Refresh()
    {
        string? token = null;
        string? after = null;
        do
        {
            var page = engine.ListStreams(null, token is null ? after : null, token);
            foreach (var stream in page.Streams)
            {
                after = stream.Name;
                try
                {
                    var shards = engine.ListShards(new StreamRef(null, stream.Arn), null, null, 1, null, null, null, null);
                    if (shards.Shards.Count == 0) continue;
                    var iterator = engine.GetShardIterator(new StreamRef(null, stream.Arn), shards.Shards[0].ShardId, ShardIteratorType.Latest, null, null);
                    if (Incarnation(iterator) is { } id) _arns[id] = stream.Arn;
                }
                catch (KinesisException)
                {
                    // not ACTIVE (creating, deleting): its iterators cannot be read yet or any more
                }
            }
            token = page.NextToken;
            if (!page.HasMore) break;
        }
        while (true);
    }

    private static long? Incarnation(string? iterator)
    {
        if (string.IsNullOrEmpty(iterator) || iterator.Length > 512) return null;
        Span<byte> bytes = stackalloc byte[384];
        if (!Convert.TryFromBase64String(iterator, bytes, out var n) || n < 10) return null;
        return System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes[2..10]);
    }
}
