using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol.Auth;
using Microsoft.Extensions.Primitives;

namespace Eddy.Server.Auth;

/// <summary>Between an HTTP request and <see cref="SigV4Verifier"/>: the request as the verifier sees it, and a
/// verifier's refusal as the Kinesis error AWS answers.</summary>
internal static class SigV4Http
{
    /// <summary>Method, path, raw query and headers as received, and the body's exact bytes (JSON or CBOR); for a
    /// <see cref="RequestInfo.StreamedBody"/> (S3) no body but the payload hash the client declares: its
    /// <c>x-amz-content-sha256</c>, else <c>UNSIGNED-PAYLOAD</c> (presigned URLs sign no payload).</summary>
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
        {
            Service = request.Service,
            PayloadHash = !request.StreamedBody ? null
                : headers.TryGetValue("x-amz-content-sha256", out var declared) && declared.Count > 0 ? declared.ToString() : SigV4.UnsignedPayload,
        };
    }

    /// <summary>The error for a refused signature. AWS parses a JSON service's body before it checks the signature, so
    /// a JSON body that is not one JSON object is answered SerializationException, as the endpoint answers it once a
    /// request is let in (CBOR bodies were transcoded, and refused if malformed, before the filters); a streamed body
    /// (S3) is not looked at. <paramref name="keyKnown"/>: for UnrecognizedClient, whether the access key exists (then
    /// the session token was wrong).</summary>
    public static ServiceException Refusal(SigV4Result result, RequestInfo request, bool keyKnown = false)
    {
        if (!request.StreamedBody && !IsJsonObject(request.JsonBody.Span)) return new KinesisException(ErrorCode.SerializationException, null);
        var (code, failure) = result.Status switch
        {
            SigV4Status.MissingAuthenticationToken => (ErrorCode.MissingAuthenticationTokenException, AuthFailure.MissingSignature),
            SigV4Status.IncompleteSignature => (ErrorCode.IncompleteSignatureException, AuthFailure.MalformedSignature),
            SigV4Status.UnrecognizedClient => (ErrorCode.UnrecognizedClientException, keyKnown ? AuthFailure.InvalidToken : AuthFailure.UnknownKey),
            SigV4Status.ExpiredToken => (ErrorCode.ExpiredTokenException, AuthFailure.ExpiredToken),
            _ => (ErrorCode.InvalidSignatureException,
                result.ClockSkew ? AuthFailure.ClockSkew
                : result.PresignExpired ? AuthFailure.PresignExpired
                : result.Message == SigV4Verifier.MismatchMessage ? AuthFailure.SignatureMismatch
                : AuthFailure.MalformedSignature),
        };
        var presigned = request.Http.Request.Query.ContainsKey("X-Amz-Algorithm");
        return new AuthException(failure, code, result.Message, presigned);
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
