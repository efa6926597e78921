using System.Text;
using Microsoft.AspNetCore.Http;

namespace Eddy.Server;

/// <summary>
/// The answers AWS gives at the edge of the API, before a request is understood as JSON or CBOR: CORS headers and the
/// preflight, <c>x-amz-id-2</c>, and the XML bodies for requests that are not POSTs or carry no known content type
/// (byte for byte as AWS sends them, measured by kinesalite's suite: multi-line, no Content-Type).
/// </summary>
internal static class EdgeResponses
{
    /// <summary>The response headers a browser script may read (AWS's list).</summary>
    public const string ExposedHeaders = "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date";

    /// <summary>How long a browser may cache a preflight answer (AWS: two days).</summary>
    public const string PreflightMaxAgeSeconds = "172800";

    private static readonly byte[] s_accessDenied = Encoding.UTF8.GetBytes(
        "<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n");

    private static readonly byte[] s_unknownOperation = Encoding.UTF8.GetBytes("<UnknownOperationException/>\n");

    /// <summary>A CORS preflight (OPTIONS with Origin): 200, empty, allowing any origin and whatever headers and
    /// method the browser asks for. AWS sends no <c>x-amz-id-2</c> with it.</summary>
    public static void Preflight(HttpRequest request, HttpResponse response)
    {
        var headers = response.Headers;
        headers.AccessControlAllowOrigin = "*";
        if (request.Headers.AccessControlRequestHeaders is { Count: > 0 } asked) headers.AccessControlAllowHeaders = asked;
        if (request.Headers.AccessControlRequestMethod is { Count: > 0 } method) headers.AccessControlAllowMethods = method;
        headers.AccessControlMaxAge = PreflightMaxAgeSeconds;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentLength = 0;
    }

    /// <summary>Any other request with an Origin header.</summary>
    public static void AllowOrigin(HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlExposeHeaders = ExposedHeaders;
    }

    /// <summary><c>x-amz-id-2</c>: base64 of 72 random bytes, as AWS sends (SDKs report it as the extended request id).
    /// Not a secret, so not from the cryptographic generator.</summary>
    public static string ExtendedRequestId()
    {
        Span<byte> bytes = stackalloc byte[72];
        Random.Shared.NextBytes(bytes);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>A method other than POST: 403 AccessDeniedException in XML.</summary>
    public static Task WriteAccessDeniedAsync(HttpResponse response) => WriteXmlAsync(response, StatusCodes.Status403Forbidden, s_accessDenied);

    /// <summary>A body with a content type that is neither JSON 1.1, CBOR nor the legacy <c>application/json</c>:
    /// 404 UnknownOperationException when the target names a service and an operation (<c>A.B</c>, both non-empty),
    /// 403 AccessDeniedException otherwise, both in XML.</summary>
    public static Task WriteUnknownContentTypeAsync(HttpResponse response, string target)
    {
        var dot = target.IndexOf('.', StringComparison.Ordinal);
        var named = dot > 0 && dot < target.Length - 1 && target[dot + 1] != '.';
        return named
            ? WriteXmlAsync(response, StatusCodes.Status404NotFound, s_unknownOperation)
            : WriteXmlAsync(response, StatusCodes.Status403Forbidden, s_accessDenied);
    }

    private static Task WriteXmlAsync(HttpResponse response, int status, byte[] body)
    {
        response.StatusCode = status;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }
}
