using System.Text.Json;
using Eddy.Core.Firehose;
using Microsoft.AspNetCore.Http;

namespace Eddy.Server.Firehose;

/// <summary>
/// <c>GET /_eddy/firehose/metrics</c>: every delivery stream's counters (<see cref="IFirehoseMetrics"/>) as a JSON
/// array of objects named like <see cref="DeliveryStreamMetrics"/>'s members, for the load tool and operators until
/// the metrics work publishes them. Read-only; answers 405 to anything but GET. Thread-safe.
/// </summary>
public sealed class FirehoseMetricsEndpoint(IFirehoseMetrics metrics) : IAdminEndpoint
{
    public string Path => "/_eddy/firehose/metrics";

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        context.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var m in metrics.Snapshot())
            {
                w.WriteStartObject();
                w.WriteString("DeliveryStreamName", m.DeliveryStreamName);
                w.WriteNumber("IncomingRecords", m.IncomingRecords);
                w.WriteNumber("IncomingBytes", m.IncomingBytes);
                w.WriteNumber("IncomingPutRequests", m.IncomingPutRequests);
                w.WriteNumber("DeliveryRecords", m.DeliveryRecords);
                w.WriteNumber("DeliveryBytes", m.DeliveryBytes);
                w.WriteNumber("DeliveryObjects", m.DeliveryObjects);
                w.WriteNumber("DeliveryAttempts", m.DeliveryAttempts);
                w.WriteNumber("DeliveryPuts", m.DeliveryPuts);
                w.WriteNumber("DataFreshnessSeconds", m.DataFreshnessSeconds);
                w.WriteNumber("ProcessingFailedRecords", m.ProcessingFailedRecords);
                w.WriteNumber("FreshnessP50Seconds", m.FreshnessP50Seconds);
                w.WriteNumber("FreshnessP99Seconds", m.FreshnessP99Seconds);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
