using System.Diagnostics;

namespace Eddy.Load;

/// <summary>The X-Amz-Target values of the actions the tool calls on the raw path.</summary>
public static class Ops
{
    public const string PutRecord = KinesisOperations.TargetPrefix + KinesisOperations.PutRecord;
    public const string PutRecords = KinesisOperations.TargetPrefix + KinesisOperations.PutRecords;
    public const string GetRecords = KinesisOperations.TargetPrefix + KinesisOperations.GetRecords;
    public const string SubscribeToShard = KinesisOperations.TargetPrefix + KinesisOperations.SubscribeToShard;
}

/// <summary>The measured calls: Eddy.Client's raw path with the tool's pre-encoded bodies.</summary>
public static class Calls
{
    /// <summary>Sends one pre-encoded call; on HTTP 2xx the body is in <paramref name="response"/> (the worker's own
    /// buffer), otherwise throws <see cref="EddyServiceException"/>.</summary>
    public static async ValueTask SendRawAsync(this KinesisClient client, string target, ReadOnlyMemory<byte> body, ResponseBuffer response, CancellationToken ct)
    {
        EddyResponse answer = await client.Http.SendAsync(target, body, response, ct).ConfigureAwait(false);
        answer.EnsureSuccess(EddyHttp.OperationOf(target));
    }
}

/// <summary>Monotonic timing helpers over <see cref="Stopwatch.GetTimestamp"/>.</summary>
public static class Clock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public static double ToSeconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    public static long FromSeconds(double seconds) => (long)(seconds * Stopwatch.Frequency);
}
