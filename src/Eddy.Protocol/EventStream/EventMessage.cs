namespace Eddy.Protocol.EventStream;

/// <summary>
/// A decoded event-stream message. Header values are <see cref="bool"/> (types 0/1), <see cref="sbyte"/> (2),
/// <see cref="short"/> (3), <see cref="int"/> (4), <see cref="long"/> (5), <c>byte[]</c> (6), <see cref="string"/> (7),
/// <see cref="DateTimeOffset"/> (8, millisecond precision, UTC) and <see cref="Guid"/> (9).
/// </summary>
public sealed record EventMessage(IReadOnlyDictionary<string, object> Headers, byte[] Payload)
{
    /// <summary><c>:message-type</c>: <c>event</c>, <c>exception</c> or <c>error</c>.</summary>
    public string? MessageType => GetString(EventStreamHeaders.MessageType);

    /// <summary><c>:event-type</c> (events only), e.g. <c>initial-response</c>, <c>SubscribeToShardEvent</c>.</summary>
    public string? EventType => GetString(EventStreamHeaders.EventType);

    /// <summary><c>:exception-type</c> (exceptions only), e.g. <c>ResourceInUseException</c>.</summary>
    public string? ExceptionType => GetString(EventStreamHeaders.ExceptionType);

    /// <summary><c>:content-type</c> of the payload, e.g. <c>application/json</c>.</summary>
    public string? ContentType => GetString(EventStreamHeaders.ContentType);

    /// <summary><c>:error-code</c> (errors only).</summary>
    public string? ErrorCode => GetString(EventStreamHeaders.ErrorCode);

    /// <summary><c>:error-message</c> (errors only).</summary>
    public string? ErrorMessage => GetString(EventStreamHeaders.ErrorMessage);

    /// <summary>The value of a string header, or null when absent or not a string.</summary>
    public string? GetString(string name) => Headers.TryGetValue(name, out object? value) ? value as string : null;
}
