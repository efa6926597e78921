using Eddy.Core.Firehose;

namespace Eddy.Server.Firehose.Handlers;

/// <summary>The whole description: one destination (AWS has never more), <c>HasMoreDestinations</c> false.</summary>
internal static class DescribeDeliveryStream
{
    public static async Task HandleAsync(FirehoseCall c)
    {
        var d = await c.Engine.DescribeDeliveryStreamAsync(c.Name, c.Cancellation).ConfigureAwait(false);
        var w = c.Json;
        w.WriteStartObject();
        w.WriteStartObject("DeliveryStreamDescription");
        w.WriteString("DeliveryStreamName", d.Name);
        w.WriteString("DeliveryStreamARN", d.Arn);
        w.WriteString("DeliveryStreamStatus", d.Status.ToWire());
        w.WriteStartObject("DeliveryStreamEncryptionConfiguration");
        if (d.Encryption.KeyArn is { } keyArn)
        {
            w.WriteString("KeyARN", keyArn);
        }
        if (d.Encryption.KeyType is { } keyType)
        {
            w.WriteString("KeyType", keyType);
        }
        w.WriteString("Status", d.Encryption.Status.ToWire());
        w.WriteEndObject();
        w.WriteString("DeliveryStreamType", d.Type);
        w.WriteString("VersionId", d.VersionId);
        c.Timestamp("CreateTimestamp", d.CreatedAt);
        if (d.LastUpdatedAt is { } updated)
        {
            c.Timestamp("LastUpdateTimestamp", updated);
        }
        if (d.Source is { } source)
        {
            w.WriteStartObject("Source");
            w.WriteStartObject("KinesisStreamSourceDescription");
            w.WriteString("KinesisStreamARN", source.KinesisStreamArn);
            w.WriteString("RoleARN", source.RoleArn);
            c.Timestamp("DeliveryStartTimestamp", source.DeliveryStartTimestamp);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteStartArray("Destinations");
        w.WriteRawValue(d.DestinationJson, skipInputValidation: true);
        w.WriteEndArray();
        w.WriteBoolean("HasMoreDestinations", false);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
