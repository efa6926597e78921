using System.Net;
using System.Net.Http.Headers;

namespace Eddy.Client.Http;

/// <summary>
/// An answer: status, headers and the body in a <see cref="ResponseBuffer"/> (the caller's, or one rented for this call
/// and given back on <see cref="Dispose"/>). Every status comes back as an answer; <see cref="EnsureSuccess"/> turns a
/// failed one into an <see cref="EddyServiceException"/>.
/// </summary>
public sealed class EddyResponse : IDisposable
{
    private readonly ResponseBuffer _body;
    private readonly bool _ownsBody;
    private readonly HttpResponseHeaders _headers;
    private readonly HttpContentHeaders _contentHeaders;

    internal EddyResponse(HttpStatusCode status, Version version, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, ResponseBuffer body, bool ownsBody, int attempts)
    {
        Status = status;
        Version = version;
        _headers = headers;
        _contentHeaders = contentHeaders;
        _body = body;
        _ownsBody = ownsBody;
        Attempts = attempts;
    }

    public HttpStatusCode Status { get; }

    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The HTTP version the answer came in.</summary>
    public Version Version { get; }

    /// <summary>Attempts this call took (1: no retry).</summary>
    public int Attempts { get; }

    public ReadOnlySpan<byte> Span => _body.Span;

    public ReadOnlyMemory<byte> Body => _body.Memory;

    public string? ContentType => _contentHeaders.ContentType?.MediaType;

    /// <summary><c>x-amzn-RequestId</c>.</summary>
    public string? RequestId => Header("x-amzn-RequestId");

    /// <summary>Every header, response and content headers together, each with its values joined by ", ".</summary>
    public IEnumerable<KeyValuePair<string, string>> Headers =>
        _headers.Concat(_contentHeaders).Select(h => KeyValuePair.Create(h.Key, string.Join(", ", h.Value)));

    /// <summary>A header's values joined by ", ", or null.</summary>
    public string? Header(string name) =>
        _headers.TryGetValues(name, out var values) || _contentHeaders.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    /// <summary>The error answer as an exception (its type, message, status and request id).</summary>
    public EddyServiceException ToException(string? operation = null) =>
        ErrorBody.ToException(Status, Span, ContentType, Header("x-amzn-ErrorType"), RequestId, operation);

    /// <summary>This answer if it is a success (2xx); otherwise throws its <see cref="EddyServiceException"/>.</summary>
    public EddyResponse EnsureSuccess(string? operation = null) => IsSuccess ? this : throw ToException(operation);

    public void Dispose()
    {
        if (_ownsBody) _body.Dispose();
    }
}
