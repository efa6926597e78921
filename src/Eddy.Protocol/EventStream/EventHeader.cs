namespace Eddy.Protocol.EventStream;

/// <summary>A string-valued (type 7) event-stream header, the only kind Kinesis sends.</summary>
/// <param name="Name">Header name, 1..127 UTF-8 bytes (e.g. <c>:event-type</c>).</param>
/// <param name="Value">Header value, at most 32767 UTF-8 bytes.</param>
public readonly record struct EventHeader(string Name, string Value);

/// <summary>Header value types of the event-stream framing (the byte after the header name).</summary>
public enum EventHeaderType : byte
{
    BoolTrue = 0,
    BoolFalse = 1,
    Byte = 2,
    Int16 = 3,
    Int32 = 4,
    Int64 = 5,
    ByteArray = 6,
    String = 7,
    Timestamp = 8,
    Uuid = 9,
}

/// <summary>The header names and values Kinesis' SubscribeToShard uses.</summary>
public static class EventStreamHeaders
{
    public const string MessageType = ":message-type";
    public const string EventType = ":event-type";
    public const string ExceptionType = ":exception-type";
    public const string ContentType = ":content-type";
    public const string ErrorCode = ":error-code";
    public const string ErrorMessage = ":error-message";

    /// <summary><c>:message-type</c> of events (data, <c>initial-response</c>).</summary>
    public const string MessageTypeEvent = "event";

    /// <summary><c>:message-type</c> of modeled exceptions (<c>:exception-type</c> carries the code).</summary>
    public const string MessageTypeException = "exception";

    /// <summary><c>:message-type</c> of generic errors (<c>:error-code</c>, <c>:error-message</c>, empty payload).</summary>
    public const string MessageTypeError = "error";

    /// <summary>The <c>:event-type</c> of the first message of every SubscribeToShard response.</summary>
    public const string InitialResponse = "initial-response";

    /// <summary>The <c>:event-type</c> of SubscribeToShard data and heartbeat events.</summary>
    public const string SubscribeToShardEvent = "SubscribeToShardEvent";
}
