namespace Eddy.Client;

/// <summary>An AWS access key (and session token, for temporary credentials) requests are SigV4-signed with.</summary>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    /// <summary>The key signed with when neither the options nor the environment name one. Eddy's default
    /// (<c>--auth off</c>) accepts any key, but only signed requests.</summary>
    public static AwsCredentials Local { get; } = new("eddy", "eddy");

    /// <summary><c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c> and <c>AWS_SESSION_TOKEN</c> (optional), as the SDKs
    /// read them; null when the first two are not both set.</summary>
    public static AwsCredentials? FromEnvironment()
    {
        var id = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret)) return null;
        var token = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
        return new AwsCredentials(id, secret, string.IsNullOrEmpty(token) ? null : token);
    }

    /// <summary>The access key id only: a secret never ends up in a log.</summary>
    public override string ToString() => $"AwsCredentials {{ AccessKeyId = {AccessKeyId} }}";
}
