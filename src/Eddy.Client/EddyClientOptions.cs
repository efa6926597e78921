using System.Globalization;
using Eddy.Client.Retries;

namespace Eddy.Client;

/// <summary>Where and how an <see cref="Http.EddyHttp"/> talks to Eddy (or any AWS JSON-protocol endpoint).</summary>
public sealed record EddyClientOptions
{
    /// <summary>Eddy's default cleartext address.</summary>
    public static readonly Uri DefaultEndpoint = new("http://127.0.0.1:4567/");

    /// <summary>The endpoint requests go to unless a request names its own.</summary>
    public Uri Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>The region of the SigV4 credential scope.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>The service name of the SigV4 credential scope (Eddy takes it as the service being called).</summary>
    public string SigningService { get; init; } = "kinesis";

    /// <summary>The key requests are signed with; null: <see cref="AwsCredentials.FromEnvironment"/>, else
    /// <see cref="AwsCredentials.Local"/>.</summary>
    public AwsCredentials? Credentials { get; init; }

    /// <summary>Sign requests with SigV4 (false: send none, for <c>eddy serve --auth none</c> or an unauthenticated API).</summary>
    public bool Sign { get; init; } = true;

    /// <summary>Body encoding of the typed clients.</summary>
    public WireFormat Format { get; init; } = WireFormat.Json;

    /// <summary>HTTP/1.1 (default) or HTTP/2: exactly that version, never negotiated down; on <c>http://</c> HTTP/2 is
    /// prior knowledge (h2c), on <c>https://</c> it is chosen by ALPN.</summary>
    public Version HttpVersion { get; init; } = System.Net.HttpVersion.Version11;

    /// <summary>Connections kept per server (HTTP/1.1: requests in flight at once). Default: unlimited.</summary>
    public int MaxConnectionsPerServer { get; init; } = int.MaxValue;

    /// <summary>One attempt's limit, from sending the request to the last byte of the answer (for a streamed answer:
    /// to its headers).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries, as the AWS SDKs' standard mode makes them.</summary>
    public RetryOptions Retry { get; init; } = new();

    /// <summary>Clock of retry delays and signing times (a FakeTimeProvider in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Last say over the pooled handler (e.g. TLS trust for a self-signed certificate).</summary>
    public Action<SocketsHttpHandler>? ConfigureHandler { get; init; }

    /// <summary>Default options completed from the environment as the SDKs read it: <c>AWS_ACCESS_KEY_ID</c>,
    /// <c>AWS_SECRET_ACCESS_KEY</c> and <c>AWS_SESSION_TOKEN</c>; <c>AWS_REGION</c> (or <c>AWS_DEFAULT_REGION</c>);
    /// <c>AWS_MAX_ATTEMPTS</c>; <c>AWS_ENDPOINT_URL_KINESIS</c> (or <c>AWS_ENDPOINT_URL</c>). Set what a caller was told
    /// explicitly with <c>with { … }</c> afterwards.</summary>
    public static EddyClientOptions FromEnvironment()
    {
        var options = new EddyClientOptions { Credentials = AwsCredentials.FromEnvironment() };
        var region = Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        if (!string.IsNullOrEmpty(region)) options = options with { Region = region };
        if (int.TryParse(Environment.GetEnvironmentVariable("AWS_MAX_ATTEMPTS"), NumberStyles.None, CultureInfo.InvariantCulture, out var attempts) && attempts >= 1)
        {
            options = options with { Retry = options.Retry with { MaxAttempts = attempts } };
        }
        var endpoint = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_KINESIS") ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        if (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)) options = options with { Endpoint = uri };
        return options;
    }
}
