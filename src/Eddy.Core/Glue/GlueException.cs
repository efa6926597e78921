namespace Eddy.Core.Glue;

/// <summary>A Glue API error with Glue's type and message (all client errors, HTTP 400), written by the endpoint as
/// <c>{"__type":..., "message":...}</c>.</summary>
public sealed class GlueException(string errorType, string message) : ServiceException(errorType, message)
{
    public const string EntityNotFound = "EntityNotFoundException";
    public const string AlreadyExists = "AlreadyExistsException";
    public const string InvalidInput = "InvalidInputException";
    public const string ConcurrentModification = "ConcurrentModificationException";

    public static GlueException NotFound(string message) => new(EntityNotFound, message);

    public static GlueException Invalid(string message) => new(InvalidInput, message);
}
