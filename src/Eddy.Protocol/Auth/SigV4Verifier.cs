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
/// <param name="Headers">The values of a header by lower-case name (<c>host</c> and <c>:authority</c>: the Host header, or
/// HTTP/2's :authority), null when absent.</param>
public sealed record SigV4Request(string Method, string Path, string? RawQuery, Func<string, IReadOnlyList<string?>?> Headers, ReadOnlyMemory<byte> Body)
{
    /// <summary>The service the credential scope must name for this request (the service it is routed to, e.g.
    /// <c>firehose</c>); null: the verifier's <see cref="SigV4Verifier.Service"/>.</summary>
    public string? Service { get; init; }

    /// <summary>S3's payload signing: the payload hash the signature covers, taken on trust from the client's
    /// <c>x-amz-content-sha256</c> (a hex SHA-256, <c>UNSIGNED-PAYLOAD</c> or a <c>STREAMING-*</c> value) because the
    /// body is streamed, not buffered; <see cref="Body"/> is then not hashed, and the caller checks the body against a
    /// hex value as it streams it (and chunk signatures with <see cref="SigV4Result.Seed"/>). Null (every other
    /// service): the SHA-256 of <see cref="Body"/>.</summary>
    public string? PayloadHash { get; init; }
}

public enum SigV4Status
{
    Ok,
    MissingAuthenticationToken,
    IncompleteSignature,
    InvalidSignature,
    UnrecognizedClient,
    ExpiredToken,
}

/// <summary>The outcome of <see cref="SigV4Verifier.Verify"/> or <see cref="SigV4Verifier.CheckFormat"/>: Ok, or the AWS
/// error type and message.</summary>
/// <param name="Credential">The verified key (<see cref="SigV4Verifier.Verify"/> only).</param>
/// <param name="AccessKeyId">The access key id the request names (also from <see cref="SigV4Verifier.CheckFormat"/>).</param>
public sealed record SigV4Result(SigV4Status Status, string? Message, SigV4Credential? Credential = null, string? Region = null, string? AccessKeyId = null)
{
    public bool IsOk => Status == SigV4Status.Ok;

    /// <summary>Refused because X-Amz-Date is too far from the server clock (an <see cref="SigV4Status.InvalidSignature"/>;
    /// S3 calls it RequestTimeTooSkewed).</summary>
    public bool ClockSkew { get; init; }

    /// <summary>Refused because a presigned URL's X-Amz-Expires has passed (S3: AccessDenied, "Request has expired").</summary>
    public bool PresignExpired { get; init; }

    /// <summary>Of a verified request signed with <see cref="SigV4Request.PayloadHash"/>: what the chunk signatures of a
    /// <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c> body chain from (<see cref="SigV4ChunkVerifier"/>).</summary>
    public SigV4Seed? Seed { get; init; }
}

/// <summary>The seed of a signed streaming upload: the signing key, the request's date and scope, and the request's
/// own signature (the first chunk's "previous signature").</summary>
public sealed record SigV4Seed(byte[] SigningKey, string SignedDate, string Scope, string Signature);

/// <summary>
/// Verifies SigV4 requests, header-signed (<c>Authorization: AWS4-HMAC-SHA256 ...</c>) or query-signed (presigned URL),
/// as AWS verifies SigV4 (docs/architecture.md, Authentication), answering AWS's error types and messages. Thread-safe; signing keys are cached per
/// (secret, date, region, service).
/// </summary>
public sealed class SigV4Verifier
{
    public const string MissingTokenMessage = "Missing Authentication Token";
    public const string InvalidTokenMessage = "The security token included in the request is invalid.";
    public const string ExpiredTokenMessage = "The security token included in the request is expired";
    public const string MismatchMessage = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    public const string BothMechanismsMessage = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.";
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

