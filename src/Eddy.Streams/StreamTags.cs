using System.Text.RegularExpressions;
using Eddy.Core;

namespace Eddy.Streams;

/// <summary>
/// Tags of streams and consumers (catalog <c>tags</c>), and the tags that steer Eddy itself
/// (<c>eddy:shard-limits</c>). The tag table changes only under the control lock.
/// </summary>
internal sealed partial class StreamTags(EngineContext context) : IStreamTags
{
    private const int MaxTagsPerResource = 50;
    private const string ShardLimitsTagKey = "eddy:shard-limits";

    private readonly Dictionary<string, SortedDictionary<string, string>> _tags = new(StringComparer.Ordinal);

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$")]
    private static partial Regex TagCharacters();

    private string Account => context.Account;
    private StreamTable Streams => context.Streams;

    /// <summary>Loads every stored tag (at start-up) and applies the steering tags to their streams.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var t in await context.Catalog.LoadTagsAsync(cancellationToken).ConfigureAwait(false)) TagsOf(t.ResourceArn)[t.Key] = t.Value;
        foreach (var arn in _tags.Keys) ApplyTagSettings(arn);
    }

    private SortedDictionary<string, string> TagsOf(string arn)
    {
        if (!_tags.TryGetValue(arn, out var tags)) _tags[arn] = tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        return tags;
    }

    /// <summary>Forgets a deleted resource's tags in memory (the catalog deletes its rows itself).</summary>
    public void Forget(string arn) => _tags.Remove(arn);

    public void CheckTags(string resource, IReadOnlyDictionary<string, string> tags, int existing)
    {
        CheckTagCharacters(resource, [.. tags.Keys, .. tags.Values], "add tags to");
        if (tags.Keys.Any(k => k.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)))
            throw KinesisException.Invalid("Tag keys must not start with the reserved prefix 'aws:'.");
        if (existing + tags.Count > MaxTagsPerResource)
        {
            throw KinesisException.Invalid(
                $"Failed to add tags to stream {resource} under account {Account} because a given stream cannot have more than {MaxTagsPerResource} tags associated with it.");
        }
    }

    /// <summary>
    /// AWS's character rules for tag keys (and values), over the whole request: a character outside the allowed set
    /// first, then '%', which the allowed set's message lists but AWS refuses with a message of its own.
    /// </summary>
    private void CheckTagCharacters(string resource, IReadOnlyList<string> texts, string action)
    {
        if (texts.Any(t => !TagCharacters().IsMatch(t)))
            throw KinesisException.Invalid("Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.");
        if (texts.Any(t => t.Contains('%')))
        {
            throw KinesisException.Invalid($"Failed to {action} stream {resource} under account {Account} because some tags contained illegal characters. " +
                "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.");
        }
    }

    /// <summary>Stores a resource's new tag set, then makes it the one in memory.</summary>
    public async Task SaveTagsAsync(string arn, IReadOnlyDictionary<string, string> tags, bool replace)
    {
        var next = replace ? new SortedDictionary<string, string>(StringComparer.Ordinal) : new SortedDictionary<string, string>(TagsOf(arn), StringComparer.Ordinal);
        foreach (var (k, v) in tags) next[k] = v;
        await StoreAsync(arn, next).ConfigureAwait(false);
    }

    private async Task StoreAsync(string arn, SortedDictionary<string, string> next)
    {
        await context.Catalog.SaveTagsAsync(arn, next).ConfigureAwait(false);
        _tags[arn] = next;
        ApplyTagSettings(arn);
    }

    /// <summary>Stream tags that steer Eddy itself: <c>eddy:shard-limits</c> = <c>aws</c> | <c>off</c>.</summary>
    public void ApplyTagSettings(string arn)
    {
        if (!Streams.TryParseStreamArn(arn, out var name) || Streams.FindByName(name) is not { } s) return;
        s.ShardLimitsTag = TagsOf(arn).GetValueOrDefault(ShardLimitsTagKey);
    }

    private Task AddTagsAsync(string arn, string resourceName, IReadOnlyDictionary<string, string> tags)
    {
        var current = TagsOf(arn);
        CheckTags(resourceName, tags, current.Keys.Count(k => !tags.ContainsKey(k)));
        return SaveTagsAsync(arn, tags, replace: false);
    }

    private Task RemoveTagsAsync(string arn, string resourceName, IReadOnlyList<string> keys)
    {
        CheckTagCharacters(resourceName, keys, "remove tags from");
        var next = new SortedDictionary<string, string>(TagsOf(arn), StringComparer.Ordinal);
        foreach (var k in keys) next.Remove(k);
        return StoreAsync(arn, next);
    }

    public Task AddTagsAsync(StreamRef stream, IReadOnlyDictionary<string, string> tags) =>
        context.Control.WriteAsync(() => { var s = Streams.ResolveTaggable(stream); return AddTagsAsync(s.Arn, s.Name, tags); });

    public Task RemoveTagsAsync(StreamRef stream, IReadOnlyList<string> keys) =>
        context.Control.WriteAsync(() => { var s = Streams.ResolveTaggable(stream); return RemoveTagsAsync(s.Arn, s.Name, keys); });

    public ValueTask<TagListResult> ListTagsForStreamAsync(StreamRef stream, string? exclusiveStartTagKey, int? limit) => context.Control.ReadAsync(() =>
    {
        var s = Streams.Resolve(stream);
        var all = TagsOf(s.Arn).Where(t => exclusiveStartTagKey is null || string.CompareOrdinal(t.Key, exclusiveStartTagKey) > 0).ToList();
        var take = Math.Min(limit ?? MaxTagsPerResource, MaxTagsPerResource);
        return new TagListResult([.. all.Take(take)], all.Count > take);
    });

    public Task TagResourceAsync(string resourceArn, IReadOnlyDictionary<string, string> tags) =>
        context.Control.WriteAsync(() => AddTagsAsync(Streams.ResolveResource(resourceArn), resourceArn, tags));

    public Task UntagResourceAsync(string resourceArn, IReadOnlyList<string> keys) =>
        context.Control.WriteAsync(() => RemoveTagsAsync(Streams.ResolveResource(resourceArn), resourceArn, keys));

    public ValueTask<IReadOnlyList<KeyValuePair<string, string>>> ListTagsForResourceAsync(string resourceArn) =>
        context.Control.ReadAsync(() => (IReadOnlyList<KeyValuePair<string, string>>)[.. TagsOf(Streams.ResolveResource(resourceArn))]);
}
