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
public sealed class KinesisException(ErrorCode code, string? message) : Exception(message)
{
    /// <summary>AWS's message for an InternalFailure (the whole call, or one record of a PutRecords).</summary>
    public const string InternalFailureMessage = "Internal service failure.";

    public ErrorCode Code { get; } = code;

    public static KinesisException Internal() => new(ErrorCode.InternalFailure, InternalFailureMessage);

    public static KinesisException StreamNotFound(string stream, string account) =>
        new(ErrorCode.ResourceNotFoundException, $"Stream {stream} under account {account} not found.");

    public static KinesisException NotActive(string stream, string account, StreamStatus status) =>
        new(ErrorCode.ResourceInUseException, $"Stream {stream} under account {account} not ACTIVE, instead in state {status.ToWire()}");

    public static KinesisException Invalid(string message) => new(ErrorCode.InvalidArgumentException, message);

    public static KinesisException Validation(string message) => new(ErrorCode.ValidationException, message);
}
