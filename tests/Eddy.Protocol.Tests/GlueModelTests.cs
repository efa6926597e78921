using System.Text.Json;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Tests;

/// <summary>The embedded Glue model subset (tools/glue-model-subset.py) and the Java patterns it brings.</summary>
public sealed class GlueModelTests
{
    [Fact]
    public void The_Glue_subset_loads_with_its_nine_operations()
    {
        var glue = ServiceModel.Embedded("glue-2017-03-31.json");
        Assert.Equal("AWSGlue", glue.TargetPrefix);
        Assert.Equal("glue", glue.SigningName);
        Assert.Equal(
            ["CreateDatabase", "CreateTable", "DeleteDatabase", "DeleteTable", "GetDatabase", "GetDatabases", "GetTable", "GetTables", "UpdateTable"],
            glue.Operations.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("events", true)]
    [InlineData("caf\u00e9 \U0001F600\ttab", true)] // supplementary characters: Java's "\uD800\uDC00-\uDBFF\uDFFF" range
    [InlineData("line\nbreak", false)]
    public void Name_patterns_with_supplementary_ranges_match_as_in_Java(string name, bool valid)
    {
        var glue = ServiceModel.Embedded("glue-2017-03-31.json");
        using var body = JsonDocument.Parse(JsonSerializer.Serialize(new { Name = name }));
        var error = RequestValidator.Validate(glue, "GetDatabase", body.RootElement);
        Assert.Equal(valid, error is null);
    }
}
