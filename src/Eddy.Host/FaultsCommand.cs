using System.CommandLine;
using System.Net;
using Eddy.Client;
using Eddy.Client.Admin;
using Eddy.Client.Http;
using Eddy.Client.Retries;

namespace Eddy.Host;

/// <summary><c>eddy faults list|add|remove|clear</c>: drives a running server's fault-injection admin endpoint
/// (<c>/_eddy/faults</c>).</summary>
internal static class FaultsCommand
{
    private const string DefaultEndpoint = "http://127.0.0.1:4567";

    public static Command Create()
    {
        var endpoint = new Option<string>("--endpoint") { Description = "The server's cleartext address.", DefaultValueFactory = _ => DefaultEndpoint, Recursive = true };
        var maxAttempts = new Option<int>("--max-attempts")
        {
            Description = "Attempts per call, the first included (AWS's standard retries: a connection failure or a 5xx is retried with backoff; adding a rule is retried only when it never reached the server).",
            DefaultValueFactory = _ => RetryOptions.DefaultMaxAttempts,
            Recursive = true,
        };

        var list = new Command("list", "Print the fault rules in force (JSON).");
        list.SetAction((parse, cancellation) => RunAsync(parse, endpoint, maxAttempts, async faults =>
        {
            Console.WriteLine(await faults.ListJsonAsync(cancellation).ConfigureAwait(false));
        }));

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
        add.SetAction((parse, cancellation) => RunAsync(parse, endpoint, maxAttempts, async faults =>
        {
            var spec = new FaultRuleSpec
            {
                Stream = parse.GetValue(stream),
                Actions = parse.GetValue(action)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Error = parse.GetValue(error),
                Rate = parse.GetValue(rate),
                Message = parse.GetValue(message),
                LatencyMs = parse.GetValue(latency),
                LatencyMaxMs = parse.GetValue(latencyMax),
                Throttle = parse.GetValue(throttle) ? true : null,
                DurationSeconds = parse.GetValue(duration),
                Count = parse.GetValue(count),
                Seed = parse.GetValue(seed),
            };
            Console.WriteLine((await faults.AddAsync(spec, cancellation).ConfigureAwait(false)).Id);
        }));

        var id = new Argument<string>("id") { Description = "The rule's id (from add or list)." };
        var remove = new Command("remove", "Remove one fault rule.") { id };
        remove.SetAction((parse, cancellation) => RunAsync(parse, endpoint, maxAttempts, faults => faults.RemoveAsync(parse.GetValue(id)!, cancellation)));

        var clear = new Command("clear", "Remove every fault rule.");
        clear.SetAction((parse, cancellation) => RunAsync(parse, endpoint, maxAttempts, async faults =>
        {
            Console.WriteLine($"removed {await faults.ClearAsync(cancellation).ConfigureAwait(false)} rule(s)");
        }));

        var command = new Command("faults", "Fault injection on a running server: error rates, latency and throttling, per stream or global.")
        {
            list, add, remove, clear,
        };
        command.Options.Add(endpoint);
        command.Options.Add(maxAttempts);
        return command;
    }

    /// <summary>Runs <paramref name="call"/> with an admin client of <c>--endpoint</c>: 0 when it succeeded, 1 when the server
    /// refused it or could not be reached, 3 for an unknown rule, 2 for a bad address.</summary>
    private static async Task<int> RunAsync(ParseResult parse, Option<string> endpointOption, Option<int> maxAttemptsOption, Func<FaultsClient, Task> call)
    {
        var endpoint = parse.GetValue(endpointOption)!;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            await Console.Error.WriteLineAsync($"eddy: --endpoint must be an http:// or https:// address, not '{endpoint}'.").ConfigureAwait(false);
            return 2;
        }
        var maxAttempts = parse.GetValue(maxAttemptsOption);
        if (maxAttempts < 1)
        {
            await Console.Error.WriteLineAsync($"eddy: --max-attempts must be at least 1, not {maxAttempts}.").ConfigureAwait(false);
            return 2;
        }
        using var http = new EddyHttp(new EddyClientOptions { Endpoint = baseUri, Sign = false, Retry = new RetryOptions { MaxAttempts = maxAttempts } });
        try
        {
            await call(new FaultsClient(http)).ConfigureAwait(false);
            return 0;
        }
        catch (EddyServiceException e)
        {
            await Console.Error.WriteLineAsync($"eddy: {(int)e.Status} {(e.ErrorMessage.Length > 0 ? e.ErrorMessage : e.ErrorType)}").ConfigureAwait(false);
            return e.Status == HttpStatusCode.NotFound ? 3 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException { InnerException: TimeoutException })
        {
            await Console.Error.WriteLineAsync($"eddy: cannot reach {new Uri(baseUri, FaultsClient.Path)}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
