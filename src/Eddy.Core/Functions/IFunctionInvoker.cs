namespace Eddy.Core.Functions;

/// <summary>
/// Calls a mapped function synchronously (Lambda's <c>RequestResponse</c>): POSTs a JSON payload to the URL the
/// <see cref="IFunctionMap"/> gives for the function's NAME and returns the function's answer, or a failure shaped like
/// Lambda's Invoke failures. Used by Firehose's Lambda transform and by stream triggers.
/// </summary>
/// <remarks>
/// Threading: thread-safe; any number of concurrent invocations share one pooled connection handler. Ownership: the
/// payload is read during the call only; the returned payload is the caller's. Cancellation: cancelling
/// <c>cancellationToken</c> aborts the HTTP call and throws <see cref="OperationCanceledException"/>; that is
/// the only exception an invocation throws for reasons other than a programming error — every other failure (unknown
/// function, function error, timeout, connection refused, payload too large) is returned as a
/// <see cref="FunctionFailure"/>, never thrown.
/// </remarks>
public interface IFunctionInvoker
{
    /// <summary>Invokes the function <paramref name="function"/> names (a bare NAME, <c>NAME:QUALIFIER</c> or a Lambda
    /// ARN, resolved by NAME; the qualifier is not used) with the JSON <paramref name="payload"/>.</summary>
    ValueTask<FunctionResult> InvokeAsync(string function, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);
}

/// <summary>Why an invocation failed.</summary>
public enum FunctionFailureKind
{
    /// <summary>No function is mapped under the NAME (Lambda: ResourceNotFoundException, <c>Function not found: ARN</c>).</summary>
    NotFound = 0,

    /// <summary>The function answered with an error: <c>X-Amz-Function-Error</c> (Lambda, the runtime emulator) or a
    /// non-2xx status (a plain URL).</summary>
    FunctionError = 1,

    /// <summary>No answer within the invoker's timeout.</summary>
    Timeout = 2,

    /// <summary>The URL could not be reached (connection refused, reset, DNS).</summary>
    Unreachable = 3,

    /// <summary>The request or the answer is larger than Lambda allows (6 MB each way).</summary>
    TooLarge = 4,
}

/// <summary>An invocation's failure. <paramref name="ErrorType"/> is Lambda's name for it: <c>ResourceNotFoundException</c>,
/// the function's <c>X-Amz-Function-Error</c> value (<c>Unhandled</c>, <c>Handled</c>) or <c>HTTP nnn</c> for a plain
/// URL's status, <c>TimeoutException</c>, <c>ServiceException</c> (unreachable), <c>RequestTooLargeException</c>.</summary>
public sealed record FunctionFailure(FunctionFailureKind Kind, string ErrorType, string Message);

/// <summary>An invocation's outcome: the answer's payload on success, else the failure. <paramref name="FunctionArn"/> is
/// the ARN the call was made under (the caller's ARN, or the ARN a bare name expands to).</summary>
public sealed record FunctionResult(string FunctionArn, ReadOnlyMemory<byte> Payload, FunctionFailure? Failure)
{
    public bool Succeeded => Failure is null;

    public static FunctionResult Ok(string arn, ReadOnlyMemory<byte> payload) => new(arn, payload, null);

    public static FunctionResult Failed(string arn, FunctionFailureKind kind, string errorType, string message) =>
        new(arn, ReadOnlyMemory<byte>.Empty, new FunctionFailure(kind, errorType, message));
}
