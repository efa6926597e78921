using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Eddy.Protocol.Auth;

/// <summary>An access key as the verifier needs it.</summary>
/// <param name="SessionToken">Set for temporary credentials: requests must carry it (X-Amz-Security-Token).</param>
/// <param name="Expiration">When temporary credentials stop working (ExpiredTokenException afterwards).</param>
public sealed record SigV4Credential(string AccessKeyId, string SecretAccessKey, string? SessionToken = null, DateTimeOffset? Expiration = null);

/// <summary>A request as received: nothing re-encoded, the body as the exact bytes.</summary>
/// <param name="Path">The request path (percent-decoded or not: it is decoded then re-encoded per segment).</param>
/// <param name="RawQuery">The query string as received (with or without '?'), or null.</param>
/// <param name="Headers">The values of a header by lower-case name (host: the Host header, or HTTP/2 :authority),
/// null when absent.</param>
public sealed record SigV4Request(string Method, string Path, string? RawQuery, Func<string, IReadOnlyList<string?>?> Headers, ReadOnlyMemory<byte> Body);

public enum SigV4Status
{
    Ok,
    MissingAuthenticationToken,
    IncompleteSignature,
    InvalidSignature,
    UnrecognizedClient,
    ExpiredToken,
}

/// <summary>The outcome of <see cref="SigV4Verifier.Verify"/>: Ok with the credential, or the AWS error type and message.</summary>
public sealed record SigV4Result(SigV4Status Status, string? Message, SigV4Credential? Credential = null, string? Region = null)
{
    public bool IsOk => Status == SigV4Status.Ok;
}

/// <summary>
/// Verifies SigV4 requests, header-signed (<c>Authorization: AWS4-HMAC-SHA256 ...</c>) or query-signed (presigned URL),
/// per kinesis-protocol.md §5.2, answering AWS's error types and messages. Thread-safe; signing keys are cached per
/// (secret, date, region, service).
/// </summary>
public sealed class SigV4Verifier
{
    public const string MissingTokenMessage = "Missing Authentication Token";
    public const string InvalidTokenMessage = "The security token included in the request is invalid.";
    public const string ExpiredTokenMessage = "The security token included in the request is expired";
    public const string MismatchMessage = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    private const int MaxPresignExpiresSeconds = 604800;
    private const int MaxCachedKeys = 4096;

    private readonly Func<string, SigV4Credential?> _lookup;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<(string Secret, string Date, string Region, string Service), byte[]> _keys = new();

    /// <param name="lookup">The credential of an access key id, or null when unknown.</param>
    /// <param name="maxSkew">How far X-Amz-Date may be from the server's clock (AWS: 15 min; Eddy's default 5 min).</param>
    /// <param name="service">The service the credential scope must name.</param>
    public SigV4Verifier(Func<string, SigV4Credential?> lookup, TimeSpan maxSkew, string service = "kinesis", TimeProvider? clock = null)
    {
        _lookup = lookup;
        MaxSkew = maxSkew;
        Service = service;
        _clock = clock ?? TimeProvider.System;
    }

    public TimeSpan MaxSkew { get; }

    public string Service { get; }

