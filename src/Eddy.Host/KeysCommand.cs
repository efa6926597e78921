using System.CommandLine;
using Eddy.Streams.Encryption;

namespace Eddy.Host;

/// <summary>
/// <c>eddy keys list</c> and <c>eddy keys create --alias NAME</c>: the master keys of encryption at rest
/// (<c>&lt;data-dir&gt;/keys/keystore.json</c>, docs/formats/key-store.md). Safe while the server runs: it picks up a new key
/// the first time a StartStreamEncryption names it.
/// </summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        Option<string> DataDir() => new("--data-dir") { Description = "Data directory of the server; the key store is <data-dir>/keys.", DefaultValueFactory = _ => "./data" };
        Option<string> Region() => new("--region") { Description = "Region in key ARNs (as the server's --region).", DefaultValueFactory = _ => "us-east-1" };
        Option<string> Account() => new("--account") { Description = "Account in key ARNs (as the server's --account).", DefaultValueFactory = _ => "000000000000" };

        var listDir = DataDir();
        var listRegion = Region();
        var listAccount = Account();
        var list = new Command("list", "List the master keys (key id, ARN, aliases, state, creation time); never prints key material.")
        {
            listDir, listRegion, listAccount,
        };
        list.SetAction(async parse =>
        {
            var store = Open(parse.GetValue(listDir)!, parse.GetValue(listRegion)!, parse.GetValue(listAccount)!);
            if (store is null) return 1;
            if (store.Keys.Count == 0) await Console.Out.WriteLineAsync($"no keys in {store.FilePath}").ConfigureAwait(false);
            foreach (var key in store.Keys)
            {
                var aliases = store.Aliases.Where(a => a.Value == key.Id).Select(a => a.Key).Order(StringComparer.Ordinal);
                var created = DateTimeOffset.FromUnixTimeMilliseconds(key.CreatedMs).ToString("u", System.Globalization.CultureInfo.InvariantCulture);
                await Console.Out.WriteLineAsync(
                    $"{key.Id}\t{key.Arn}\t{(key.Enabled ? "Enabled" : "Disabled")}\t{created}\t{string.Join(',', aliases)}").ConfigureAwait(false);
            }
            return 0;
        });

        var createDir = DataDir();
        var createRegion = Region();
        var createAccount = Account();
        var alias = new Option<string?>("--alias") { Description = "Alias for the new key, alias/NAME or NAME (e.g. alias/orders)." };
        var description = new Option<string?>("--description") { Description = "Free text kept with the key." };
        var create = new Command("create", "Create a random 256-bit master key (optionally with an alias) and print its key id and ARN.")
        {
            createDir, createRegion, createAccount, alias, description,
        };
        create.SetAction(async parse =>
        {
            var store = Open(parse.GetValue(createDir)!, parse.GetValue(createRegion)!, parse.GetValue(createAccount)!);
            if (store is null) return 1;
            try
            {
                var key = store.Create(parse.GetValue(alias), parse.GetValue(description));
                await Console.Out.WriteLineAsync($"{key.Id}\t{key.Arn}").ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"eddy: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });

        return new Command("keys", "Master keys for encryption at rest (StartStreamEncryption KeyIds).") { list, create };
    }

    private static KeyStore? Open(string dataDir, string region, string account)
    {
        var directory = Path.Combine(dataDir, "keys");
        try
        {
            return new KeyStore(directory, region, account);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException or FormatException)
        {
            Console.Error.WriteLine($"eddy: cannot read the key store in {directory}: {e.Message}");
            return null;
        }
    }
}
