using System.Globalization;
using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol;
using Microsoft.Extensions.Logging;

namespace Eddy.Server.Faults;

/// <summary>
/// Applies the <see cref="FaultInjector"/>'s rules to every API request: waits the added latency, then refuses the
/// request with the chosen error (AWS's message for it where known). A refused response carries
/// <c>x-eddy-fault: &lt;rule id&gt;</c>. Runs after the authentication filters, so only authorized calls are faulted.
/// </summary>
/// <remarks>GetRecords names its stream only through its (opaque) iterator; stream-scoped rules apply to it when the
/// request also carries StreamARN, as current SDKs send it. Global rules always apply.</remarks>
public sealed partial class FaultFilter(FaultInjector faults, string account, ILogger<FaultFilter> logger) : IRequestFilter
{
    public const string FaultHeader = "x-eddy-fault";

    public FaultInjector Faults => faults;

    public async ValueTask OnRequestAsync(RequestInfo request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (faults.Rules.Count == 0) return;
        var stream = request.TargetStream;
        var outcome = faults.Evaluate(request.Action, stream);
        if (outcome.IsNone) return;
        if (outcome.LatencyMs > 0)
            await Task.Delay(outcome.LatencyMs, request.Http.RequestAborted).ConfigureAwait(false);
        if (outcome is { Error: { } error, Rule: { } rule })
        {
            LogInjected(logger, rule.Id, error, request.Action, stream);
            request.Http.Response.Headers[FaultHeader] = rule.Id;
            throw new KinesisException(error, rule.Spec.Message ?? DefaultMessage(error, request, stream ?? rule.Spec.Stream));
        }
    }

    private string AccountOf(RequestInfo request)
    {
        var arn = request.StreamArn ?? request.ConsumerArn ?? request.ResourceArn;
        var parts = arn?.Split(':');
        return parts is { Length: > 5 } && parts[4].Length > 0 ? parts[4] : account;
    }

    /// <summary>What AWS says with this error, as far as it can be said before the action runs.</summary>
    private string DefaultMessage(ErrorCode error, RequestInfo request, string? stream)
    {
        var acct = AccountOf(request);
        var s = stream ?? "unknown";
        switch (error)
        {
            case ErrorCode.ProvisionedThroughputExceededException:
                return $"Rate exceeded for shard {ShardOf(request)} in stream {s} under account {acct}.";
            case ErrorCode.LimitExceededException:
                return $"Rate exceeded for stream {s} under account {acct}.";
            case ErrorCode.ResourceNotFoundException:
                return $"Stream {s} under account {acct} not found.";
            case ErrorCode.ResourceInUseException:
                return $"Stream {s} under account {acct} not ACTIVE, instead in state UPDATING";
            case ErrorCode.ExpiredIteratorException:
                var now = faults.Time.GetUtcNow();
                return $"Iterator expired. The iterator was created at time {JavaDate(now.AddMinutes(-6))} while right now it is {JavaDate(now)} " +
                       "which is further in the future than the tolerated delay of 300000 milliseconds.";
            case ErrorCode.ServiceUnavailable:
                return "Service Unavailable";
            case ErrorCode.InternalFailure:
                return KinesisException.InternalFailureMessage;
            case ErrorCode.AccessDeniedException:
                return $"User: arn:aws:iam::{acct}:user/eddy is not authorized to perform: {request.IamAction} on resource: " +
                       $"arn:aws:kinesis:*:{acct}:stream/{s} because no identity-based policy allows the {request.IamAction} action";
            default:
                return $"Injected fault: {error}.";
        }
    }

    /// <summary>The request's ShardId when it names one (GetShardIterator, SubscribeToShard), else the first shard.</summary>
    private static string ShardOf(RequestInfo request)
    {
        if (request.Action is KinesisAction.GetShardIterator or KinesisAction.SubscribeToShard)
        {
            try
            {
                using var doc = JsonDocument.Parse(request.JsonBody);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("ShardId", out var id) && id.ValueKind == JsonValueKind.String)
                    return id.GetString()!;
            }
            catch (JsonException)
            {
            }
        }
        return "shardId-000000000000";
    }

    private static string JavaDate(DateTimeOffset t) => t.UtcDateTime.ToString("ddd MMM dd HH:mm:ss 'UTC' yyyy", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fault rule {Rule} refused {Action} on stream {Stream} with {Error}")]
    private static partial void LogInjected(ILogger logger, string rule, ErrorCode error, KinesisAction action, string? stream);
}
