namespace Eddy.Catalog;

public partial interface ICatalogStore
{
    /// <summary>The function map (name → URL), shared by Firehose's Lambda transform and stream triggers.</summary>
    IFunctionCatalog Functions { get; }
}

/// <summary>
/// The <c>functions</c> area: the function map's entries. Thread-safe (each operation is one transaction); the map
/// (Eddy.Functions' <c>FunctionMap</c>) serializes its writes and keeps the table in memory, loading it once at start-up.
/// Failure: <see cref="CatalogException"/>, having changed nothing. Cancellation: observed before the operation starts.
/// </summary>
public interface IFunctionCatalog
{
    /// <summary>Stores the entry under its name (replacing any), durably before it returns.</summary>
    ValueTask SaveFunctionAsync(FunctionRecord function, CancellationToken cancellationToken = default);

    /// <summary>Deletes the entry of <paramref name="name"/>; false when there was none.</summary>
    ValueTask<bool> DeleteFunctionAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every entry, in ordinal name order.</summary>
    ValueTask<IReadOnlyList<FunctionRecord>> LoadFunctionsAsync(CancellationToken cancellationToken = default);
}

/// <summary>A function map entry as stored: the name, the URL as given, when it was last written (Unix ms).</summary>
public sealed record FunctionRecord(string Name, string Url, long UpdatedMs);

public sealed partial class MemoryCatalogStore : IFunctionCatalog
{
    private readonly SortedDictionary<string, FunctionRecord> _functions = new(StringComparer.Ordinal);

    public IFunctionCatalog Functions => this;

    ValueTask IFunctionCatalog.SaveFunctionAsync(FunctionRecord function, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() => { _functions[function.Name] = function; });
    }

    ValueTask<bool> IFunctionCatalog.DeleteFunctionAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() => _functions.Remove(name));
    }

    ValueTask<IReadOnlyList<FunctionRecord>> IFunctionCatalog.LoadFunctionsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked<IReadOnlyList<FunctionRecord>>(() => [.. _functions.Values]);
    }
}

public sealed partial class SqliteCatalogStore : IFunctionCatalog
{
    public IFunctionCatalog Functions => this;

    ValueTask IFunctionCatalog.SaveFunctionAsync(FunctionRecord function, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() =>
        {
            using var cmd = Command("INSERT OR REPLACE INTO functions(name,url,updated_ms) VALUES($n,$u,$t)", null,
                ("$n", function.Name), ("$u", function.Url), ("$t", function.UpdatedMs));
            cmd.ExecuteNonQuery();
        });
    }

    ValueTask<bool> IFunctionCatalog.DeleteFunctionAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked(() =>
        {
            using var cmd = Command("DELETE FROM functions WHERE name=$n", null, ("$n", name));
            return cmd.ExecuteNonQuery() > 0;
        });
    }

    ValueTask<IReadOnlyList<FunctionRecord>> IFunctionCatalog.LoadFunctionsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Locked<IReadOnlyList<FunctionRecord>>(() =>
            Query("SELECT name,url,updated_ms FROM functions ORDER BY name", r => new FunctionRecord(r.GetString(0), r.GetString(1), r.GetInt64(2))));
    }
}