    /// <summary>
    /// Full verification, in AWS's order: the signature's presence and form (<see cref="CheckFormat"/>), the access key
    /// and session token, the payload (SHA-256 of the exact body bytes; an <c>X-Amz-Content-Sha256</c> that differs,
    /// <c>UNSIGNED-PAYLOAD</c> included, is refused, since Kinesis signs every JSON/CBOR payload), the signature, and the
    /// expiry of temporary credentials.
    /// </summary>
    public SigV4Result Verify(SigV4Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var format = Parse(request, out var parsed);
        if (!format.IsOk) return format;

        var key = _lookup(parsed.KeyId);
        if (key is null) return Fail(SigV4Status.UnrecognizedClient, InvalidTokenMessage);
        if (parsed.Token is not null != key.SessionToken is not null || (parsed.Token is not null && !FixedTimeEquals(parsed.Token, key.SessionToken!)))
        {
            return Fail(SigV4Status.UnrecognizedClient, InvalidTokenMessage) with { AccessKeyId = parsed.KeyId };
        }

        // AWS hashes the payload itself (only S3 takes X-Amz-Content-Sha256 on trust or accepts UNSIGNED-PAYLOAD), so a
        // declared hash that is not the body's cannot have produced a valid signature: the same answer, without the HMACs.
        var payloadHash = request.PayloadHash ?? SigV4.PayloadHash(request.Body.Span);
        if (request.PayloadHash is null && Header(request, "x-amz-content-sha256") is { } declared && declared != payloadHash)
        {
            return Fail(SigV4Status.InvalidSignature, MismatchMessage);
        }

        var names = parsed.SignedHeaders.Split(';');
        var headers = new (string, string)[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var values = request.Headers(names[i]);
            headers[i] = (names[i], values is null ? "" : SigV4.CanonicalHeaderValue(values));
        }
        var query = parsed.Presigned ? SigV4.CanonicalQuery(request.RawQuery, "X-Amz-Signature") : SigV4.CanonicalQuery(request.RawQuery);
        var canonical = SigV4.CanonicalRequest(request.Method, request.Path, query, headers, parsed.SignedHeaders, payloadHash);
        var stringToSign = SigV4.StringToSign(parsed.SignedDate, parsed.Scope, canonical);
        var signingKey = SigningKey(key.SecretAccessKey, parsed.ScopeDate, parsed.Region, parsed.Service);
        var expected = SigV4.SignatureBytes(signingKey, stringToSign);
        if (!SignatureEquals(parsed.Signature, expected)) return Fail(SigV4Status.InvalidSignature, MismatchMessage);

        if (key.Expiration is { } expiration && expiration <= _clock.GetUtcNow()) return Fail(SigV4Status.ExpiredToken, ExpiredTokenMessage);
        return new SigV4Result(SigV4Status.Ok, null, key, parsed.Region, parsed.KeyId)
        {
            Seed = request.PayloadHash is null ? null : new SigV4Seed(signingKey, parsed.SignedDate, parsed.Scope, parsed.Signature.ToLowerInvariant()),
        };
    }

    /// <summary>
    /// What AWS checks before it looks at the access key: a signature is present (header or presigned query, not both),
    /// complete, dated within the allowed skew (or the presigned URL's X-Amz-Expires), signs the Host, uses
    /// AWS4-HMAC-SHA256, and has a credential scope of this service dated the request's day. Ok (with the access key id
    /// and region, no credential) means "well formed"; the signature itself is not checked (any secret passes).
    /// </summary>
    public SigV4Result CheckFormat(SigV4Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Parse(request, out _);
    }

    /// <summary>The fields of a well-formed signature.</summary>
    private readonly record struct Parsed(
        bool Presigned, string KeyId, string ScopeDate, string Region, string Service, string SignedHeaders, string Signature, string SignedDate, string? Token)
    {
        public string Scope => $"{ScopeDate}/{Region}/{Service}/{SigV4.Terminator}";
    }

