using System.Text;
using Eddy.Functions.Firehose;

namespace Eddy.Functions.Tests;

/// <summary>The jq subset of MetadataExtractionQuery, and the partition-key prefix expansion.</summary>
public sealed class JqQueryTests
{
    private static (IReadOnlyDictionary<string, string>? Keys, string? Error) Run(string query, string record) =>
        JqQuery.Parse(query).Evaluate(Encoding.UTF8.GetBytes(record));

    [Fact]
    public void The_worked_example_of_the_developer_guide()
    {
        var (keys, error) = Run("{customer_id:.customer_id,device:.type.device,year:.event_timestamp|strftime(\"%Y\")}",
            """{"customer_id":"1234567890","type":{"device":"mobile"},"event_timestamp":1565382027}""");
        Assert.Null(error);
        Assert.Equal(new Dictionary<string, string> { ["customer_id"] = "1234567890", ["device"] = "mobile", ["year"] = "2019" }, keys);
    }

    [Theory]
    [InlineData("""{ "a b": ."x y", n: .n }""", """{"x y":"v","n":42}""", "a b=v;n=42")]
    [InlineData("""{first: .items[0].id, last: .items[-1].id}""", """{"items":[{"id":"p"},{"id":"q"}]}""", "first=p;last=q")]
    [InlineData("""{k: .["odd key"] | ascii_downcase}""", """{"odd key":"MiXeD"}""", "k=mixed")]
    [InlineData("""{b: .flag | tostring, u: .s | ascii_upcase}""", """{"flag":true,"s":"abc"}""", "b=true;u=ABC")]
    [InlineData("""{d: .t | strftime("%Y-%m-%dT%H:%M:%S %j %%")}""", """{"t":1565382027.9}""", "d=2019-08-09T20:20:27 221 %")]
    public void Paths_quoted_keys_indexes_and_functions(string query, string record, string expected)
    {
        var (keys, error) = Run(query, record);
        Assert.Null(error);
        Assert.Equal(expected, string.Join(';', keys!.Select(k => k.Key + "=" + k.Value)));
    }

    [Theory]
    [InlineData("{k: .missing}", """{"a":1}""", "The partition key k evaluated to null or to an object or array.")]
    [InlineData("{k: .a}", """{"a":{"b":1}}""", "The partition key k evaluated to null or to an object or array.")]
    [InlineData("{k: .a}", "not json", "The record is not valid JSON.")]
    [InlineData("{k: .a | strftime(\"%Y\")}", """{"a":"x"}""", "The partition key k: strftime cannot be applied to \"x\".")]
    public void Records_without_a_key_fail_with_a_reason(string query, string record, string reason) =>
        Assert.Equal(reason, Run(query, record).Error);

    [Theory]
    [InlineData(".a", "expected '{' at position 1")]
    [InlineData("{}", "expected an object with at least one key at position 2")]
    [InlineData("{a: .x + 1}", "expected ',' or '}' at position 8")]
    [InlineData("{a: .x | select(.y)}", "expected tostring, ascii_downcase, ascii_upcase or strftime(\"FORMAT\") at position 10")]
    [InlineData("{a: [.x]}", "expected a path starting with '.' at position 5")]
    [InlineData("{a: .x, a: .y}", "the key a appears twice")]
    [InlineData("{a: .x} | .a", "expected the end of the query at position 9")]
    public void Anything_outside_the_subset_is_InvalidArgumentException_naming_the_position(string query, string message)
    {
        var e = Assert.Throws<ProcessingConfigurationException>(() => JqQuery.Parse(query));
        Assert.Equal("InvalidArgumentException", e.ErrorType);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prefixes_get_the_records_keys_and_keep_other_expressions()
    {
        var record = new ProcessedRecord("r", 0, Array.Empty<byte>(),
            new Dictionary<string, string> { ["customer_id"] = "123" }, new Dictionary<string, string> { ["year"] = "2019" });

        Assert.Equal(("c=123/y=2019/!{timestamp:yyyy}/", null),
            PrefixTemplate.ExpandPartitionKeys("c=!{partitionKeyFromQuery:customer_id}/y=!{partitionKeyFromLambda:year}/!{timestamp:yyyy}/", record));
        Assert.Equal((null, "year"), PrefixTemplate.ExpandPartitionKeys("!{partitionKeyFromQuery:year}/", record));
        Assert.Equal(("plain/!{firehose:random-string}", null), PrefixTemplate.ExpandPartitionKeys("plain/!{firehose:random-string}", record));
    }
}
