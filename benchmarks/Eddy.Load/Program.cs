using System.Text.Json;

namespace Eddy.Load;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        LoadOptions o;
        try
        {
            o = LoadOptions.Parse(args);
        }
        catch (UsageException e)
        {
            if (e.Message != "usage")
            {
                Console.Error.WriteLine("error: " + e.Message);
                Console.Error.WriteLine();
            }

            Console.Error.WriteLine(LoadOptions.Usage);
            return e.Message == "usage" ? 0 : 2;
        }

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        try
        {
            return await RunAsync(o, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Console.Error.WriteLine("interrupted");
            return 2;
        }
        catch (Exception e) when (e is EddyServiceException or HttpRequestException or InvalidOperationException or JsonException or IOException or InvalidDataException
                                   or Eddy.Protocol.EventStream.EventStreamFormatException)
        {
            Console.Error.WriteLine("fatal: " + e.Message);
            return 2;
        }
    }

    private static async Task<int> RunAsync(LoadOptions o, CancellationToken ct)
    {
        if (o.Verb == "firehose")
        {
            var firehose = await FirehoseRunner.RunAsync(o, ct);
            Console.WriteLine(o.Json
                ? Report.Json(new Dictionary<string, string> { ["tool"] = "Eddy.Load", ["verb"] = o.Verb, ["endpoint"] = o.Endpoint.ToString() }, [firehose])
                : Report.Table($"Eddy.Load firehose — endpoint {o.Endpoint}: {o.Batch} x {o.RecordSize} B per call, concurrency {o.Concurrency}, {o.DurationSeconds} s, {o.Compression}", [firehose]));
            return firehose.Problems == 0 ? 0 : 1;
        }

        PutManifest? loaded = o.Verb == "readback" && o.Manifest is not null ? PutManifest.Load(o.Manifest) : null;
        string stream = o.Stream ?? loaded?.StreamName ?? $"eddy-load-{Guid.NewGuid():N}"[..22];
        int connections = o.Concurrency + Math.Max(o.Shards, 1) + EndToEndLatencyRunner.MaxInFlight + 4;
        using var client = new KinesisClient(o.ClientOptions(connections));
        var phases = new List<PhaseResult>();
        bool created = false;

        if (o.Verb != "readback")
        {
            Report.Progress($"stream {stream}: creating with {o.Shards} shards (or reusing) on {o.Endpoint}");
            created = await StreamAdmin.EnsureActiveAsync(client, stream, o.Shards, ct);
            Report.Progress($"stream {stream}: ACTIVE{(created ? "" : " (already existed)")}");
        }

        try
        {
            switch (o.Verb)
            {
                case "put":
                    {
                        Report.Progress(o.Records > 0 ? $"put: {o.Records:#,0} records" : $"put: {o.DurationSeconds} s");
                        (PhaseResult put, PutManifest manifest) = await PutRunner.RunAsync(client, o, stream, ct);
                        phases.Add(put);
                        if (o.Manifest is not null)
                        {
                            manifest.Save(o.Manifest);
                            Report.Progress($"put: acknowledgements saved to {o.Manifest}; verify with: readback --manifest {o.Manifest}");
                        }

                        break;
                    }

                case "readback":
                    if (loaded is not null && o.Stream is not null && o.Stream != loaded.StreamName)
                    {
                        throw new InvalidOperationException($"--stream {o.Stream} differs from the manifest's stream {loaded.StreamName}");
                    }

                    Report.Progress($"readback: stream {stream}{(loaded is null ? " (no manifest: order and duplicate checks only)" : "")}");
                    phases.Add(await ReadbackRunner.RunAsync(client, o, stream, loaded, ct));
                    break;
                case "putrecord-latency":
                    Report.Progress($"putrecord-latency: {o.Count} sequential PutRecord calls");
                    phases.Add(await PutRecordLatencyRunner.RunAsync(client, o, stream, ct));
                    break;
                case "e2e-latency":
                    Report.Progress($"e2e-latency: {o.Count} records at {o.Rate}/s");
                    phases.Add(await EndToEndLatencyRunner.RunAsync(client, o, stream, ct));
                    break;
                case "subscribe-latency":
                    Report.Progress($"subscribe-latency: {o.Count} records at {o.Rate}/s"
                        + (o.BackgroundRate > 0 ? $", background {o.BackgroundRate:#,0} records/s" : "") + (o.Http2 ? ", HTTP/2" : ", HTTP/1.1"));
                    phases.Add(await SubscribeLatencyRunner.RunAsync(client, o, stream, ct));
                    break;
                case "full":
                    {
                        Report.Progress(o.Records > 0 ? $"put: {o.Records:#,0} records" : $"put: {o.DurationSeconds} s");
                        (PhaseResult put, PutManifest manifest) = await PutRunner.RunAsync(client, o, stream, ct);
                        phases.Add(put);
                        if (o.Manifest is not null)
                        {
                            manifest.Save(o.Manifest);
                        }

                        Report.Progress("readback: from TRIM_HORIZON, verifying every acknowledged record");
                        phases.Add(await ReadbackRunner.RunAsync(client, o, stream, manifest, ct));
                        Report.Progress($"putrecord-latency: {o.Count} sequential PutRecord calls");
                        phases.Add(await PutRecordLatencyRunner.RunAsync(client, o, stream, ct));
                        Report.Progress($"e2e-latency: {o.Count} records at {o.Rate}/s");
                        phases.Add(await EndToEndLatencyRunner.RunAsync(client, o, stream, ct));
                        break;
                    }
            }
        }
        finally
        {
            bool delete = created && !o.Keep && o.Verb != "put";
            if (delete)
            {
                try
                {
                    await StreamAdmin.DeleteAsync(client, stream, CancellationToken.None);
                    Report.Progress($"stream {stream}: deleted");
                }
                catch (Exception e) when (e is EddyServiceException or HttpRequestException or TaskCanceledException)
                {
                    Report.Progress($"stream {stream}: DeleteStream failed: {PutRunner.Describe(e)}");
                }
            }
            else if (o.Verb != "readback")
            {
                Report.Progress($"stream {stream}: kept");
            }
        }

        var context = new Dictionary<string, string>
        {
            ["tool"] = "Eddy.Load",
            ["verb"] = o.Verb,
            ["endpoint"] = o.Endpoint.ToString(),
            ["stream"] = stream,
            ["timestampUtc"] = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (o.Json)
        {
            Console.WriteLine(Report.Json(context, phases));
        }
        else
        {
            string put = $"{o.Shards} shards, {o.RecordSize} B records, batch {o.Batch}, concurrency {o.Concurrency}, "
                + (o.Records > 0 ? $"{o.Records} records" : $"{o.DurationSeconds} s");
            string details = o.Verb switch
            {
                "put" => put,
                "readback" => $"Limit {ReadbackRunner.Limit}",
                "putrecord-latency" => $"{o.RecordSize} B records, {o.Count} calls",
                "e2e-latency" => $"{o.RecordSize} B records, {o.Count} records at {o.Rate}/s",
                "subscribe-latency" => $"{o.Shards} shards, {o.RecordSize} B records, {o.Count} records at {o.Rate}/s, "
                    + (o.BackgroundRate > 0 ? $"background {o.BackgroundRate:#,0} records/s (batch {o.Batch}, concurrency {o.Concurrency}), " : "no background load, ")
                    + (o.Http2 ? "HTTP/2 (h2c)" : "HTTP/1.1"),
                _ => $"{put}; latency phases: {o.Count} records, e2e at {o.Rate}/s",
            };
            string header = $"Eddy.Load {o.Verb} — endpoint {o.Endpoint}, stream {stream}: {details}";
            Console.WriteLine(Report.Table(header, phases));
        }

        return phases.Sum(p => p.Problems) == 0 ? 0 : 1;
    }
}
