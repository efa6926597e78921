using System.CommandLine;
using System.Net;
using Eddy.Core;
using Eddy.Server;
using Eddy.Server.Auth;

namespace Eddy.Host;

/// <summary>The authentication options of <c>eddy serve</c>: <c>--auth on|off|none|auto</c>, <c>--credentials FILE</c>,
/// <c>--auth-clock-skew-seconds</c>.</summary>
internal sealed class AuthOptions
{
    private readonly Option<string> _auth = new("--auth")
    {
        Description = "on: every request must be SigV4-signed with a key of --credentials and be allowed by its policies; off: any access key and secret, but a request must carry a well-formed SigV4 signature (as every SDK and the AWS CLI send); none: signed or not, every request is served; auto: off when every listener is on a loopback address, on otherwise.",
        DefaultValueFactory = _ => "auto",
    };

    private readonly Option<string?> _credentials = new("--credentials")
    {
        Description = "JSON file of access keys, secrets and IAM-style policies (docs/formats/credentials.md). Required when auth is on.",
    };

    private readonly Option<int> _clockSkew = new("--auth-clock-skew-seconds")
    {
        Description = "How far a request's X-Amz-Date may be from the server clock (AWS allows 900).",
        DefaultValueFactory = _ => 300,
    };

    public AuthOptions()
    {
        _auth.AcceptOnlyFromAmong("on", "off", "none", "auto");
        _clockSkew.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() <= 0) r.AddError("--auth-clock-skew-seconds must be positive.");
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_auth);
        command.Options.Add(_credentials);
        command.Options.Add(_clockSkew);
    }

    /// <summary>Puts the auth filter first in <paramref name="options"/>: <see cref="AuthFilter"/> when auth is on,
    /// <see cref="SignatureFormatFilter"/> when it is off, none with <c>--auth none</c>. <paramref name="status"/> is the
    /// start-up line saying which and why; false (the reason written to stderr) when it cannot start.</summary>
    public bool TryApply(ParseResult parse, ServerOptions options, IStreamEngine engine, out ServerOptions applied, out string status)
    {
        applied = options;
        var mode = parse.GetValue(_auth)!;
        var loopback = IsLoopback(options.Host);
        var on = mode == "on" || (mode == "auto" && !loopback);
        var why = mode == "auto"
            ? loopback ? $"auto: every listener is on the loopback address {options.Host}" : $"auto: listening on {options.Host}, not a loopback address"
            : $"--auth {mode}";
        var path = parse.GetValue(_credentials);
        var filterOptions = new AuthFilterOptions { MaxClockSkew = TimeSpan.FromSeconds(parse.GetValue(_clockSkew)) };
        if (mode == "none")
        {
            status = $"Eddy auth: none ({why}); requests are not authenticated, signed or not";
            return true;
        }
        if (!on)
        {
            applied = options with { Filters = [new SignatureFormatFilter(filterOptions), .. options.Filters] };
            status = $"Eddy auth: off ({why}); any access key and secret, but requests must be SigV4-signed (--auth none also serves unsigned ones)";
            return true;
        }
        if (path is null)
        {
            status = "";
            Console.Error.WriteLine($"eddy: auth is on ({why}) but no --credentials FILE was given; pass one (docs/formats/credentials.md), or --auth off.");
            return false;
        }
        CredentialStore store;
        try
        {
            store = CredentialStore.Load(Path.GetFullPath(path), engine.Account);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            status = "";
            Console.Error.WriteLine($"eddy: cannot load the credentials file {path}: {e.Message}");
            return false;
        }
        var filter = new AuthFilter(store, engine, filterOptions);
        applied = options with { Filters = [filter, .. options.Filters] };
        status = $"Eddy auth: on ({why}); {store.Count} access key(s) from {path}";
        return true;
    }

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
