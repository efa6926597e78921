using System.Collections.Immutable;

namespace Eddy.Protocol.Model;

/// <summary>
/// The order in which AWS lists an enum's values in "Member must satisfy enum value set: [...]": not the model's
/// order but the iteration order of a 32-bucket Java hash set, i.e. by the low five bits of Java's
/// <c>String.hashCode()</c>, and within one bucket the value declared last first (a new entry goes to the head of its
/// bucket's chain). Kinesis's ShardIteratorType comes out as <c>[AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP,
/// AT_SEQUENCE_NUMBER, TRIM_HORIZON]</c>, as captured from AWS by kinesalite's tests; the same rule reproduces every
/// enum list recorded from AWS that we know of (DynamoDB's in dynalite's tests, API Gateway, CloudWatch, KMS, Lambda,
/// Step Functions and CloudWatch Logs in LocalStack's recorded snapshots, lists of up to 56 values).
/// </summary>
public static class AwsEnumOrder
{
    /// <summary>The values of <paramref name="modelOrder"/> in the order AWS prints them.</summary>
    public static ImmutableArray<string> Of(ImmutableArray<string> modelOrder) =>
        [.. modelOrder.Select((value, index) => (value, index))
            .OrderBy(v => JavaHashCode(v.value) & 31)
            .ThenByDescending(v => v.index)
            .Select(v => v.value)];

    /// <summary>Java's <c>String.hashCode()</c>: s[0]·31^(n−1) + … + s[n−1] over UTF-16 code units, in 32-bit arithmetic.</summary>
    public static int JavaHashCode(string value)
    {
        var h = 0;
        foreach (var c in value) h = unchecked((31 * h) + c);
        return h;
    }
}
