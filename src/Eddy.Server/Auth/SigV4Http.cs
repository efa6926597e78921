using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol.Auth;
using Microsoft.Extensions.Primitives;

namespace Eddy.Server.Auth;

/// <summary>Between an HTTP request and <see cref="SigV4Verifier"/>: the request as the verifier sees it, and a
/// verifier's refusal as the Kinesis error AWS answers.</summary>
internal static class SigV4Http
{
    /// <summary>Method, path, raw query and headers as received, and the body's exact bytes (JSON or CBOR).</summary>
    public static SigV4Request RequestOf(RequestInfo request)
    {
        var http = request.Http.Request;
        var headers = http.Headers;
        return new SigV4Request(
            http.Method,
            (http.PathBase + http.Path).Value is { Length: > 0 } path ? path : "/",
            http.QueryString.Value,
            name =>
            {
                // HTTP/2 carries the host as :authority, which clients sign under either name.
                if (name == ":authority") name = "host";
                if (headers.TryGetValue(name, out var values)) return values;
                if (name == "host" && http.Host.HasValue) return new StringValues(http.Host.Value);
                return null;
            },
            request.RawBody)
        { Service = request.Service };
    }

    /// <summary>The error for a refused signature. AWS parses the body before it checks the signature, so a JSON body that
    /// is not one JSON object is answered SerializationException, as the endpoint answers it once a request is let in
    /// (CBOR bodies were transcoded, and refused if malformed, before the filters).</summary>
    public static KinesisException Refusal(SigV4Result result, RequestInfo request)
    {
        if (!IsJsonObject(request.JsonBody.Span)) return new KinesisException(ErrorCode.SerializationException, null);
        var code = result.Status switch
        {
            SigV4Status.MissingAuthenticationToken => ErrorCode.MissingAuthenticationTokenException,
            SigV4Status.IncompleteSignature => ErrorCode.IncompleteSignatureException,
            SigV4Status.UnrecognizedClient => ErrorCode.UnrecognizedClientException,
            SigV4Status.ExpiredToken => ErrorCode.ExpiredTokenException,
            _ => ErrorCode.InvalidSignatureException,
        };
        return new KinesisException(code, result.Message);
    }

    private static bool IsJsonObject(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