    private SigV4Result Parse(SigV4Request request, out Parsed parsed)
    {
        parsed = default;
        var authorization = Header(request, "authorization");
        var query = SigV4.ParseQuery(request.RawQuery);
        string? Query(string name)
        {
            foreach (var (n, v) in query) if (n == name) return v;
            return null;
        }

        var presigned = Query("X-Amz-Algorithm") is not null;
        if (authorization is not null && presigned) return Fail(SigV4Status.InvalidSignature, BothMechanismsMessage);
        if (authorization is null && !presigned) return Fail(SigV4Status.MissingAuthenticationToken, MissingTokenMessage);

        string algorithm, credential, signedHeaders, signature, dateText;
        string? token;
        int? expires = null;
        if (!presigned)
        {
            var pieces = ParseAuthorization(authorization!);
            algorithm = pieces.Algorithm;
            var amzDate = Header(request, "x-amz-date");
            var httpDate = Header(request, "date");
            var missing = new StringBuilder();
            if (pieces.Credential is null) missing.Append("Authorization header requires 'Credential' parameter. ");
            if (pieces.Signature is null) missing.Append("Authorization header requires 'Signature' parameter. ");
            if (pieces.SignedHeaders is null) missing.Append("Authorization header requires 'SignedHeaders' parameter. ");
            if (amzDate is null && httpDate is null) missing.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
            if (missing.Length > 0) return Fail(SigV4Status.IncompleteSignature, missing + "Authorization=" + authorization);
            credential = pieces.Credential!;
            signedHeaders = pieces.SignedHeaders!;
            signature = pieces.Signature!;
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

        if (!SigV4.TryParseDate(dateText, out var date))
        {
            return Fail(SigV4Status.IncompleteSignature, $"Date must be in ISO-8601 'basic format'. Got '{dateText}'. See http://en.wikipedia.org/wiki/ISO_8601");
        }
        var amz = SigV4.FormatAmzDate(date);
        var now = _clock.GetUtcNow();
        if (date > now + MaxSkew)
        {
            return Fail(SigV4Status.InvalidSignature, $"Signature not yet current: {amz} is still later than {SigV4.FormatAmzDate(now + MaxSkew)} ({SigV4.FormatAmzDate(now)} + {Minutes(MaxSkew)}.)") with { ClockSkew = true };
        }
        if (expires is { } life)
        {
            if (date + TimeSpan.FromSeconds(life) < now)
            {
                return Fail(SigV4Status.InvalidSignature, $"Signature expired: {amz} is now earlier than {SigV4.FormatAmzDate(now - TimeSpan.FromSeconds(life))} ({SigV4.FormatAmzDate(now)} - {life} sec.)") with { PresignExpired = true };
            }
        }
        else if (date < now - MaxSkew)
        {
            return Fail(SigV4Status.InvalidSignature, $"Signature expired: {amz} is now earlier than {SigV4.FormatAmzDate(now - MaxSkew)} ({SigV4.FormatAmzDate(now)} - {Minutes(MaxSkew)}.)") with { ClockSkew = true };
        }

        if (!SignsHost(signedHeaders))
        {
            return Fail(SigV4Status.InvalidSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
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
        // Every wrong piece of the scope is named, in one message (the region is not checked: any region is served).
        var wrong = new List<string>(3);
        var service = request.Service ?? Service;
        if (scope[3] != service) wrong.Add($"Credential should be scoped to correct service: '{service}'.");
        if (scope[4] != SigV4.Terminator) wrong.Add($"Credential should be scoped with a valid terminator: '{SigV4.Terminator}', not '{scope[4]}'.");
        if (scope[1] != amz[..8]) wrong.Add($"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope[1]}' != '{amz[..8]}', from '{amz}'.");
        if (wrong.Count > 0) return Fail(SigV4Status.InvalidSignature, string.Join(' ', wrong));

        // The string to sign carries the date as sent (X-Amz-Date), or the HTTP Date in the ISO basic format.
        var signedDate = presigned || Header(request, "x-amz-date") is not null ? dateText : amz;
        parsed = new Parsed(presigned, scope[0], scope[1], scope[2], scope[3], signedHeaders, signature, signedDate, token);
        return new SigV4Result(SigV4Status.Ok, null, null, scope[2], scope[0]);
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

    /// <summary>True when the semicolon-separated <paramref name="signedHeaders"/> names <c>host</c> or, as the JS SDK v3
    /// signs over HTTP/2, <c>:authority</c>.</summary>
    private static bool SignsHost(string signedHeaders)
    {
        foreach (var range in signedHeaders.AsSpan().Split(';'))
        {
            if (signedHeaders.AsSpan()[range] is "host" or ":authority") return true;
        }
        return false;
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
