namespace Eddy.Core;

/// <summary>
/// An error that crosses the wire as an AWS-shaped error, whatever the service: the error type (<c>__type</c> in JSON
/// protocols), the message the client is told, and the HTTP status. Each service's own exception derives from it
/// (<see cref="KinesisException"/>); the server front writes every one of them in one place.
/// </summary>
/// <remarks><see cref="Message"/> is exactly what the client is told, never .NET's default text; empty when the error
/// goes out without a message.</remarks>
public class ServiceException : Exception
{
    public ServiceException(string errorType, string? message, int statusCode = 400)
        : base(message)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorType);
        ErrorType = errorType;
        ErrorMessage = string.IsNullOrEmpty(message) ? null : message;
        StatusCode = statusCode;
    }

    /// <summary>The error's wire name, e.g. <c>ResourceNotFoundException</c>.</summary>
    public string ErrorType { get; }

    /// <summary>The message for the client, or null when the error goes out without one.</summary>
    public string? ErrorMessage { get; }

    /// <summary>HTTP status of the answer: 400 for client errors, 500 for an internal failure, 503 when unavailable.</summary>
    public int StatusCode { get; }

    public override string Message => ErrorMessage ?? "";
}
