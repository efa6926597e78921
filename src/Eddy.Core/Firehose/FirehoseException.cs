namespace Eddy.Core.Firehose;

/// <summary>
/// A Firehose API error with AWS's type and message (shared/specs: the Firehose model's error shapes). Every one is a
/// client error (400) except <c>ServiceUnavailableException</c> (503). The endpoint writes it as
/// <c>{"__type":..., "message":...}</c>.
/// </summary>
public sealed class FirehoseException(string errorType, string? message, int statusCode = 400) : ServiceException(errorType, message, statusCode)
{
    public const string InvalidArgument = "InvalidArgumentException";
    public const string LimitExceeded = "LimitExceededException";
    public const string ResourceInUse = "ResourceInUseException";
    public const string ResourceNotFound = "ResourceNotFoundException";
    public const string ConcurrentModification = "ConcurrentModificationException";
    public const string ServiceUnavailable = "ServiceUnavailableException";
    public const string InvalidKmsResource = "InvalidKMSResourceException";
    public const string InvalidSource = "InvalidSourceException";

    public static FirehoseException Invalid(string message) => new(InvalidArgument, message);

    public static FirehoseException NotFound(string name, string account) =>
        new(ResourceNotFound, $"Firehose {name} under account {account} not found.");

    public static FirehoseException InUse(string message) => new(ResourceInUse, message);
}
