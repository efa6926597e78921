using System.CommandLine;
using System.Security.Cryptography;
using Eddy.Catalog;
using Eddy.Core;
using Eddy.Core.Firehose;
using Eddy.Core.Functions;
using Eddy.Core.Glue;
using Eddy.Core.Objects;
using Eddy.Firehose;
using Eddy.Firehose.Hosting;
using Eddy.Functions;
using Eddy.Functions.Hosting;
using Eddy.Glue.Hosting;
using Eddy.Objects;
using Eddy.Server;
using Eddy.Server.Auth;
using Eddy.Server.Firehose;
using Eddy.Server.Functions;
using Eddy.Server.Glue;
using Eddy.Server.Kinesis;
using Eddy.Server.Kinesis.Limits;
using Eddy.Server.S3;
using Eddy.Storage;
using Eddy.Streams;
using Eddy.Streams.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Eddy.Host;

/// <summary><c>eddy serve</c>: the composition root. Opens the store and the engine and serves the Kinesis API.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one).", DefaultValueFactory = _ => 4567 };
        var dataDir = new Option<string>("--data-dir") { Description = "Directory of the catalog and the segment logs.", DefaultValueFactory = _ => "./data" };
        var inMemory = new Option<bool>("--in-memory") { Description = "Keep everything in memory (nothing survives a restart)." };
        var fsync = new Option<string>("--fsync") { Description = "always: fsync every group commit before acknowledging; interval: write before acknowledging, fsync every second (survives kill -9, not power loss).", DefaultValueFactory = _ => "always" };
        fsync.AcceptOnlyFromAmong("always", "interval");
        var stateDelay = new Option<int>("--state-delay-ms") { Description = "How long CREATING, UPDATING and DELETING last (0: the change is done when the call returns).", DefaultValueFactory = _ => 0 };
        var firehoseRetryMs = new Option<int>("--firehose-retry-max-ms") { Description = "Longest wait between two attempts of a failed Firehose delivery (backoff from 1 s, doubling).", DefaultValueFactory = _ => 30_000 };
        var firehoseS3 = new Option<string?>("--firehose-s3-endpoint") { Description = "Deliver Firehose's S3 objects (destinations, backups, error output) to this S3-compatible endpoint instead of the embedded bucket store: path-style, region --region, credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY." };
        var shardLimit = new Option<int>("--shard-limit") { Description = "Open shards allowed per account.", DefaultValueFactory = _ => 500 };
        var segmentMb = new Option<int>("--segment-mb") { Description = "Segment file size in MiB.", DefaultValueFactory = _ => 64 };
        var region = new Option<string>("--region") { Description = "Region in ARNs.", DefaultValueFactory = _ => "us-east-1" };
        var account = new Option<string>("--account") { Description = "12-digit account id in ARNs.", DefaultValueFactory = _ => "000000000000" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level.", DefaultValueFactory = _ => LogLevel.Warning };
        var shardLimits = new Option<string>("--shard-limits") { Description = "off: no throughput limits; aws: AWS's per-shard limits (1 MiB/s and 1000 records/s in, 2 MiB/s and 5 GetRecords/s out) on every stream. A stream's tag eddy:shard-limits=aws|off overrides it.", DefaultValueFactory = _ => "off" };
        shardLimits.AcceptOnlyFromAmong("off", "aws");
        var faults = new Option<string>("--fault-injection") { Description = "The /_eddy/faults admin endpoint and its rules: on, off, or auto (on only while auth is off: the admin endpoint is not authenticated).", DefaultValueFactory = _ => "auto" };
        faults.AcceptOnlyFromAmong("on", "off", "auto");
        var functions = new Option<string[]>("--function") { Description = "Map a function NAME (what a Lambda ARN's function name matches) to the URL that answers it: NAME=URL, repeatable. Stored in the function map (/_eddy/functions).", Arity = ArgumentArity.ZeroOrMore };
        var tls = new TransportOptions();
        var auth = new AuthOptions();

        var command = new Command("serve", "Run the Eddy server.") { host, port, dataDir, inMemory, fsync, stateDelay, firehoseRetryMs, firehoseS3, shardLimit, shardLimits, faults, functions, segmentMb, region, account, logLevel };
        tls.AddTo(command);
        auth.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var code = await ServeAsync(parse, cancellation).ConfigureAwait(false);
            if (code == 0) Console.WriteLine("Eddy stopped"); // after the store was flushed and closed
            return code;
        });
        return command;

        async Task<int> ServeAsync(ParseResult parse, CancellationToken cancellation)
        {
            var memory = parse.GetValue(inMemory);
            List<FunctionBinding> bindings = [];
            foreach (var text in parse.GetValue(functions) ?? [])
            {
                try
                {
                    bindings.Add(FunctionBinding.Parse(text));
                }
                catch (FunctionException e)
                {
                    await Console.Error.WriteLineAsync($"eddy: --function {text}: {e.Message}").ConfigureAwait(false);
                    return 1;
                }
            }
            S3ObjectStore? external = null;
            if (parse.GetValue(firehoseS3) is { } s3Endpoint)
            {
                var accessKey = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
                var secretKey = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
                if (!Uri.TryCreate(s3Endpoint, UriKind.Absolute, out var s3Uri) || s3Uri.Scheme is not ("http" or "https"))
                {
                    await Console.Error.WriteLineAsync($"eddy: --firehose-s3-endpoint {s3Endpoint}: not an http:// or https:// URL.").ConfigureAwait(false);
                    return 1;
                }
                if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
                {
                    await Console.Error.WriteLineAsync("eddy: --firehose-s3-endpoint needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.").ConfigureAwait(false);
                    return 1;
                }
                external = new S3ObjectStore(new S3StoreOptions(s3Endpoint, parse.GetValue(region)!, accessKey, secretKey));
            }
            using var deliveryStore = external;
            var directory = Path.GetFullPath(parse.GetValue(dataDir)!);
            DataDirectoryLock? owned = null;
            if (!memory)
            {
                try
                {
                    owned = DataDirectoryLock.Acquire(directory);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    var advice = e is DataDirectoryInUseException ? "; stop it or pass another --data-dir" : "";
                    await Console.Error.WriteLineAsync($"eddy: {(e is DataDirectoryInUseException ? e.Message : $"cannot use the data directory {directory}: {e.Message}")}{advice}.").ConfigureAwait(false);
                    return 1;
                }
            }
            using var directoryLock = owned;
            // One logger factory for the store, the engine and the web host. A start-up failure (a port in use) is
            // reported below in one line; the host would log it again with the whole stack trace.
            using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(parse.GetValue(logLevel))
                .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical));
            await using ILogStore logs = memory
                ? new MemoryLogStore()
                : new FileLogStore(new LogStoreOptions
                {
                    Directory = Path.Combine(directory, "logs"),
                    Fsync = parse.GetValue(fsync) == "interval" ? FsyncPolicy.Interval : FsyncPolicy.Always,
                    SegmentBytes = parse.GetValue(segmentMb) * 1024L * 1024,
                    Logger = logging.CreateLogger("Eddy.Storage"),
                });
            ICatalogStore opened;
            try
            {
                opened = memory ? new MemoryCatalogStore() : SqliteCatalogStore.Open(Path.Combine(directory, "catalog.db"));
            }
            catch (CatalogException e)
            {
                await Console.Error.WriteLineAsync($"eddy: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            await using var catalog = opened;
            // Data Streams runs in a host of its own (AddEddyStreams: the engine and its background loops as hosted
            // services), started before the web host and stopped after it: in-flight requests finish and are answered
            // first, then the loops stop, the engine is disposed, and last the catalog and the logs flush and close.
            var streamsBuilder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            streamsBuilder.Services.AddSingleton<IHostLifetime, SignalsOwnedElsewhere>(); // the web host handles SIGTERM and Ctrl-C
            streamsBuilder.Services.AddSingleton(logging);
            streamsBuilder.Services.AddSingleton(logs);
            streamsBuilder.Services.AddSingleton(catalog);
            streamsBuilder.Services.AddEddyStreams(new EngineOptions
            {
                DataDirectory = memory ? null : directory,
                Account = parse.GetValue(account)!,
                Region = parse.GetValue(region)!,
                StateDelay = TimeSpan.FromMilliseconds(parse.GetValue(stateDelay)),
                ShardLimit = parse.GetValue(shardLimit),
                ShardLimits = parse.GetValue(shardLimits) == "aws",
                Logger = logging.CreateLogger("Eddy.Streams"),
            });
            streamsBuilder.Services.AddEddyFunctions(new FunctionsOptions
            {
                Region = parse.GetValue(region)!,
                Account = parse.GetValue(account)!,
                StartupFunctions = bindings,
            });
            // A delivery stream's ProcessingConfiguration runs through the functions (Firehose picks the processor up).
            streamsBuilder.Services.AddEddyFirehoseProcessing();
            // The bucket store (<data-dir>/s3): S3's API serves it, Firehose delivers into the same instance (DI: IObjectStore).
            IObjectStore objects = memory ? new MemoryObjectStore() : FileObjectStore.Open(Path.Combine(directory, "s3"));
            // Firehose in the same host, after Data Streams (a Kinesis-sourced delivery stream reads its shards), on the
            // same log store and catalog; stopping it flushes every buffer.
            streamsBuilder.Services.AddSingleton(objects);
            // The Glue Data Catalog (catalog area glue): the Glue API serves it, Firehose reads conversion schemas from it.
            streamsBuilder.Services.AddEddyGlue(parse.GetValue(account)!);
            streamsBuilder.Services.AddEddyFirehose(new FirehoseOptions
            {
                Account = parse.GetValue(account)!,
                Region = parse.GetValue(region)!,
                StateDelay = TimeSpan.FromMilliseconds(parse.GetValue(stateDelay)),
                RetryMaxDelay = TimeSpan.FromMilliseconds(Math.Max(1000, parse.GetValue(firehoseRetryMs))),
                DeliveryObjects = external,
                Logger = logging.CreateLogger("Eddy.Firehose"),
            });
            var streams = streamsBuilder.Build();
            await using var disposeStreams = (IAsyncDisposable)streams; // the engine is asynchronously disposable
            await streams.StartAsync(cancellation).ConfigureAwait(false);
            try
            {
                return await ServeWebAsync(parse, streams.Services, directory, memory, logging, cancellation).ConfigureAwait(false);
            }
            finally
            {
                await streams.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        async Task<int> ServeWebAsync(ParseResult parse, IServiceProvider engines, string directory, bool memory, ILoggerFactory logging, CancellationToken cancellation)
        {
            var engine = engines.GetRequiredService<IStreamEngine>();
            var functionMap = engines.GetRequiredService<IFunctionMap>();
            var firehose = engines.GetRequiredService<FirehoseEngine>();
            var objects = engines.GetRequiredService<IObjectStore>();
            var options = new ServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                LogLevel = parse.GetValue(logLevel),
                LoggerFactory = logging,
                Account = engine.Account,
            };
            options = tls.Apply(parse, options, directory, memory);
            if (parse.GetValue(shardLimits) == "aws")
                options = options with { Filters = [.. options.Filters, new ControlPlaneLimits(engine.Account, TimeProvider.System)] };
            if (!auth.TryApply(parse, options, engine, out options, out var authStatus)) return 1;
            var authOn = options.Filters.OfType<AuthFilter>().Any();
            options = options with { FaultInjection = parse.GetValue(faults) switch { "on" => true, "off" => false, _ => !authOn } };
            WebApplication built;
            try
            {
                built = EddyApplication.Build(options, services => services.AddSingleton<IStreamEngine>(engine).AddSingleton(objects).AddKinesisApi().AddS3Api()
                    .AddSingleton(functionMap).AddSingleton<IAdminEndpoint, FunctionAdminEndpoint>()
                    .AddSingleton<IFirehoseEngine>(firehose).AddSingleton<IFirehoseMetrics>(firehose).AddFirehoseApi()
                    .AddSingleton(engines.GetRequiredService<IGlueDataCatalog>()).AddGlueApi());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                await Console.Error.WriteLineAsync($"eddy: cannot load the TLS certificate: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            await using var app = built;
            try
            {
                await app.StartAsync(cancellation).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                var where = options.TlsPort is { } tlsPort
                    ? $"{options.Host}:{options.Port} or its TLS port {tlsPort} (move it with --tls-port, or --no-tls)"
                    : $"{options.Host}:{options.Port}";
                await Console.Error.WriteLineAsync($"eddy: cannot listen on {where}: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            // The cleartext address comes first: scripts and the test kit take the first line as the endpoint.
            foreach (var address in EddyApplication.Addresses(app)) Console.WriteLine($"Eddy listening on {address}");
            if (EddyApplication.CertificatePemPath(app) is { } pem) Console.WriteLine($"Eddy TLS certificate (trust this file): {pem}");
            Console.WriteLine(authStatus);
            Console.WriteLine(memory ? "Eddy data: in memory (nothing survives a restart)" : $"Eddy data directory: {directory}");
            Console.Out.Flush();
            await app.WaitForShutdownAsync(cancellation).ConfigureAwait(false);
            return 0;
        }
    }
}

/// <summary>The lifetime of a host whose stop is decided by its caller (no signal handlers of its own).</summary>
internal sealed class SignalsOwnedElsewhere : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
