namespace Eddy.Client.Http;

/// <summary>
/// One request as <see cref="EddyHttp"/> sends it. The defaults make an AWS JSON-protocol call: a SigV4-signed POST to
/// "/" of the client's endpoint with the client's content type; everything can be changed for Eddy's own APIs and for
/// tests that need odd requests (no signature, another key, a past signing time, no target header).
/// </summary>
public sealed record EddyRequest
{
    /// <summary>The X-Amz-Target header (e.g. <c>Kinesis_20131202.PutRecords</c>); null or empty: none.</summary>
    public string? Target { get; init; }

    /// <summary>The body, sent as it is (for a retry too).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Content-Type; null: the client's <see cref="EddyClientOptions.Format"/>. Sent only with a body (or on POST/PUT).</summary>
    public string? ContentType { get; init; }

    public HttpMethod Method { get; init; } = HttpMethod.Post;

    /// <summary>Path and query, resolved against the endpoint (e.g. <c>/_eddy/faults</c>); null: the endpoint itself.</summary>
    public string? Path { get; init; }

    /// <summary>Another endpoint than the client's (same pool).</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Sign with SigV4; null: the client's <see cref="EddyClientOptions.Sign"/>.</summary>
    public bool? Sign { get; init; }

    /// <summary>Another key than the client's.</summary>
    public AwsCredentials? Credentials { get; init; }

    /// <summary>Another region of the credential scope than the client's.</summary>
    public string? Region { get; init; }

    /// <summary>The signing time (X-Amz-Date); null: now.</summary>
    public DateTimeOffset? SigningTime { get; init; }

    /// <summary>More headers, sent as given (not signed).</summary>
    public IReadOnlyList<(string Name, string Value)>? Headers { get; init; }

    /// <summary>Attempts for this call; null: the client's <see cref="Retries.RetryOptions.MaxAttempts"/>.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>This call's attempt timeout; null: the client's <see cref="EddyClientOptions.RequestTimeout"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>False for a request that must not run twice (e.g. one that creates something without an idempotency
    /// token): it is retried only when it certainly never reached the server (the connection could not be made).
    /// AWS's APIs count as idempotent, as the SDKs retry every one of them.</summary>
    public bool Idempotent { get; init; } = true;
}
