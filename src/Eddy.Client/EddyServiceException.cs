using System.Net;

namespace Eddy.Client;

/// <summary>An error answer: AWS's error type (<c>__type</c> without its namespace, e.g.
/// <c>ResourceNotFoundException</c>), its message, the HTTP status and the request id.</summary>
public sealed class EddyServiceException : Exception
{
    public EddyServiceException(string errorType, string errorMessage, HttpStatusCode status, string? requestId = null, string? operation = null)
        : base($"{(operation is null ? "" : operation + ": ")}HTTP {(int)status} {errorType}: {errorMessage}")
    {
        ErrorType = errorType;
        ErrorMessage = errorMessage;
        Status = status;
        RequestId = requestId;
        Operation = operation;
    }

    /// <summary>The error code, e.g. <c>ProvisionedThroughputExceededException</c>.</summary>
    public string ErrorType { get; }

    /// <summary>The service's message (empty when it sent none).</summary>
    public string ErrorMessage { get; }

    public HttpStatusCode Status { get; }

    /// <summary><c>x-amzn-RequestId</c>, when the answer had one.</summary>
    public string? RequestId { get; }

    /// <summary>The action called, when known.</summary>
    public string? Operation { get; }
}
