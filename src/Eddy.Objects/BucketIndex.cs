using Eddy.Core.Objects;

namespace Eddy.Objects;

/// <summary>
/// One bucket's keys in S3's listing order (<see cref="ObjectNames.KeyOrder"/>), each with its metadata and where
/// its bytes are (<typeparamref name="T"/>: a file name, a byte array), and the ListObjectsV2 paging over them.
/// </summary>
/// <remarks>Not thread-safe: the owning store guards each bucket's index with the bucket's lock. Inserting is
/// O(n) (a sorted array underneath), which suits the buckets of one machine.</remarks>
internal sealed class BucketIndex<T>
{
    private readonly SortedList<string, (ObjectInfo Info, T Data)> _entries = new(ObjectNames.KeyOrder);

    public BucketIndex(string name, DateTimeOffset created)
    {
        Name = name;
        Created = created;
    }

    public string Name { get; }

    public DateTimeOffset Created { get; }

    /// <summary>Set once the bucket is deleted: writers that raced the delete must fail with <c>NoSuchBucket</c>.</summary>
    public bool Deleted { get; set; }

    public int Count => _entries.Count;

    public bool TryGet(string key, out ObjectInfo info, out T data)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            (info, data) = entry;
            return true;
        }

        (info, data) = (null!, default!);
        return false;
    }

    public void Set(ObjectInfo info, T data) => _entries[info.Key] = (info, data);

    public bool Remove(string key, out T data)
    {
        if (_entries.Remove(key, out var entry))
        {
            data = entry.Data;
            return true;
        }

        data = default!;
        return false;
    }

    /// <summary>One ListObjectsV2 page: keys after <paramref name="startAfter"/> beginning with
    /// <paramref name="prefix"/>, rolled up at the first <paramref name="delimiter"/> after the prefix. An entry (key or
    /// common prefix) is listed only if it sorts after <paramref name="startAfter"/>, so a page that ended on a common
    /// prefix continues after every key under it.</summary>
    public ObjectListing List(string? prefix, string? delimiter, string? startAfter, int maxKeys)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxKeys);
        prefix ??= "";
        delimiter = string.IsNullOrEmpty(delimiter) ? null : delimiter;
        var keys = _entries.Keys;
        var from = startAfter is null || ObjectNames.KeyOrder.Compare(startAfter, prefix) < 0 ? prefix : startAfter;
        var i = LowerBound(keys, from);
        List<ObjectInfo> objects = [];
        List<string> prefixes = [];
        string? last = null;
        for (; i < keys.Count; i++)
        {
            var key = keys[i];
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                break;
            }

            var entry = key;
            if (delimiter is not null)
            {
                var at = key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (at >= 0)
                {
                    entry = key[..(at + delimiter.Length)];
                }
            }

            if ((startAfter is not null && ObjectNames.KeyOrder.Compare(entry, startAfter) <= 0) || entry == last)
            {
                continue;
            }

            if (objects.Count + prefixes.Count == maxKeys)
            {
                return new ObjectListing(objects, prefixes, true, last ?? startAfter);
            }

            if (ReferenceEquals(entry, key))
            {
                objects.Add(_entries.Values[i].Info);
            }
            else
            {
                prefixes.Add(entry);
            }

            last = entry;
        }

        return new ObjectListing(objects, prefixes, false, null);
    }

    private static int LowerBound(IList<string> keys, string value)
    {
        int lo = 0, hi = keys.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ObjectNames.KeyOrder.Compare(keys[mid], value) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
