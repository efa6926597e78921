namespace Eddy.Protocol.Cbor;

/// <summary>
/// A CBOR body that is not well-formed (or uses something Eddy does not accept). The message is safe to show to the
/// client; the server answers it with <c>SerializationException</c>.
/// </summary>
public sealed class CborException(string message) : Exception(message);
