using Eddy.Client.Kinesis;

namespace Eddy.Producer;

/// <summary>The open shards of a stream by hash range (from ListShards with <c>AT_LATEST</c>): predicts the shard a hash
/// key goes to.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed class ShardMap
{
    private readonly UInt128[] _ends;
    private readonly string[] _ids;
    private readonly Dictionary<string, (UInt128 Start, UInt128 End)> _ranges;

    public ShardMap(IEnumerable<Shard> shards)
    {
        var open = shards
            .Select(s => (Id: s.ShardId, Start: UInt128.Parse(s.HashKeyRange.StartingHashKey, System.Globalization.CultureInfo.InvariantCulture),
                End: UInt128.Parse(s.HashKeyRange.EndingHashKey, System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(s => s.End)
            .ToList();
        _ends = [.. open.Select(s => s.End)];
        _ids = [.. open.Select(s => s.Id)];
        _ranges = open.ToDictionary(s => s.Id, s => (s.Start, s.End), StringComparer.Ordinal);
    }

    /// <summary>Shards in the map.</summary>
    public int Count => _ids.Length;

    /// <summary>The shard whose range holds <paramref name="hashKey"/>, or null (a map with a gap).</summary>
    public string? ShardOf(UInt128 hashKey)
    {
        var i = Array.BinarySearch(_ends, hashKey);
        if (i < 0) i = ~i;
        if (i >= _ids.Length) return null;
        return _ranges[_ids[i]].Start <= hashKey ? _ids[i] : null;
    }

    /// <summary>Whether the map knows <paramref name="shardId"/> and its range holds <paramref name="hashKey"/>.</summary>
    public bool Contains(string shardId, UInt128 hashKey) =>
        _ranges.TryGetValue(shardId, out var range) && range.Start <= hashKey && hashKey <= range.End;
}
