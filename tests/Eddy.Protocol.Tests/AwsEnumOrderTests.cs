using Eddy.Protocol.Model;

namespace Eddy.Protocol.Tests;

/// <summary>Enum lists in validation messages come in AWS's order, not the model's.</summary>
public sealed class AwsEnumOrderTests
{
    private static string[] Order(params string[] modelOrder) => [.. AwsEnumOrder.Of([.. modelOrder])];

    [Fact]
    public void Java_string_hash_codes()
    {
        Assert.Equal(0, AwsEnumOrder.JavaHashCode(""));
        Assert.Equal(99162322, AwsEnumOrder.JavaHashCode("hello"));
        Assert.Equal(unchecked((int)0xa73ef17b), AwsEnumOrder.JavaHashCode("AT_SEQUENCE_NUMBER"));
    }

    [Fact]
    public void ShardIteratorType_as_AWS_lists_it()
    {
        // Captured from AWS (kinesalite's GetShardIterator validation test).
        Assert.Equal(["AFTER_SEQUENCE_NUMBER", "LATEST", "AT_TIMESTAMP", "AT_SEQUENCE_NUMBER", "TRIM_HORIZON"],
            Order("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"));
    }

    [Fact]
    public void A_shared_bucket_lists_the_value_declared_last_first()
    {
        // DynamoDB's ComparisonOperator as AWS lists it (dynalite's tests); LT and BETWEEN share a bucket.
        Assert.Equal(["IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"],
            Order("EQ", "NE", "IN", "LE", "LT", "GE", "GT", "BETWEEN", "NOT_NULL", "NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH"));
        Assert.Equal(["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"], Order("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"));
    }

    [Fact]
    public void Every_Kinesis_input_enum_in_validation_messages()
    {
        static string Rule(string shape) => ServiceModel.Kinesis.Shapes[shape].EnumRule!;
        Assert.Equal("Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]", Rule("ShardIteratorType"));
        Assert.Equal("Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]", Rule("StreamMode"));
        Assert.Equal("Member must satisfy enum value set: [KMS, NONE]", Rule("EncryptionType"));
        Assert.Equal("Member must satisfy enum value set: [FROM_TIMESTAMP, AT_TIMESTAMP, AT_TRIM_HORIZON, AT_LATEST, FROM_TRIM_HORIZON, AFTER_SHARD_ID]", Rule("ShardFilterType"));
        Assert.Equal("Member must satisfy enum value set: [ALL, IteratorAgeMilliseconds, IncomingBytes, WriteProvisionedThroughputExceeded, OutgoingRecords, ReadProvisionedThroughputExceeded, IncomingRecords, OutgoingBytes]", Rule("MetricsName"));
        Assert.Equal("Member must satisfy enum value set: [UNIFORM_SCALING]", Rule("ScalingType"));
        Assert.Equal("Member must satisfy enum value set: [ENABLED, DISABLED]", Rule("MinimumThroughputBillingCommitmentInputStatus"));
        Assert.Equal(["PROVISIONED", "ON_DEMAND"], [.. ServiceModel.Kinesis.Shapes["StreamMode"].EnumValues]); // the model's order is kept
    }

    [Fact]
    public void A_value_list_without_ties_keeps_nothing_of_the_model_order() =>
        Assert.Equal(Order("A", "B"), Order("B", "A"));
}
