namespace Eddy.Core;

/// <summary>The error codes Eddy answers with. The wire name (<c>__type</c>) is the member name.</summary>
public enum ErrorCode
{
    ResourceNotFoundException,
    ResourceInUseException,
    InvalidArgumentException,
    ValidationException,
    SerializationException,
    LimitExceededException,
    ProvisionedThroughputExceededException,
    ExpiredIteratorException,
    ExpiredNextTokenException,
    AccessDeniedException,
    KMSNotFoundException,
    KMSDisabledException,
    KMSInvalidStateException,
    KMSAccessDeniedException,
    KMSOptInRequired,
    KMSThrottlingException,
    InternalFailure,
    ServiceUnavailable,
    UnknownOperationException,
    MissingAuthenticationTokenException,
    IncompleteSignatureException,
    InvalidSignatureException,
    UnrecognizedClientException,
    ExpiredTokenException,
}

/// <summary>A domain error that crosses the wire as an AWS-shaped error.</summary>
/// <remarks><see cref="Exception.Message"/> is exactly what the client is told: never .NET's default text ("Exception of type
/// ..."); empty when AWS sends no message (a bare <c>SerializationException</c>). An <c>InternalFailure</c> always
/// carries one, <see cref="InternalFailureMessage"/> unless given.</remarks>
public sealed class KinesisException(ErrorCode code, string? message)
    : ServiceException(code.ToString(), MessageFor(code, message), StatusOf(code))
{
    /// <summary>AWS's message for <c>InternalFailure</c>; the one place it is spelled.</summary>
    public const string InternalFailureMessage = "Internal service failure.";

    public ErrorCode Code { get; } = code;

    private static string? MessageFor(ErrorCode code, string? message) =>
        string.IsNullOrEmpty(message) ? code == ErrorCode.InternalFailure ? InternalFailureMessage : null : message;

    /// <summary>400, except InternalFailure (500) and ServiceUnavailable (503).</summary>
    public static int StatusOf(ErrorCode code) => code switch
    {
        ErrorCode.InternalFailure => 500,
        ErrorCode.ServiceUnavailable => 503,
        _ => 400,
    };

    /// <summary><c>InternalFailure</c> with AWS's message (HTTP 500).</summary>
    public static KinesisException InternalFailure() => new(ErrorCode.InternalFailure, InternalFailureMessage);

    public static KinesisException StreamNotFound(string stream, string account) =>
        new(ErrorCode.ResourceNotFoundException, $"Stream {stream} under account {account} not found.");

    public static KinesisException NotActive(string stream, string account, StreamStatus status) =>
        new(ErrorCode.ResourceInUseException, $"Stream {stream} under account {account} not ACTIVE, instead in state {status.ToWire()}");

    public static KinesisException Invalid(string message) => new(ErrorCode.InvalidArgumentException, message);

    public static KinesisException Validation(string message) => new(ErrorCode.ValidationException, message);
}
