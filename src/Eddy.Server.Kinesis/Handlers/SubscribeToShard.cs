using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.EventStream;
using Eddy.Protocol.Model;

namespace Eddy.Server.Kinesis.Handlers;

/// <summary>
/// SubscribeToShard: a 200 response of <c>application/vnd.amazon.eventstream</c> messages, flushed one by one (HTTP/1.1
/// chunked or one HTTP/2 stream): <c>initial-response</c>, then a <c>SubscribeToShardEvent</c> as soon as records are
/// written (heartbeats when idle, the shard-end event with ChildShards last), then the end of the body; a subscription
/// ended early by a takeover or a deletion ends with an exception message. Errors before the first byte are ordinary
/// JSON errors.
/// </summary>
internal static class SubscribeToShard
{
    private const string JsonContentType = "application/json";
    private static readonly Shape s_eventShape = ServiceModel.Kinesis.Shapes["SubscribeToShardEvent"];

    public static async Task HandleAsync(Call c)
    {
        var start = c.Object("StartingPosition")!.Value;
        await using var subscription = await c.Engine.SubscribeToShardAsync(c.Required("ConsumerARN"), c.Required("ShardId"),
            WireNames.ParseIteratorType(Call.String(start, "Type")!), Call.String(start, "SequenceNumber"), Call.Time(start, "Timestamp")).ConfigureAwait(false);

        c.Streamed = true;
        var response = c.Http.Response;
        var aborted = c.Http.RequestAborted;
        response.StatusCode = 200;
        response.ContentType = EventStreamWriter.ContentType;
        var pipe = response.BodyWriter;
        // Event payloads use the request's encoding: the SDKs decode them with the client's protocol parser.
        var contentType = c.Cbor ? CborJson.ContentType : JsonContentType;
        EventStreamWriter.WriteEvent(pipe, "initial-response", contentType, c.Cbor ? [0xA0] : "{}"u8);
        await pipe.FlushAsync(aborted).ConfigureAwait(false);

        using var payload = new PooledBufferWriter();
        using var encoded = c.Cbor ? new PooledBufferWriter() : null;
        KinesisException? failure;
        try
        {
            while (await subscription.NextAsync(aborted).ConfigureAwait(false) is { } e)
            {
                payload.Clear();
                using (e)
                using (var w = new Utf8JsonWriter(payload, new JsonWriterOptions { SkipValidation = true }))
                    Write(w, e);
                var body = payload.WrittenSpan;
                if (encoded is not null)
                {
                    encoded.Clear();
                    CborJson.ToCbor(body, s_eventShape, encoded);
                    body = encoded.WrittenSpan;
                }
                EventStreamWriter.WriteEvent(pipe, "SubscribeToShardEvent", contentType, body);
                await pipe.FlushAsync(aborted).ConfigureAwait(false);
            }
            failure = subscription.EndReason;
        }
        catch (Exception e) when (e is not OperationCanceledException || !aborted.IsCancellationRequested)
        {
            // Mid-stream faults become an in-stream exception; the status line has long been sent.
            failure = e as KinesisException ?? KinesisException.InternalFailure();
        }
        if (failure is not null)
        {
            payload.Clear();
            using (var w = new Utf8JsonWriter(payload))
            {
                w.WriteStartObject();
                w.WriteString("message", failure.Message);
                w.WriteEndObject();
            }
            var body = payload.WrittenSpan;
            if (encoded is not null)
            {
                encoded.Clear();
                CborJson.ToCbor(body, null, encoded);
                body = encoded.WrittenSpan;
            }
            var type = failure.Code == ErrorCode.InternalFailure ? "InternalFailureException" : failure.Code.ToString();
            EventStreamWriter.WriteException(pipe, type, contentType, body);
            await pipe.FlushAsync(aborted).ConfigureAwait(false);
        }
    }

    /// <summary>The SubscribeToShardEvent payload: members at top level.</summary>
    public static void Write(Utf8JsonWriter w, SubscriptionEvent e)
    {
        w.WriteStartObject();
        w.Records(e.Records);
        if (e.ContinuationSequenceNumber is not null) w.WriteString("ContinuationSequenceNumber", e.ContinuationSequenceNumber);
        w.WriteNumber("MillisBehindLatest", e.MillisBehindLatest);
        if (e.ChildShards is { } children) w.ChildShards(children);
        w.WriteEndObject();
    }
}
