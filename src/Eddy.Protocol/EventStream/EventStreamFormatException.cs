namespace Eddy.Protocol.EventStream;

/// <summary>The bytes are not a valid event-stream message (CRC mismatch, lengths out of range, bad header).</summary>
public sealed class EventStreamFormatException(string message) : Exception(message);
