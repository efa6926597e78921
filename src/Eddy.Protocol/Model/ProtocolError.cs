namespace Eddy.Protocol.Model;

/// <summary>
/// An error found while decoding or validating a request, before any business logic ran.
/// <see cref="Type"/> is the bare wire error code (<c>__type</c>), e.g. <c>SerializationException</c>
/// or <c>ValidationException</c>. <see cref="Message"/> may be null (AWS sends
/// <c>{"__type":"SerializationException"}</c> without a message when the body is not a JSON object).
/// </summary>
public sealed record ProtocolError(string Type, string? Message)
{
    public const string SerializationException = nameof(SerializationException);
    public const string ValidationException = nameof(ValidationException);
    public const string UnknownOperationException = nameof(UnknownOperationException);
}