    public SigV4Result Verify(SigV4Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = Header(request, "authorization");
        var query = SigV4.ParseQuery(request.RawQuery);
        string? Query(string name)
        {
            foreach (var (n, v) in query) if (n == name) return v;
            return null;
        }

        var presigned = Query("X-Amz-Algorithm") is not null;
        if (authorization is not null && presigned)
        {
            return Fail(SigV4Status.InvalidSignature, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified");
        }
        if (authorization is null && !presigned) return Fail(SigV4Status.MissingAuthenticationToken, MissingTokenMessage);

        string algorithm, credential, signedHeaders, signature, dateText;
        string? token;
        int? expires = null;
        if (!presigned)
        {
            var parsed = ParseAuthorization(authorization!);
            algorithm = parsed.Algorithm;
            var amzDate = Header(request, "x-amz-date");
            var httpDate = Header(request, "date");
            var missing = new StringBuilder();
            if (parsed.Credential is null) missing.Append("Authorization header requires 'Credential' parameter. ");
            if (parsed.Signature is null) missing.Append("Authorization header requires 'Signature' parameter. ");
            if (parsed.SignedHeaders is null) missing.Append("Authorization header requires 'SignedHeaders' parameter. ");
            if (amzDate is null && httpDate is null) missing.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
            if (missing.Length > 0) return Fail(SigV4Status.IncompleteSignature, missing + "Authorization=" + authorization);
            credential = parsed.Credential!;
            signedHeaders = parsed.SignedHeaders!;
            signature = parsed.Signature!;
            dateText = amzDate ?? httpDate!;
            token = Header(request, "x-amz-security-token");
        }
        else
        {
            var missing = new StringBuilder();
            foreach (var name in (string[])["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"])
            {
                if (string.IsNullOrEmpty(Query(name))) missing.Append("AWS query-string parameters must include '").Append(name).Append("'. ");
            }
            if (missing.Length > 0) return Fail(SigV4Status.IncompleteSignature, missing + "Re-examine the query-string parameters.");
            algorithm = Query("X-Amz-Algorithm")!;
            credential = Query("X-Amz-Credential")!;
            signedHeaders = Query("X-Amz-SignedHeaders")!;
            signature = Query("X-Amz-Signature")!;
            dateText = Query("X-Amz-Date")!;
            token = Query("X-Amz-Security-Token") ?? Header(request, "x-amz-security-token");
            if (Query("X-Amz-Expires") is { } e)
            {
                if (!int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
                {
                    return Fail(SigV4Status.IncompleteSignature, $"X-Amz-Expires must be a positive number of seconds, not '{e}'.");
                }
                if (seconds > MaxPresignExpiresSeconds)
                {
                    return Fail(SigV4Status.InvalidSignature, $"X-Amz-Expires must be less than a week (in seconds) that is {MaxPresignExpiresSeconds}");
                }
                expires = seconds;
            }
        }

        if (algorithm != SigV4.Algorithm)
        {
            return Fail(SigV4Status.IncompleteSignature, $"Unsupported AWS 'algorithm': '{algorithm}'");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[0].Length == 0)
        {
            return Fail(SigV4Status.IncompleteSignature, $"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'");
        }
        if (scope[4] != SigV4.Terminator)
        {
            return Fail(SigV4Status.IncompleteSignature, $"Credential should be scoped with a valid terminator: 'aws4_request', not '{scope[4]}'.");
        }
        var (keyId, scopeDate, region, service) = (scope[0], scope[1], scope[2], scope[3]);

        var key = _lookup(keyId);
        if (key is null) return Fail(SigV4Status.UnrecognizedClient, InvalidTokenMessage);
        if (token is not null != key.SessionToken is not null || (token is not null && !FixedTimeEquals(token, key.SessionToken!)))
        {
            return Fail(SigV4Status.UnrecognizedClient, InvalidTokenMessage);
        }

        if (!SigV4.TryParseDate(dateText, out var date))
        {
            return Fail(SigV4Status.IncompleteSignature, $"Date must be in ISO-8601 'basic format'. Got '{dateText}'. See http://en.wikipedia.org/wiki/ISO_8601");
        }
        var amz = SigV4.FormatAmzDate(date);
        var now = _clock.GetUtcNow();
        if (date > now + MaxSkew)
        {
            return Fail(SigV4Status.InvalidSignature, $"Signature not yet current: {amz} is still later than {SigV4.FormatAmzDate(now + MaxSkew)} ({SigV4.FormatAmzDate(now)} + {Minutes(MaxSkew)}.)");
        }
        if (expires is { } life)
        {
            if (date + TimeSpan.FromSeconds(life) < now)
            {
                return Fail(SigV4Status.InvalidSignature, $"Signature expired: {amz} is now earlier than {SigV4.FormatAmzDate(now - TimeSpan.FromSeconds(life))} ({SigV4.FormatAmzDate(now)} - {life} sec.)");
            }
        }
        else if (date < now - MaxSkew)
        {
            return Fail(SigV4Status.InvalidSignature, $"Signature expired: {amz} is now earlier than {SigV4.FormatAmzDate(now - MaxSkew)} ({SigV4.FormatAmzDate(now)} - {Minutes(MaxSkew)}.)");
        }

        if (scopeDate != amz[..8])
        {
            return Fail(SigV4Status.InvalidSignature, $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scopeDate}' != '{amz[..8]}', from '{amz}'.");
        }
        if (service != Service)
        {
            return Fail(SigV4Status.InvalidSignature, $"Credential should be scoped to correct service: '{Service}'. ");
        }

        var names = signedHeaders.Split(';');
        if (Array.IndexOf(names, "host") < 0)
        {
            return Fail(SigV4Status.InvalidSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }
        var headers = new (string, string)[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var values = request.Headers(names[i]);
            headers[i] = (names[i], values is null ? "" : SigV4.CanonicalHeaderValue(values));
        }
        var payloadHash = Header(request, "x-amz-content-sha256") ?? SigV4.PayloadHash(request.Body.Span);
        var canonical = SigV4.CanonicalRequest(request.Method, request.Path, presigned ? SigV4.CanonicalQuery(request.RawQuery, "X-Amz-Signature") : SigV4.CanonicalQuery(request.RawQuery), headers, signedHeaders, payloadHash);
        // The string to sign carries the date as sent (X-Amz-Date), or the HTTP Date in the ISO basic format.
        var stringToSign = SigV4.StringToSign(presigned || Header(request, "x-amz-date") is not null ? dateText : amz, string.Join('/', scope, 1, 4), canonical);
        var expected = SigV4.SignatureBytes(SigningKey(key.SecretAccessKey, scopeDate, region, service), stringToSign);
        if (!SignatureEquals(signature, expected)) return Fail(SigV4Status.InvalidSignature, MismatchMessage);

        if (key.Expiration is { } expiration && expiration <= now) return Fail(SigV4Status.ExpiredToken, ExpiredTokenMessage);
        return new SigV4Result(SigV4Status.Ok, null, key, region);
    }

    /// <summary>The signing key, from the cache when the same (secret, date, region, service) was seen before.</summary>
    public byte[] SigningKey(string secret, string date, string region, string service)
    {
        var cacheKey = (secret, date, region, service);
        if (_keys.TryGetValue(cacheKey, out var key)) return key;
        if (_keys.Count >= MaxCachedKeys) _keys.Clear();
        return _keys[cacheKey] = SigV4.SigningKey(secret, date, region, service);
    }

    /// <summary>Splits <c>AWS4-HMAC-SHA256 Credential=a, SignedHeaders=b, Signature=c</c> leniently (commas and/or spaces).</summary>
    public static (string Algorithm, string? Credential, string? SignedHeaders, string? Signature) ParseAuthorization(string header)
    {
        var text = header.Trim();
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var algorithm = space < 0 ? text : text[..space];
        string? credential = null, signedHeaders = null, signature = null;
        if (space >= 0)
        {
            foreach (var part in text[(space + 1)..].Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) continue;
                var value = part[(eq + 1)..];
                if (value.Length == 0) continue;
                switch (part[..eq])
                {
                    case "Credential": credential = value; break;
                    case "SignedHeaders": signedHeaders = value; break;
                    case "Signature": signature = value; break;
                }
            }
        }
        return (algorithm, credential, signedHeaders, signature);
    }

    private static string? Header(SigV4Request request, string name) =>
        request.Headers(name) is { Count: > 0 } values ? SigV4.CanonicalHeaderValue(values) : null;

    private static string Minutes(TimeSpan skew) =>
        skew.TotalSeconds % 60 == 0 ? $"{skew.TotalMinutes:0} min" : $"{skew.TotalSeconds:0} sec";

    private static SigV4Result Fail(SigV4Status status, string message) => new(status, message);

    private static bool SignatureEquals(string provided, byte[] expected)
    {
        Span<byte> given = stackalloc byte[32];
        if (provided.Length != 64 || Convert.FromHexString(provided, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
