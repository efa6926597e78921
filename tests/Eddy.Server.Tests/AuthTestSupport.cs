using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>Keys, a credentials file and a server with <c>--auth on</c> for <see cref="AuthTests"/>.</summary>
public sealed class AuthServerFixture : IAsyncLifetime
{
    public const string Account = "000000000000";
    public static readonly KinesisJsonOptions Admin = new() { AccessKeyId = "AKIDADMIN", SecretAccessKey = "admin-secret" };
    public static readonly KinesisJsonOptions Reader = new() { AccessKeyId = "AKIDREADER", SecretAccessKey = "reader-secret" };
    public static readonly KinesisJsonOptions Careful = new() { AccessKeyId = "AKIDCAREFUL", SecretAccessKey = "careful-secret" };
    public static readonly KinesisJsonOptions Temporary = new() { AccessKeyId = "ASIATEMP", SecretAccessKey = "temp-secret", SessionToken = "token-1" };
    public static readonly KinesisJsonOptions Expired = new() { AccessKeyId = "ASIAEXPIRED", SecretAccessKey = "expired-secret", SessionToken = "token-2" };

    public const string CredentialsJson = """
        {
          "keys": [
            { "accessKeyId": "AKIDADMIN", "secretAccessKey": "admin-secret",
              "policies": [ { "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "kinesis:*", "Resource": "*" } ] } ] },
            { "accessKeyId": "AKIDREADER", "secretAccessKey": "reader-secret", "principal": "arn:aws:iam::000000000000:user/reader",
              "policies": [ { "Version": "2012-10-17", "Statement": [
                { "Effect": "Allow", "Action": ["kinesis:GetRecords", "kinesis:GetShardIterator"], "Resource": "arn:aws:kinesis:*:*:stream/readable*" } ] } ] },
            { "accessKeyId": "AKIDCAREFUL", "secretAccessKey": "careful-secret",
              "policies": [ { "Version": "2012-10-17", "Statement": [
                { "Effect": "Allow", "Action": "kinesis:*", "Resource": "arn:aws:kinesis:*:*:stream/*" },
                { "Effect": "Deny", "Action": ["kinesis:Delete*", "kinesis:Put*"], "Resource": "arn:aws:kinesis:*:*:stream/readable*" } ] } ] },
            { "accessKeyId": "ASIATEMP", "secretAccessKey": "temp-secret", "sessionToken": "token-1", "expiration": "2999-01-01T00:00:00Z",
              "policies": [ { "Statement": { "Effect": "Allow", "Action": "kinesis:List*", "Resource": "*" } } ] },
            { "accessKeyId": "ASIAEXPIRED", "secretAccessKey": "expired-secret", "sessionToken": "token-2", "expiration": "2020-01-01T00:00:00Z",
              "policies": [ { "Statement": { "Effect": "Allow", "Action": "kinesis:*", "Resource": "*" } } ] }
          ]
        }
        """;

    private string? _file;

    public EddyServer Server { get; private set; } = null!;

    public Uri Endpoint => Server.Endpoint;

    public async Task InitializeAsync()
    {
        _file = Path.Combine(Path.GetTempPath(), $"eddy-credentials-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(_file, CredentialsJson);
        Server = await EddyServer.StartAsync(new EddyServerOptions { InMemory = true, StateDelayMs = 0, ExtraArgs = ["--auth", "on", "--credentials", _file] });
        foreach (var name in (string[])["readable", "other"])
        {
            var created = await KinesisJson.CallAsync(Endpoint, "CreateStream", new { StreamName = name, ShardCount = 1 }, Admin);
            Assert.True(created.IsSuccess, created.ToString());
        }
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_file is not null) File.Delete(_file);
    }
}
