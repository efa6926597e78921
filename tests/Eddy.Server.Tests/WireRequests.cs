using System.Text;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>
/// The one place the wire-level tests (<see cref="HttpEdgeTests"/>, <see cref="FuzzTests"/>) build requests: SigV4
/// signed with any credentials, content type and target sent exactly as given (null: no header).
/// </summary>
internal static class WireRequests
{
    /// <summary>A signed request to <paramref name="endpoint"/>.</summary>
    public static HttpRequestMessage Build(Uri endpoint, HttpMethod method, string? contentType, string? target, byte[]? body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, endpoint);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (target is not null) request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        RequestSigning.Sign(request, body ?? []);
        return request;
    }

    /// <summary>The head of the same POST as raw HTTP/1.1 text, ending with the blank line: <paramref name="host"/>
    /// as the Host header (null: none), the body framed by <paramref name="framing"/> (null:
    /// <c>Content-Length</c> of <paramref name="body"/>), then <paramref name="extraLines"/>.</summary>
    public static string RawHead(Uri endpoint, string? host, string? contentType, string target, byte[] body, string? framing = null, params string[] extraLines)
    {
        using var signed = Build(endpoint, HttpMethod.Post, contentType, target, body);
        var head = new StringBuilder("POST / HTTP/1.1\r\n");
        if (host is not null) head.Append("Host: ").Append(host).Append("\r\n");
        foreach (var (name, values) in signed.Headers) head.Append(name).Append(": ").Append(string.Join(", ", values)).Append("\r\n");
        if (contentType is not null) head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        head.Append(framing ?? $"Content-Length: {body.Length}").Append("\r\n");
        foreach (var line in extraLines) head.Append(line).Append("\r\n");
        return head.Append("\r\n").ToString();
    }

    /// <summary>A whole raw POST: <see cref="RawHead"/> and, with Content-Length framing, the body.</summary>
    public static byte[] Raw(Uri endpoint, string host, string? contentType, string target, byte[] body, string? framing = null, params string[] extraLines) =>
        [.. Encoding.ASCII.GetBytes(RawHead(endpoint, host, contentType, target, body, framing, extraLines)), .. framing is null ? body : []];
}
