using System.CommandLine;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Eddy.Host;

/// <summary><c>eddy faults list|add|remove|clear</c>: drives a running server's fault-injection admin endpoint
/// (<c>/_eddy/faults</c>).</summary>
internal static class FaultsCommand
{
    private const string DefaultEndpoint = "http://127.0.0.1:4567";

    public static Command Create()
    {
        var endpoint = new Option<string>("--endpoint") { Description = "The server's cleartext address.", DefaultValueFactory = _ => DefaultEndpoint, Recursive = true };

        var list = new Command("list", "Print the fault rules in force (JSON).");
        list.SetAction((parse, cancellation) => SendAsync(parse.GetValue(endpoint)!, HttpMethod.Get, "", null, printBody: true, cancellation));

        var stream = new Option<string?>("--stream") { Description = "Only requests on this stream (default: every stream)." };
        var action = new Option<string?>("--action") { Description = "Only these actions, comma-separated (e.g. PutRecords,PutRecord; default: all)." };
        var error = new Option<string?>("--error") { Description = "Answer with this error, e.g. ProvisionedThroughputExceededException, InternalFailure, ServiceUnavailable, LimitExceededException, ExpiredIteratorException." };
        var rate = new Option<double?>("--rate") { Description = "Probability (0..1) of the error or throttling per matching request (default 1)." };
        var message = new Option<string?>("--message") { Description = "Error message (default: AWS's message for the error)." };
        var latency = new Option<int?>("--latency-ms") { Description = "Added latency in milliseconds (the minimum with --latency-max-ms)." };
        var latencyMax = new Option<int?>("--latency-max-ms") { Description = "Draw the latency uniformly between --latency-ms and this." };
        var throttle = new Option<bool>("--throttle") { Description = "Throttle data-plane calls (ProvisionedThroughputExceededException)." };
        var duration = new Option<double?>("--for") { Description = "Remove the rule after this many seconds." };
        var count = new Option<int?>("--count") { Description = "Remove the rule after it has fired this many times." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the rule's random generator (reproducible runs)." };
        var add = new Command("add", "Add a fault rule; prints its id.") { stream, action, error, rate, message, latency, latencyMax, throttle, duration, count, seed };
        add.SetAction((parse, cancellation) =>
        {
            var body = new Dictionary<string, object?>
            {
                ["stream"] = parse.GetValue(stream),
                ["action"] = parse.GetValue(action),
                ["error"] = parse.GetValue(error),
                ["rate"] = parse.GetValue(rate),
                ["message"] = parse.GetValue(message),
                ["latencyMs"] = parse.GetValue(latency),
                ["latencyMaxMs"] = parse.GetValue(latencyMax),
                ["throttle"] = parse.GetValue(throttle) ? true : null,
                ["durationSeconds"] = parse.GetValue(duration),
                ["count"] = parse.GetValue(count),
                ["seed"] = parse.GetValue(seed),
            };
            return SendAsync(parse.GetValue(endpoint)!, HttpMethod.Post, "", ToJson(body), printBody: false, cancellation);
        });

        var id = new Argument<string>("id") { Description = "The rule's id (from add or list)." };
        var remove = new Command("remove", "Remove one fault rule.") { id };
        remove.SetAction((parse, cancellation) =>
            SendAsync(parse.GetValue(endpoint)!, HttpMethod.Delete, "/" + Uri.EscapeDataString(parse.GetValue(id)!), null, printBody: false, cancellation));

        var clear = new Command("clear", "Remove every fault rule.");
        clear.SetAction((parse, cancellation) => SendAsync(parse.GetValue(endpoint)!, HttpMethod.Delete, "", null, printBody: false, cancellation));

        var command = new Command("faults", "Fault injection on a running server: error rates, latency and throttling, per stream or global.")
        {
            list, add, remove, clear,
        };
        command.Options.Add(endpoint);
        return command;
    }

    private static string ToJson(Dictionary<string, object?> members)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (name, value) in members)
            {
                switch (value)
                {
                    case null: break;
                    case string s: w.WriteString(name, s); break;
                    case bool b: w.WriteBoolean(name, b); break;
                    case int i: w.WriteNumber(name, i); break;
                    case double d: w.WriteNumber(name, d); break;
                    default: throw new InvalidOperationException(name);
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static async Task<int> SendAsync(string endpoint, HttpMethod method, string suffix, string? json, bool printBody, CancellationToken cancellation)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            await Console.Error.WriteLineAsync($"eddy: --endpoint must be an http:// or https:// address, not '{endpoint}'.").ConfigureAwait(false);
            return 2;
        }
        var uri = new Uri(baseUri, "/_eddy/faults" + suffix);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(method, uri);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellation).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"eddy: cannot reach {uri}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"eddy: {(int)response.StatusCode} {MessageOf(text) ?? response.ReasonPhrase}").ConfigureAwait(false);
                return response.StatusCode == HttpStatusCode.NotFound ? 3 : 1;
            }
            if (printBody) Console.WriteLine(text);
            else if (method == HttpMethod.Post) Console.WriteLine(Member(text, "id"));
            else if (method == HttpMethod.Delete && suffix.Length == 0)
                Console.WriteLine($"removed {Member(text, "removed")} rule(s)");
            return 0;
        }
    }

    private static string? MessageOf(string json) => Member(json, "message");

    private static string? Member(string json, string name)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(name, out var v)
                ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
