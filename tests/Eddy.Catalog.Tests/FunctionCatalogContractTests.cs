namespace Eddy.Catalog.Tests;

/// <summary>The <c>functions</c> area of the catalog contract.</summary>
public abstract partial class CatalogContractTests
{
    [Fact]
    public async Task Functions_are_saved_replaced_listed_in_name_order_and_deleted()
    {
        var store = Open();
        Assert.Empty(await store.Functions.LoadFunctionsAsync());
        await store.Functions.SaveFunctionAsync(new FunctionRecord("b", "http://127.0.0.1:9000/", 1));
        await store.Functions.SaveFunctionAsync(new FunctionRecord("a", "http://127.0.0.1:9001/2015-03-31/functions/function/invocations", 2));
        await store.Functions.SaveFunctionAsync(new FunctionRecord("b", "http://127.0.0.1:9002/x", 3));

        Assert.Equal(
            [new FunctionRecord("a", "http://127.0.0.1:9001/2015-03-31/functions/function/invocations", 2), new FunctionRecord("b", "http://127.0.0.1:9002/x", 3)],
            await store.Functions.LoadFunctionsAsync());
        Assert.True(await store.Functions.DeleteFunctionAsync("a"));
        Assert.False(await store.Functions.DeleteFunctionAsync("a"));
        Assert.Equal(["b"], (await store.Functions.LoadFunctionsAsync()).Select(f => f.Name));
    }

    [Fact]
    public async Task Functions_survive_a_reopen_when_durable()
    {
        var store = Open();
        await store.Functions.SaveFunctionAsync(new FunctionRecord("f", "http://127.0.0.1:1/", 5));
        store = await ReopenAsync(store);
        var loaded = await store.Functions.LoadFunctionsAsync();
        if (Durable)
        {
            Assert.Equal([new FunctionRecord("f", "http://127.0.0.1:1/", 5)], loaded);
        }
        else
        {
            Assert.Empty(loaded);
        }
    }
}
