using System.Collections.Immutable;
using Eddy.Catalog;
using Eddy.Core.Functions;

namespace Eddy.Functions;

/// <summary>
/// <see cref="IFunctionMap"/> on the catalog's <c>functions</c> area: the whole map is held in memory (an immutable
/// dictionary swapped on each write, so lookups take no lock) and written through to the catalog.
/// </summary>
/// <remarks>
/// Threading: thread-safe; writes run one at a time (an async gate), each stored in the catalog before the in-memory map
/// changes, so a reader never sees an entry that is not durable. <see cref="LoadAsync"/> runs once at start-up (by
/// <c>AddEddyFunctions</c>' hosted service) before the map is used; until then the map is empty. Failure: a catalog
/// failure propagates and leaves the map as it was.
/// </remarks>
public sealed class FunctionMap : IFunctionMap, IDisposable
{
    private readonly IFunctionCatalog _catalog;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private ImmutableSortedDictionary<string, FunctionEntry> _entries = ImmutableSortedDictionary.Create<string, FunctionEntry>(StringComparer.Ordinal);

    public FunctionMap(IFunctionCatalog catalog, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Loads the stored entries, then stores <paramref name="startup"/> (the <c>--function NAME=URL</c> entries of
    /// <c>eddy serve</c>, which replace stored entries of the same name).</summary>
    /// <exception cref="FunctionException">A start-up entry is invalid (nothing of it is stored).</exception>
    public async Task LoadAsync(IEnumerable<FunctionBinding> startup, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(startup);
        FunctionBinding[] bindings = [.. startup];
        foreach (var binding in bindings)
        {
            Validate(binding.Name, binding.Url);
        }
        var builder = ImmutableSortedDictionary.CreateBuilder<string, FunctionEntry>(StringComparer.Ordinal);
        foreach (var stored in await _catalog.LoadFunctionsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (FunctionNames.IsValidName(stored.Name) && Uri.TryCreate(stored.Url, UriKind.Absolute, out _))
            {
                var (url, kind) = FunctionNames.ParseUrl(stored.Url);
                builder[stored.Name] = new FunctionEntry(stored.Name, url, kind);
            }
        }
        _entries = builder.ToImmutable();
        foreach (var binding in bindings)
        {
            await PutAsync(binding.Name, binding.Url, cancellationToken).ConfigureAwait(false);
        }
    }

    public FunctionEntry? Find(string name) => name is null ? null : _entries.GetValueOrDefault(name);

    public IReadOnlyList<FunctionEntry> List() => [.. _entries.Values];

    public async ValueTask<FunctionEntry> PutAsync(string name, string url, CancellationToken cancellationToken = default)
    {
        var entry = Validate(name, url);
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _catalog.SaveFunctionAsync(new FunctionRecord(name, url, _time.GetUtcNow().ToUnixTimeMilliseconds()), CancellationToken.None).ConfigureAwait(false);
            _entries = _entries.SetItem(name, entry);
            return entry;
        }
        finally
        {
            _writes.Release();
        }
    }

    public async ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!FunctionNames.IsValidName(name))
        {
            return false;
        }
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var removed = await _catalog.DeleteFunctionAsync(name, CancellationToken.None).ConfigureAwait(false);
            _entries = _entries.Remove(name);
            return removed;
        }
        finally
        {
            _writes.Release();
        }
    }

    public void Dispose() => _writes.Dispose();

    private static FunctionEntry Validate(string name, string url)
    {
        FunctionNames.RequireValidName(name);
        var (uri, kind) = FunctionNames.ParseUrl(url);
        return new FunctionEntry(name, uri, kind);
    }
}

/// <summary>A start-up entry of the map: <c>--function NAME=URL</c>.</summary>
public sealed record FunctionBinding(string Name, string Url)
{
    /// <summary>Parses <c>NAME=URL</c> (split at the first <c>=</c>; the URL may contain more).</summary>
    /// <exception cref="FunctionException">InvalidParameterValueException saying what is wrong.</exception>
    public static FunctionBinding Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw FunctionException.InvalidParameter($"'{text}' is not NAME=URL.");
        }
        var binding = new FunctionBinding(text[..eq], text[(eq + 1)..]);
        FunctionNames.RequireValidName(binding.Name);
        FunctionNames.ParseUrl(binding.Url);
        return binding;
    }
}
