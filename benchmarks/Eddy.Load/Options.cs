using System.Globalization;

namespace Eddy.Load;

/// <summary>Command-line options shared by all verbs.</summary>
public sealed class LoadOptions
{
    public string Verb { get; private set; } = "";
    public Uri Endpoint { get; private set; } = new("http://127.0.0.1:4567/");
    public string? Stream { get; private set; }
    public int Shards { get; private set; } = 4;
    public int RecordSize { get; private set; } = 1024;
    public int Batch { get; private set; } = 500;
    public int Concurrency { get; private set; } = 4;
    public double DurationSeconds { get; private set; } = 10;
    public long Records { get; private set; }
    public int Count { get; private set; } = 2000;
    public double Rate { get; private set; } = 200;
    public int Keys { get; private set; } = 1000;
    public string? Manifest { get; private set; }
    public bool Keep { get; private set; }
    public bool Json { get; private set; }
    public double TimeoutSeconds { get; private set; } = 30;
    public double ReadTimeoutSeconds { get; private set; } = 300;
    public int PollDelayMs { get; private set; }
    public string Region { get; private set; } = "us-east-1";
    public bool Http2 { get; private set; }
    public double BackgroundRate { get; private set; }
    public string? Consumer { get; private set; }
    public string? AccessKey { get; private set; }
    public string? SecretKey { get; private set; }
    public int MaxAttempts { get; private set; } = 1;
    public string Bucket { get; private set; } = "eddy-load";
    public string Compression { get; private set; } = "UNCOMPRESSED";

    /// <summary>The key requests are signed with when none is given (Eddy's default accepts any key, but only signed requests).</summary>
    public const string DummyKey = "eddy-load";

    /// <summary>Eddy.Client's options for a transport of <paramref name="connections"/> pooled connections.</summary>
    public EddyClientOptions ClientOptions(int connections, bool http2 = false) => new()
    {
        Endpoint = Endpoint,
        Region = Region,
        Credentials = new AwsCredentials(AccessKey ?? DummyKey, SecretKey ?? DummyKey),
        MaxConnectionsPerServer = connections,
        RequestTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
        HttpVersion = http2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
        Retry = new Eddy.Client.Retries.RetryOptions { MaxAttempts = MaxAttempts },
    };

    public const string Usage = """
        Eddy.Load — load and verification tool for Kinesis-compatible endpoints.

        usage: Eddy.Load <verb> [options]

        verbs:
          put                 create the stream (unless it exists), run PutRecords for --duration or --records
          putrecord-latency   --count sequential PutRecord calls, latency percentiles
          readback            read every shard from TRIM_HORIZON; verifies against --manifest if given
          e2e-latency         put→visible latency: a LATEST reader per shard, one writer at --rate
          subscribe-latency   put→pushed latency: a stream consumer, one SubscribeToShard per shard (event stream),
                              one writer at --rate, optional --background-rate PutRecords load
          full                put + readback + putrecord-latency + e2e-latency, one summary
          firehose            a Firehose delivery stream (1 MiB / 0 s hints) into --bucket (create it first:
                              aws s3 mb): PutRecordBatch for --duration, then wait until all is delivered;
                              ingest MiB/s, delivery MiB/s, data freshness p50/p99

        options:
          --endpoint URL        endpoint (default http://127.0.0.1:4567)
          --access-key ID --secret-key SECRET
                                the key requests are SigV4-signed with (eddy serve --auth on needs one of its
                                --credentials); default: access key and secret "eddy-load" (any key: --auth off)
          --stream NAME         stream name (default: eddy-load-<random>; an existing ACTIVE stream is reused)
          --shards N            shard count when creating (default 4)
          --record-size B       Data bytes per record, >= 24 (default 1024)
          --batch N             records per PutRecords call, 1..500 (default 500)
          --concurrency N       PutRecords calls in flight (default 4)
          --duration S          put phase length in seconds (default 10)
          --records N           put exactly N records instead of running for --duration
          --count N             calls for putrecord-latency / records for e2e-latency and subscribe-latency (default 2000)
          --rate N              e2e-latency / subscribe-latency records per second (default 200)
          --keys N              partition-key pool size (default 1000)
          --manifest PATH       put: save the acknowledgements there; readback: verify against them
          --keep                full/e2e-latency/subscribe-latency/putrecord-latency: do not delete a stream this tool created
          --json                print results as JSON instead of a table
          --bucket NAME         firehose: the destination bucket (default eddy-load)
          --compression C       firehose: UNCOMPRESSED, GZIP, ZIP, Snappy or HADOOP_SNAPPY (default UNCOMPRESSED)
          --timeout S           per-attempt timeout, request sent to answer read (default 30)
          --max-attempts N      attempts per call (default 1: a failed call counts as failed); N > 1 retries throttling,
                                5xx and connection failures with AWS's standard backoff (a retried PutRecords may store
                                its records twice: readback then reports duplicates)
          --read-timeout S      upper bound for readback and for e2e-latency draining (default 300)
          --poll-delay-ms N     pause between empty GetRecords polls in e2e-latency (default 0: tight loop)
          --region R            region of the SigV4 credential scope (default us-east-1)
          --http2               subscribe-latency: SubscribeToShard over HTTP/2 with prior knowledge (h2c); default HTTP/1.1
          --background-rate N   subscribe-latency: background records/s, PutRecords of --batch records, --concurrency in flight (default 0)
          --consumer NAME       subscribe-latency: consumer name (default eddy-load-<random>; deregistered at the end if registered here)

        exit codes: 0 ok; 1 verification failures, failed records or failed calls; 2 usage or fatal error.
        """;

