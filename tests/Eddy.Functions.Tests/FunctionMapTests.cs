using Eddy.Catalog;
using Eddy.Core.Functions;

namespace Eddy.Functions.Tests;

public sealed class FunctionMapTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eddy-functions-").FullName;

    private string CatalogPath => Path.Combine(_directory, "catalog.db");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Put_get_list_delete_and_the_kind_of_each_url()
    {
        await using var catalog = new MemoryCatalogStore();
        using var map = new FunctionMap(catalog.Functions);
        await map.LoadAsync([]);

        var rie = await map.PutAsync("b", "http://127.0.0.1:9000/2015-03-31/functions/function/invocations");
        var plain = await map.PutAsync("a", "http://127.0.0.1:9001/transform");

        Assert.Equal(FunctionEndpointKind.LambdaInvoke, rie.Kind);
        Assert.Equal(FunctionEndpointKind.Plain, plain.Kind);
        Assert.Equal(["a", "b"], map.List().Select(e => e.Name));
        Assert.Equal(rie, map.Find("b"));
        Assert.Null(map.Find("B"));
        Assert.True(await map.DeleteAsync("a"));
        Assert.False(await map.DeleteAsync("a"));
        Assert.Null(map.Find("a"));
        Assert.Equal(["b"], (await catalog.Functions.LoadFunctionsAsync()).Select(f => f.Name));
    }

    [Fact]
    public async Task Entries_and_startup_bindings_survive_a_restart_and_startup_bindings_replace_stored_ones()
    {
        await using (var catalog = SqliteCatalogStore.Open(CatalogPath))
        {
            using var map = new FunctionMap(catalog.Functions);
            await map.LoadAsync([new FunctionBinding("a", "http://127.0.0.1:1/a")]);
            await map.PutAsync("b", "http://127.0.0.1:1/b");
        }
        await using (var catalog = SqliteCatalogStore.Open(CatalogPath))
        {
            using var map = new FunctionMap(catalog.Functions);
            await map.LoadAsync([new FunctionBinding("b", "http://127.0.0.1:2/b2")]);
            Assert.Equal(["http://127.0.0.1:1/a", "http://127.0.0.1:2/b2"], map.List().Select(e => e.Url.OriginalString));
        }
    }

    [Theory]
    [InlineData("", "http://127.0.0.1/")]
    [InlineData("bad name", "http://127.0.0.1/")]
    [InlineData("f", "ftp://127.0.0.1/")]
    [InlineData("f", "not a url")]
    [InlineData("f", "/relative")]
    public async Task Invalid_names_and_urls_are_InvalidParameterValueException_and_change_nothing(string name, string url)
    {
        await using var catalog = new MemoryCatalogStore();
        using var map = new FunctionMap(catalog.Functions);
        var e = await Assert.ThrowsAsync<FunctionException>(async () => await map.PutAsync(name, url));
        Assert.Equal(("InvalidParameterValueException", 400), (e.ErrorType, e.StatusCode));
        Assert.Empty(map.List());
        Assert.Empty(await catalog.Functions.LoadFunctionsAsync());
    }

    [Theory]
    [InlineData("a=http://127.0.0.1:1/x?y=z", "a", "http://127.0.0.1:1/x?y=z")]
    [InlineData("fn_1-x=https://h/2015-03-31/functions/function/invocations", "fn_1-x", "https://h/2015-03-31/functions/function/invocations")]
    public void Bindings_split_at_the_first_equals_sign(string text, string name, string url) =>
        Assert.Equal(new FunctionBinding(name, url), FunctionBinding.Parse(text));

    [Theory]
    [InlineData("noequals")]
    [InlineData("=http://h/")]
    [InlineData("a=")]
    public void Bad_bindings_are_refused(string text) => Assert.Throws<FunctionException>(() => FunctionBinding.Parse(text));

    [Theory]
    [InlineData("f", "f")]
    [InlineData("f:$LATEST", "f")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:f", "f")]
    [InlineData("arn:aws:lambda:eu-west-1:123456789012:function:my-fn:$LATEST", "my-fn")]
    [InlineData("arn:aws-cn:lambda:cn-north-1:123456789012:function:f:3", "f")]
    [InlineData("arn:aws:s3:::bucket", null)]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:layer:f", null)]
    [InlineData("a:b:c", null)]
    [InlineData("", null)]
    public void Lambda_arns_resolve_by_name(string reference, string? name) => Assert.Equal(name, FunctionNames.NameOf(reference));
}
