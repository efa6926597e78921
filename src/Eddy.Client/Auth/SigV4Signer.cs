using System.Globalization;
using Eddy.Protocol.Auth;

namespace Eddy.Client.Auth;

/// <summary>
/// Signs requests with AWS Signature Version 4 as the SDKs sign AWS JSON-protocol calls, over Eddy.Protocol's
/// <see cref="SigV4"/> pieces: <c>host</c>, <c>x-amz-date</c> and whichever other headers the caller names (the SDKs sign
/// <c>content-type</c>, <c>x-amz-target</c> and, with temporary credentials, <c>x-amz-security-token</c>) over the
/// SHA-256 of the exact body. The signing key of the last (secret, day, region) is cached. Thread-safe.
/// </summary>
public sealed class SigV4Signer(string service)
{
    private SigningKey _key = new("", "", "", []);

    /// <summary>The service name of the credential scope.</summary>
    public string Service { get; } = service;

    /// <summary>
    /// The headers that sign a request — <c>X-Amz-Date</c>, <c>X-Amz-Security-Token</c> (with a session token) and
    /// <c>Authorization</c> — for <paramref name="host"/> exactly as the Host header (or HTTP/2 <c>:authority</c>) will
    /// carry it and <paramref name="headers"/>, the other headers to sign as (name, value) as sent.
    /// </summary>
    public IReadOnlyList<(string Name, string Value)> SignHeaders(
        AwsCredentials credentials, string region, string method, string host, string pathAndQuery,
        IEnumerable<(string Name, string Value)> headers, string payloadHash, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(headers);
        var amzDate = SigV4.FormatAmzDate(at);
        var added = new List<(string Name, string Value)>(3) { ("X-Amz-Date", amzDate) };
        if (credentials.SessionToken is { } token) added.Add(("X-Amz-Security-Token", token));
        var signed = new List<(string Name, string Value)> { ("host", host) };
        foreach (var (name, value) in headers.Concat(added))
        {
            var lower = name.ToLowerInvariant();
            var canonical = SigV4.CanonicalHeaderValue([value]);
            var existing = signed.FindIndex(h => h.Name == lower);
            if (existing >= 0) signed[existing] = (lower, canonical);
            else signed.Add((lower, canonical));
        }
        signed.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var signedHeaders = string.Join(';', signed.Select(h => h.Name));
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var canonicalRequest = SigV4.CanonicalRequest(
            method, query < 0 ? pathAndQuery : pathAndQuery[..query], SigV4.CanonicalQuery(query < 0 ? null : pathAndQuery[query..]),
            signed, signedHeaders, payloadHash);
        var day = amzDate[..8];
        var scope = Scope(day, region);
        var signature = SigV4.Signature(KeyFor(credentials.SecretAccessKey, day, region), SigV4.StringToSign(amzDate, scope, canonicalRequest));
        added.Add(("Authorization", $"{SigV4.Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}"));
        return added;
    }

    /// <summary>Signs <paramref name="request"/> as if its body were <paramref name="body"/> (other bytes than the content
    /// make a tampered request): content-type, x-amz-target and x-amz-content-sha256 are signed when present.</summary>
    public void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, AwsCredentials credentials, string region, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var headers = new List<(string, string)>(3);
        Add("content-type", request.Content?.Headers);
        Add("x-amz-target", request.Headers);
        Add("x-amz-content-sha256", request.Headers);
        foreach (var (name, value) in SignHeaders(credentials, region, request.Method.Method, HostOf(uri), uri.PathAndQuery, headers, SigV4.PayloadHash(body), at))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        void Add(string name, System.Net.Http.Headers.HttpHeaders? from)
        {
            if (from is not null && from.TryGetValues(name, out var values)) headers.Add((name, string.Join(',', values)));
        }
    }

    /// <summary>
    /// The query string of a presigned (query-signed) request: <c>X-Amz-Algorithm</c>, <c>-Credential</c>, <c>-Date</c>,
    /// <c>-Expires</c>, <c>-SignedHeaders</c> (host and <paramref name="headers"/>) and <c>-Signature</c>, over
    /// <paramref name="payloadHash"/>.
    /// </summary>
    public string PresignQuery(
        AwsCredentials credentials, string region, string method, string host, string path,
        IReadOnlyList<(string Name, string Value)> headers, string payloadHash, DateTimeOffset at, int expiresSeconds)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(headers);
        var amzDate = SigV4.FormatAmzDate(at);
        var day = amzDate[..8];
        var scope = Scope(day, region);
        var signed = headers.Select(h => (Name: h.Name.ToLowerInvariant(), Value: SigV4.CanonicalHeaderValue([h.Value])))
            .Append(("host", host)).OrderBy(h => h.Item1, StringComparer.Ordinal).ToList();
        var signedHeaders = string.Join(';', signed.Select(h => h.Item1));
        var query = "X-Amz-Algorithm=" + SigV4.Algorithm
            + "&X-Amz-Credential=" + Uri.EscapeDataString($"{credentials.AccessKeyId}/{scope}")
            + "&X-Amz-Date=" + amzDate
            + "&X-Amz-Expires=" + expiresSeconds.ToString(CultureInfo.InvariantCulture)
            + "&X-Amz-SignedHeaders=" + Uri.EscapeDataString(signedHeaders);
        if (credentials.SessionToken is { } token) query += "&X-Amz-Security-Token=" + Uri.EscapeDataString(token);
        var canonical = SigV4.CanonicalRequest(method, path, SigV4.CanonicalQuery(query), signed, signedHeaders, payloadHash);
        var signature = SigV4.Signature(KeyFor(credentials.SecretAccessKey, day, region), SigV4.StringToSign(amzDate, scope, canonical));
        return query + "&X-Amz-Signature=" + signature;
    }

    /// <summary>The Host header an HTTP client sends for <paramref name="uri"/>: host, and :port unless the default.</summary>
    public static string HostOf(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
    }

    private string Scope(string day, string region) => $"{day}/{region}/{Service}/{SigV4.Terminator}";

    private byte[] KeyFor(string secret, string day, string region)
    {
        var cached = _key;
        if (cached.Day == day && cached.Region == region && cached.Secret == secret) return cached.Key;
        cached = new SigningKey(secret, day, region, SigV4.SigningKey(secret, day, region, Service));
        _key = cached;
        return cached.Key;
    }

    private sealed record SigningKey(string Secret, string Day, string Region, byte[] Key);
}