    public static LoadOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            throw new UsageException(null);
        }

        var o = new LoadOptions { Verb = args[0] };
        if (o.Verb is not ("put" or "putrecord-latency" or "readback" or "e2e-latency" or "subscribe-latency" or "full" or "firehose"))
        {
            throw new UsageException($"unknown verb '{o.Verb}'");
        }

        for (int i = 1; i < args.Length; i++)
        {
            string name = args[i];
            string? inline = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (name.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"{name} needs a value");
                }

                return args[++i];
            }

            switch (name)
            {
                case "--endpoint":
                    string ep = Value();
                    if (!Uri.TryCreate(ep, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                    {
                        throw new UsageException($"--endpoint: not an http(s) URL: {ep}");
                    }

                    o.Endpoint = uri;
                    break;
                case "--stream": o.Stream = Value(); break;
                case "--access-key": o.AccessKey = Value(); break;
                case "--secret-key": o.SecretKey = Value(); break;
                case "--shards": o.Shards = Int(name, Value(), 1, 10000); break;
                case "--record-size": o.RecordSize = Int(name, Value(), RecordFormat.HeaderSize, 1024 * 1024 - RecordFormat.KeyLength); break;
                case "--batch": o.Batch = Int(name, Value(), 1, 500); break;
                case "--concurrency": o.Concurrency = Int(name, Value(), 1, 4096); break;
                case "--duration": o.DurationSeconds = Dbl(name, Value(), 0.1, 86400); break;
                case "--records": o.Records = Int(name, Value(), 1, int.MaxValue); break;
                case "--count": o.Count = Int(name, Value(), 1, 10_000_000); break;
                case "--rate": o.Rate = Dbl(name, Value(), 0.1, 1_000_000); break;
                case "--keys": o.Keys = Int(name, Value(), 1, 1_000_000_000); break;
                case "--manifest": o.Manifest = Value(); break;
                case "--keep": o.Keep = true; break;
                case "--json": o.Json = true; break;
                case "--timeout": o.TimeoutSeconds = Dbl(name, Value(), 0.1, 3600); break;
                case "--max-attempts": o.MaxAttempts = Int(name, Value(), 1, 100); break;
                case "--read-timeout": o.ReadTimeoutSeconds = Dbl(name, Value(), 1, 86400); break;
                case "--poll-delay-ms": o.PollDelayMs = Int(name, Value(), 0, 60_000); break;
                case "--region": o.Region = Value(); break;
                case "--http2": o.Http2 = true; break;
                case "--background-rate": o.BackgroundRate = Dbl(name, Value(), 0, 10_000_000); break;
                case "--consumer": o.Consumer = Value(); break;
                case "--bucket": o.Bucket = Value(); break;
                case "--compression": o.Compression = Value(); break;
                case "-h" or "--help": throw new UsageException(null);
                default: throw new UsageException($"unknown option '{name}'");
            }
        }

        if (o.Stream is not null && (o.Stream.Length is 0 or > 128 || !o.Stream.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')))
        {
            throw new UsageException("--stream: 1-128 characters of [a-zA-Z0-9_.-]");
        }

        if (o.Consumer is not null && (o.Consumer.Length is 0 or > 128 || !o.Consumer.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')))
        {
            throw new UsageException("--consumer: 1-128 characters of [a-zA-Z0-9_.-]");
        }

        if (o.Verb == "readback" && o.Stream is null && o.Manifest is null)
        {
            throw new UsageException("readback needs --stream or --manifest");
        }

        if ((o.AccessKey is null) != (o.SecretKey is null))
        {
            throw new UsageException("--access-key and --secret-key go together");
        }

        return o;
    }

    private static int Int(string name, string text, long min, long max)
    {
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
        {
            throw new UsageException($"{name}: expected an integer in [{min}, {max}], got '{text}'");
        }

        return (int)v;
    }

    private static double Dbl(string name, string text, double min, double max)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < min || v > max)
        {
            throw new UsageException($"{name}: expected a number in [{min}, {max}], got '{text}'");
        }

        return v;
    }
}

public sealed class UsageException(string? message) : Exception(message ?? "usage");
