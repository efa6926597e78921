using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Eddy.Protocol.Cbor;

namespace Eddy.Client.Http;

/// <summary>Reads AWS JSON-protocol error answers: <c>{"__type": "[namespace#]Type", "message": "…"}</c> in JSON or CBOR,
/// or the <c>x-amzn-ErrorType</c> header (<c>Type:…</c>) when the body has no type.</summary>
public static class ErrorBody
{
    /// <summary>The error type and message of an answer; the type is null when the answer names none.</summary>
    public static (string? Type, string? Message) Parse(ReadOnlySpan<byte> body, string? contentType, string? errorTypeHeader)
    {
        string? type = null, message = null;
        if (!body.IsEmpty)
        {
            try
            {
                if (contentType is not null && contentType.StartsWith(WireFormats.CborContentType, StringComparison.OrdinalIgnoreCase))
                {
                    var json = new ArrayBufferWriter<byte>(body.Length * 2 + 16);
                    CborJson.ToJson(body, null, json);
                    (type, message) = ParseJson(json.WrittenSpan);
                }
                else
                {
                    (type, message) = ParseJson(body);
                }
            }
            catch (Exception e) when (e is JsonException or CborException or InvalidOperationException or FormatException)
            {
                message = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]);
            }
        }
        if (type is null && !string.IsNullOrEmpty(errorTypeHeader))
        {
            var colon = errorTypeHeader.IndexOf(':', StringComparison.Ordinal);
            type = colon < 0 ? errorTypeHeader : errorTypeHeader[..colon];
        }
        return (type is null ? null : StripNamespace(type), message);
    }

    /// <summary>The exception for an answer that failed: its type (or the status name when it names none) and message.</summary>
    public static EddyServiceException ToException(HttpStatusCode status, ReadOnlySpan<byte> body, string? contentType, string? errorTypeHeader, string? requestId, string? operation)
    {
        var (type, message) = Parse(body, contentType, errorTypeHeader);
        return new EddyServiceException(type ?? status.ToString(), message ?? "", status, requestId, operation);
    }

    private static (string? Type, string? Message) ParseJson(ReadOnlySpan<byte> json)
    {
        string? type = null, message = null;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return (null, null);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("__type"u8);
            var isMessage = reader.ValueTextEquals("message"u8) || reader.ValueTextEquals("Message"u8);
            reader.Read();
            if (reader.TokenType == JsonTokenType.String && isType) type = reader.GetString();
            else if (reader.TokenType == JsonTokenType.String && isMessage) message ??= reader.GetString();
            else reader.Skip();
        }
        return (type, message);
    }

    private static string StripNamespace(string type)
    {
        var hash = type.LastIndexOf('#');
        return hash >= 0 ? type[(hash + 1)..] : type;
    }
}
