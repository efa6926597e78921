using System.Text;

namespace Eddy.Functions.Firehose;

/// <summary>
/// Expands the partition-key expressions of an S3 <c>Prefix</c>: <c>!{partitionKeyFromQuery:KEY}</c> (keys of the
/// MetadataExtraction processor) and <c>!{partitionKeyFromLambda:KEY}</c> (the Lambda response's
/// <c>metadata.partitionKeys</c>). Every other <c>!{...}</c> expression (<c>timestamp</c>, <c>firehose</c>) is left as
/// written, for the delivery side, which knows the object's time and error type.
/// </summary>
/// <remarks>Pure and thread-safe.</remarks>
public static class PrefixTemplate
{
    private const string FromQuery = "partitionKeyFromQuery:";
    private const string FromLambda = "partitionKeyFromLambda:";

    /// <summary>The prefix with the record's partition keys in place, or the name of the first key the record lacks.</summary>
    public static (string? Prefix, string? MissingKey) ExpandPartitionKeys(string prefix, ProcessedRecord record)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(record);
        var sb = new StringBuilder(prefix.Length);
        var at = 0;
        while (true)
        {
            var open = prefix.IndexOf("!{", at, StringComparison.Ordinal);
            var close = open < 0 ? -1 : prefix.IndexOf('}', open);
            if (close < 0)
            {
                sb.Append(prefix, at, prefix.Length - at);
                return (sb.ToString(), null);
            }
            sb.Append(prefix, at, open - at);
            var expression = prefix[(open + 2)..close];
            var (keys, name) = expression.StartsWith(FromQuery, StringComparison.Ordinal) ? (record.FromQuery, expression[FromQuery.Length..])
                : expression.StartsWith(FromLambda, StringComparison.Ordinal) ? (record.FromLambda, expression[FromLambda.Length..])
                : (null, expression);
            if (keys is null)
            {
                sb.Append(prefix, open, close + 1 - open);
            }
            else if (keys.TryGetValue(name, out var value))
            {
                sb.Append(value);
            }
            else
            {
                return (null, name);
            }
            at = close + 1;
        }
    }
}
