using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eddy.Core;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;
using Eddy.Testing;
using Xunit.Abstractions;

namespace Eddy.Server.Tests;

/// <summary>
/// One real server for the fuzz tier, with a stream whose records were written before any fuzzing: a 3-shard stream
/// <see cref="Stream"/>, <see cref="PreloadedCount"/> records with seeded keys and data, and a registered consumer.
/// </summary>
public sealed class FuzzServerFixture : IAsyncLifetime
{
    public const string Stream = "fuzz";
    public const int PreloadedCount = 300;

    public EddyServer Server { get; private set; } = null!;

    /// <summary>The records written before the fuzzing: sequence number → (partition key, data).</summary>
    public Dictionary<string, (string Key, byte[] Data)> Preloaded { get; } = [];

    public string StreamArn { get; private set; } = "";

    public string ConsumerArn { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0, ExtraArgs = ["--fsync", "interval"] });
        var endpoint = Server.Endpoint;
        await KinesisJson.CallOkAsync(endpoint, "CreateStream", new { StreamName = Stream, ShardCount = 3 });
        await KinesisJson.WaitForStreamStatusAsync(endpoint, Stream);
        StreamArn = (await KinesisJson.CallOkAsync(endpoint, "DescribeStreamSummary", new { StreamName = Stream }))
            .GetProperty("StreamDescriptionSummary").GetProperty("StreamARN").GetString()!;
        ConsumerArn = (await KinesisJson.CallOkAsync(endpoint, "RegisterStreamConsumer", new { StreamARN = StreamArn, ConsumerName = "fuzz-consumer" }))
            .GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!;

        var random = new Random(FuzzTests.Seed);
        for (var batch = 0; batch < PreloadedCount / 100; batch++)
        {
            var records = Enumerable.Range(0, 100).Select(_ =>
            {
                var data = new byte[random.Next(1, 2000)];
                random.NextBytes(data);
                return (Key: "k" + random.Next(1_000_000).ToString(CultureInfo.InvariantCulture), Data: data);
            }).ToList();
            var result = await KinesisJson.CallOkAsync(endpoint, "PutRecords", new
            {
                StreamName = Stream,
                Records = records.Select(r => new { PartitionKey = r.Key, Data = Convert.ToBase64String(r.Data) }),
            });
            Assert.Equal(0, result.GetProperty("FailedRecordCount").GetInt32());
            var i = 0;
            foreach (var entry in result.GetProperty("Records").EnumerateArray())
            {
                Preloaded[entry.GetProperty("SequenceNumber").GetString()!] = records[i++];
            }
        }
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The fuzz tier: bounded and seeded, against one real server process. Mutated JSON and CBOR bodies for every
/// data-plane action (structural mutations of valid requests: wrong types, edge numbers, huge and invalid strings,
/// lone surrogates, invalid UTF-8, deep nesting; then byte flips, insertions, deletions, truncations), and malformed
/// HTTP/1.1 over a raw socket (bad chunking, huge chunk sizes and lengths, bad headers and request lines, truncated
/// bodies, pipelines). Every answer must be below 500, carry a request id and be AWS-shaped (JSON or CBOR
/// <c>{"__type", "message"}</c> with a known error code and no .NET text, or AWS's XML bodies); requests Kestrel
/// rejects before Eddy sees them get an empty 4xx. Afterwards the server is alive and every record written before
/// the fuzzing reads back intact.
/// </summary>
/// <remarks>
/// The seed is fixed (<see cref="Seed"/>), printed, and part of every failure message with the case number and the
/// bytes sent; <c>EDDY_FUZZ_SEED=N</c> runs another seed. Each fact draws from its own generator, so it replays alone.
/// The only 5xx allowed is Kestrel's 505 to a request line whose version is not HTTP/1.x (HTTP's own answer, given
/// before Eddy sees the request); those cases are generated on purpose and marked.
/// </remarks>
[Collection(Name)]
public sealed class FuzzTests(FuzzServerFixture fixture, ITestOutputHelper output) : IClassFixture<FuzzServerFixture>
{
    /// <summary>The fuzz tier runs alone, after the other test classes: its bursts would disturb their timing.</summary>
    public const string Name = "fuzz";

    private const int BodyCases = 1500;
    private const int HttpCases = 400;
    private const int HttpParallelism = 16;
    private const string Json11 = "application/x-amz-json-1.1";

    private static readonly HttpClient s_http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    public static int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("EDDY_FUZZ_SEED"), out var seed) ? seed : 20_260_712;

    private Uri Endpoint => fixture.Server.Endpoint;

    // ---- the one place requests are built (and signed): WireRequests ----------------------------------------------

    private HttpRequestMessage Request(string contentType, string action, byte[] body, bool http2)
    {
        var request = WireRequests.Build(Endpoint, HttpMethod.Post, contentType, "Kinesis_20131202." + action, body);
        if (http2)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return request;
    }

    private string RawHead(string? host, string target, byte[] body, string? framing = null, params string[] extraLines) =>
        WireRequests.RawHead(Endpoint, host, Json11, target, body, framing, extraLines);

    // ---- the facts ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Mutated_json_bodies_get_aws_answers_and_lose_nothing() => await FuzzBodiesAsync(cbor: false);

    [Fact]
    public async Task Mutated_cbor_bodies_get_aws_answers_and_lose_nothing() => await FuzzBodiesAsync(cbor: true);

    [Fact]
    public async Task Malformed_http_gets_4xx_answers_and_loses_nothing()
    {
        var random = new Random(Seed + 3);
        output.WriteLine($"fuzz seed {Seed} (EDDY_FUZZ_SEED={Seed} replays it), {HttpCases} raw HTTP cases");
        var hostPort = $"{Endpoint.Host}:{Endpoint.Port}";
        var seeds = await SeedsAsync();
        var cases = Enumerable.Range(0, HttpCases).Select(_ =>
        {
            var (action, seed) = seeds[random.Next(seeds.Count)];
            return MalformedHttp(random, hostPort, "Kinesis_20131202." + action, Encoding.UTF8.GetBytes(seed.ToJsonString()));
        }).ToList();

        // Many requests stay incomplete on purpose (a body shorter than its length): the server waits for the rest, so
        // each exchange ends when nothing more arrives for a while. The cases run side by side to overlap those waits.
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(HttpParallelism);
        var answers = await Task.WhenAll(cases.Select(async (c, i) =>
        {
            await gate.WaitAsync();
            try
            {
                return (Index: i, Case: c, Responses: await RawHttp.ExchangeAsync(Endpoint, c.Bytes, expected: 4, idle: TimeSpan.FromSeconds(1), timeout: TimeSpan.FromSeconds(30)), Error: null);
            }
            catch (Exception e) when (e is InvalidDataException or OperationCanceledException)
            {
                return (Index: i, Case: c, Responses: new List<RawResponse>(), Error: (string?)("no HTTP/1.1 answer: " + e.Message));
            }
            finally
            {
                gate.Release();
            }
        }));

        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        foreach (var (index, (bytes, label, versionCase), responses, error) in answers)
        {
            if (error is not null) failures.Add(Describe(index, label, bytes, error));
            foreach (var response in responses)
            {
                statuses[response.Status] = statuses.GetValueOrDefault(response.Status) + 1;
                var problem = response.Header("x-amzn-RequestId") is null
                    ? response.Status is >= 400 and < 500 && response.Body.Length == 0 || response.Status == 505 && versionCase
                        ? null
                        : "Kestrel's own answer is not an empty 4xx"
                    : Problem(response.Status, response.Header("Content-Type"), response.Body);
                if (problem is not null) failures.Add(Describe(index, label, bytes, $"{problem}: {response}"));
            }
        }

        output.WriteLine($"{HttpCases} cases in {clock.Elapsed.TotalSeconds:F1} s; {answers.Count(a => a.Responses.Count == 0)} left unanswered (incomplete); statuses: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        await AssertSurvivedAsync(failures);
    }

    private async Task FuzzBodiesAsync(bool cbor)
    {
        var random = new Random(Seed + (cbor ? 2 : 1));
        output.WriteLine($"fuzz seed {Seed} (EDDY_FUZZ_SEED={Seed} replays it), {BodyCases} {(cbor ? "CBOR" : "JSON")} cases");
        var seeds = await SeedsAsync();
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < BodyCases; i++)
        {
            var (action, seed) = seeds[random.Next(seeds.Count)];
            var body = cbor ? MutateCbor(random, action, seed) : MutateJson(random, seed);
            var http2 = i % 3 == 2;
            var label = $"{action} {(cbor ? "CBOR" : "JSON")} over HTTP/{(http2 ? "2" : "1.1")}";
            try
            {
                using var request = Request(cbor ? CborJson.ContentType : Json11, action, body, http2);
                using var response = await s_http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var contentType = response.Content.Headers.ContentType?.MediaType;
                // A subscription that started streams for minutes: its headers are its answer.
                var bytes = contentType == "application/vnd.amazon.eventstream" ? [] : await response.Content.ReadAsByteArrayAsync();
                var problem = response.Headers.Contains("x-amzn-RequestId") ? Problem(status, contentType, bytes) : "no x-amzn-RequestId";
                if (problem is not null) failures.Add(Describe(i, label, body, $"{problem}: HTTP {status} {contentType} {Printable(bytes)}"));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                failures.Add(Describe(i, label, body, "no answer: " + e.Message));
            }
        }

        output.WriteLine($"{BodyCases} cases in {clock.Elapsed.TotalSeconds:F1} s; statuses: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        await AssertSurvivedAsync(failures);
    }

    /// <summary>No failures, the server process alive and answering, and every preloaded record intact.</summary>
    private async Task AssertSurvivedAsync(List<string> failures)
    {
        Assert.True(failures.Count == 0, $"{failures.Count} failing case(s), seed {Seed}:\n" + string.Join("\n", failures.Take(20)));
        Assert.True(fixture.Server.IsRunning, "the server process died:\n" + fixture.Server.Output);
        Assert.True((await KinesisJson.CallAsync(Endpoint, "ListStreams", new { })).IsSuccess);

        var found = new Dictionary<string, (string Key, byte[] Data)>();
        var shards = (await KinesisJson.CallOkAsync(Endpoint, "ListShards", new { StreamName = FuzzServerFixture.Stream })).GetProperty("Shards");
        foreach (var shard in shards.EnumerateArray())
        {
            var iterator = (await KinesisJson.CallOkAsync(Endpoint, "GetShardIterator", new
            {
                StreamName = FuzzServerFixture.Stream,
                ShardId = shard.GetProperty("ShardId").GetString(),
                ShardIteratorType = "TRIM_HORIZON",
            })).GetProperty("ShardIterator").GetString();
            while (iterator is not null)
            {
                var page = await KinesisJson.CallOkAsync(Endpoint, "GetRecords", new { ShardIterator = iterator, Limit = 10000 });
                var records = page.GetProperty("Records");
                foreach (var record in records.EnumerateArray())
                {
                    found[record.GetProperty("SequenceNumber").GetString()!] = (record.GetProperty("PartitionKey").GetString()!, record.GetProperty("Data").GetBytesFromBase64());
                }

                iterator = records.GetArrayLength() == 0 && page.GetProperty("MillisBehindLatest").GetInt64() == 0
                    ? null
                    : page.TryGetProperty("NextShardIterator", out var next) ? next.GetString() : null;
            }
        }

        foreach (var (sequence, (key, data)) in fixture.Preloaded)
        {
            Assert.True(found.TryGetValue(sequence, out var read), $"record {sequence} is gone");
            Assert.Equal(key, read.Key);
            Assert.Equal(data, read.Data);
        }
    }

    // ---- what an answer must be ----------------------------------------------------------------------------------

    private static readonly byte[][] s_awsXml =
    [
        "<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n"u8.ToArray(),
        "<UnknownOperationException/>\n"u8.ToArray(),
    ];

    private static readonly string[] s_internalText = ["Exception of type", "System.", "Microsoft.", "Eddy.Core", "Eddy.Server", "Eddy.Protocol", "Eddy.Streams", "Eddy.Storage", "   at "];

    /// <summary>Null when the answer is one AWS could give; otherwise what is wrong with it.</summary>
    private static string? Problem(int status, string? contentType, byte[] body)
    {
        if (status >= 500) return "a 5xx";
        if (status is >= 200 and < 300) return null;
        if (contentType is null) return s_awsXml.Any(x => x.AsSpan().SequenceEqual(body)) ? null : "an error body that is not AWS's XML";
        string json;
        if (contentType == CborJson.ContentType)
        {
            var decoded = new ArrayBufferWriter<byte>();
            try
            {
                CborJson.ToJson(body, null, decoded);
            }
            catch (CborException)
            {
                return "an error body that is not CBOR";
            }

            json = Encoding.UTF8.GetString(decoded.WrittenSpan);
        }
        else if (contentType is Json11 or "application/json")
        {
            json = Encoding.UTF8.GetString(body);
        }
        else
        {
            return $"an error in content type {contentType}";
        }

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException)
        {
            return "an error body that is not JSON";
        }

        if (contentType == "application/json") root = root.TryGetProperty("Output", out var output) ? output : root;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("__type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            return "an error without __type";
        }

        var code = type.GetString()!;
        if (!Enum.TryParse<ErrorCode>(code.Replace("com.amazon.coral.service#", "", StringComparison.Ordinal), out _)) return $"an unknown __type {code}";
        foreach (var member in root.EnumerateObject())
        {
            if (member.Name is "__type") continue;
            if (member.Name is not ("message" or "Message") || member.Value.ValueKind != JsonValueKind.String) return $"an error member {member.Name}";
            var message = member.Value.GetString()!;
            if (message.Length == 0) return "an empty message";
            if (s_internalText.FirstOrDefault(t => message.Contains(t, StringComparison.Ordinal)) is { } leaked) return $"a message with internal text ({leaked})";
        }

        return null;
    }

    private static string Describe(int index, string label, byte[] sent, string problem) =>
        $"case {index} ({label}): {problem}\n  sent: {Printable(sent)}";

    private static string Printable(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.Take(1500))
        {
            text.Append(b is >= 0x20 and < 0x7F and not (byte)'\\' ? (char)b : $"\\x{b:X2}");
        }

        return bytes.Length > 1500 ? text.Append($"… ({bytes.Length} bytes)").ToString() : text.ToString();
    }

    // ---- valid requests to start from ----------------------------------------------------------------------------

    private async Task<List<(string Action, JsonNode Body)>> SeedsAsync()
    {
        var endpoint = Endpoint;
        const string stream = FuzzServerFixture.Stream;
        var sequence = fixture.Preloaded.Keys.First();
        var iterator = (await KinesisJson.CallOkAsync(endpoint, "GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var nextToken = (await KinesisJson.CallOkAsync(endpoint, "ListShards", new { StreamName = stream, MaxResults = 1 })).GetProperty("NextToken").GetString();
        var arn = fixture.StreamArn;
        var consumer = fixture.ConsumerArn;
        string[] seeds =
        [
            $$"""PutRecord {"StreamName":"{{stream}}","PartitionKey":"pk","Data":"aGVsbG8=","ExplicitHashKey":"1234","SequenceNumberForOrdering":"{{sequence}}"}""",
            $$"""PutRecord {"StreamARN":"{{arn}}","PartitionKey":"p","Data":"AA=="}""",
            $$"""PutRecords {"StreamName":"{{stream}}","Records":[{"PartitionKey":"a","Data":"AQID"},{"PartitionKey":"b","Data":"BAUG","ExplicitHashKey":"0"}]}""",
            $$"""PutRecords {"StreamARN":"{{arn}}","Records":[{"PartitionKey":"c","Data":""}]}""",
            $$"""GetShardIterator {"StreamName":"{{stream}}","ShardId":"shardId-000000000001","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"{{sequence}}"}""",
            $$"""GetShardIterator {"StreamARN":"{{arn}}","ShardId":"shardId-000000000002","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1700000000.5}""",
            $$"""GetRecords {"ShardIterator":"{{iterator}}","Limit":5}""",
            $$"""GetRecords {"ShardIterator":"{{iterator}}","StreamARN":"{{arn}}"}""",
            $$"""ListShards {"StreamName":"{{stream}}","MaxResults":2,"ShardFilter":{"Type":"AT_TRIM_HORIZON"} }""",
            $$"""ListShards {"NextToken":"{{nextToken}}","MaxResults":1}""",
            $$"""ListShards {"StreamARN":"{{arn}}","ShardFilter":{"Type":"FROM_TIMESTAMP","Timestamp":1700000000},"StreamCreationTimestamp":1700000000}""",
            $$"""DescribeStream {"StreamName":"{{stream}}","Limit":1,"ExclusiveStartShardId":"shardId-000000000000"}""",
            $$"""DescribeStreamSummary {"StreamName":"{{stream}}"}""",
            $$"""DescribeStreamSummary {"StreamARN":"{{arn}}"}""",
            $$"""SubscribeToShard {"ConsumerARN":"{{consumer}}","ShardId":"shardId-000000000000","StartingPosition":{"Type":"AT_SEQUENCE_NUMBER","SequenceNumber":"{{sequence}}"} }""",
            $$"""SubscribeToShard {"ConsumerARN":"{{consumer}}","ShardId":"shardId-000000000001","StartingPosition":{"Type":"AT_TIMESTAMP","Timestamp":1700000000} }""",
            $$"""DescribeStreamConsumer {"ConsumerARN":"{{consumer}}"}""",
            $$"""ListStreamConsumers {"StreamARN":"{{arn}}","MaxResults":1}""",
        ];
        return [.. seeds.Select(s => (s[..s.IndexOf(' ', StringComparison.Ordinal)], JsonNode.Parse(s[(s.IndexOf(' ', StringComparison.Ordinal) + 1)..])!))];
    }

    // ---- mutations ---------------------------------------------------------------------------------------------------

    /// <summary>Raw fragments that no JsonNode can hold: they replace a marker string after serialisation.</summary>
    private static readonly byte[][] s_rawValues =
    [
        "\"\\udc00\""u8.ToArray(),
        "\"a\\ud800b\""u8.ToArray(),
        "\"\\ud83d\""u8.ToArray(),
        [(byte)'"', 0xFF, (byte)'"'],
        [(byte)'"', (byte)'a', 0xC3, (byte)'"'],
        [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"'],
        [(byte)'"', 0xC0, 0xAF, (byte)'"'],
        "1e400"u8.ToArray(),
        "-1e400"u8.ToArray(),
        "1e-400"u8.ToArray(),
        "123456789012345678901234567890"u8.ToArray(),
        "-0"u8.ToArray(),
        "0.0000001"u8.ToArray(),
        Encoding.ASCII.GetBytes(new string('[', 300) + new string(']', 300)),
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70)),
        Encoding.ASCII.GetBytes(new string('9', 5000)),
    ];

    private static JsonNode? Interesting(Random random, List<byte[]> raw)
    {
        switch (random.Next(40))
        {
            case 0: return null;
            case 1: return true;
            case 2: return 0;
            case 3: return -1;
            case 4: return int.MaxValue;
            case 5: return (long)int.MaxValue + 1;
            case 6: return long.MinValue;
            case 7: return 1.5;
            case 8: return 1e300;
            case 9: return "";
            case 10: return "a";
            case 11: return new string('a', 129);
            case 12: return new string('9', 40);
            case 13: return new string('x', random.Next(2) == 0 ? 257 : 70_000);
            case 14: return "shardId-999999999999";
            case 15: return "shardId-";
            case 16: return "-1";
            case 17: return "\0";
            case 18: return "AAAA====";
            case 19: return "=";
            case 20: return "🦀 ü";
            case 21: return "arn:aws:kinesis:us-east-1:000000000000:stream/fuzz/consumer/none:1";
            case 22: return Convert.ToBase64String(new byte[random.Next(2) == 0 ? 1_048_577 : 64]);
            case 23: return "LATEST";
            case 24: return "AT_SEQUENCE_NUMBER";
            case 25: return new JsonArray();
            case 26: return new JsonArray(1, null, "x");
            case 27: return new JsonObject();
            case 28: return new JsonObject { ["Type"] = "LATEST", ["SequenceNumber"] = "1" };
            case 29: return new JsonArray([.. Enumerable.Range(0, 501).Select(i => (JsonNode)new JsonObject { ["PartitionKey"] = "p" + i, ["Data"] = "AA==" })]);
            case 30: return "99999999999999999999999999999999999999999999999999";
            case 31: return "340282366920938463463374607431768211456";
            default:
                raw.Add(s_rawValues[random.Next(s_rawValues.Length)]);
                return $"\u0001M{raw.Count - 1}\u0001";
        }
    }

    /// <summary>Every (container, member name or index) of a tree, the root's members first.</summary>
    private static List<(JsonNode Parent, string? Name, int Index)> Slots(JsonNode root)
    {
        var slots = new List<(JsonNode, string?, int)>();
        var pending = new Stack<JsonNode>([root]);
        while (pending.TryPop(out var node))
        {
            if (node is JsonObject o)
            {
                foreach (var (name, value) in o)
                {
                    slots.Add((o, name, -1));
                    if (value is not null) pending.Push(value);
                }
            }
            else if (node is JsonArray a)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    slots.Add((a, null, i));
                    if (a[i] is { } item) pending.Push(item);
                }
            }
        }

        return slots;
    }

    private static JsonNode MutateTree(Random random, JsonNode seed, List<byte[]> raw)
    {
        var root = seed.DeepClone();
        for (var n = random.Next(1, 3); n > 0; n--)
        {
            var slots = Slots(root);
            if (slots.Count == 0) break;
            var (parent, name, index) = slots[random.Next(slots.Count)];
            switch (random.Next(5))
            {
                case 0 when parent is JsonObject o:
                    o.Remove(name!);
                    break;
                case 1 when parent is JsonObject o:
                    o[random.Next(2) == 0 ? "Zz" : name!.ToLowerInvariant() + "_"] = Interesting(random, raw);
                    break;
                default:
                    if (parent is JsonObject obj) obj[name!] = Interesting(random, raw);
                    else ((JsonArray)parent)[index] = Interesting(random, raw);
                    break;
            }
        }

        return root;
    }

    private static byte[] Serialize(JsonNode node, List<byte[]> raw)
    {
        var bytes = Encoding.UTF8.GetBytes(node.ToJsonString());
        for (var i = 0; i < raw.Count; i++)
        {
            var marker = Encoding.ASCII.GetBytes($"\"\\u0001M{i}\\u0001\"");
            var at = bytes.AsSpan().IndexOf(marker);
            if (at >= 0) bytes = [.. bytes.AsSpan(0, at), .. raw[i], .. bytes.AsSpan(at + marker.Length)];
        }

        return bytes;
    }

    private static readonly byte[][] s_jsonTokens =
    [
        "\""u8.ToArray(), "\\"u8.ToArray(), "\\u"u8.ToArray(), "\\ud800"u8.ToArray(), "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(),
        "]"u8.ToArray(), ":"u8.ToArray(), ","u8.ToArray(), "null"u8.ToArray(), "-"u8.ToArray(), "1e999"u8.ToArray(), [0x00], [0xFF],
        [0xC3], [0xED, 0xA0, 0x80], "\n"u8.ToArray(), "\"\\udc00\""u8.ToArray(), "{\"a\":"u8.ToArray(),
    ];

    private static readonly byte[][] s_cborTokens =
    [
        [0x00], [0x17], [0x18], [0x19], [0x1A], [0x1B], [0x1F], [0x20], [0x3B], [0x40], [0x5B], [0x5F], [0x60], [0x7B], [0x7F],
        [0x80], [0x9B], [0x9F], [0xA0], [0xBB], [0xBF], [0xC1], [0xC2], [0xC3], [0xD8], [0xF4], [0xF5], [0xF6], [0xF7], [0xF8],
        [0xF9], [0xFA], [0xFB], [0xFF], [0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x9B, 0, 0, 0, 1, 0, 0, 0, 0],
        [0x7A, 0x7F, 0xFF, 0xFF, 0xFF], [0xC1, 0xFB, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0], [0x62, 0xFF, 0xFE],
    ];

    /// <summary>One to three byte-level changes: overwrite, insert a token, delete, truncate, duplicate a range.</summary>
    private static byte[] MutateBytes(Random random, byte[] bytes, byte[][] tokens)
    {
        var data = new List<byte>(bytes);
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(6))
            {
                case 0 when data.Count > 0:
                    data[at] = (byte)random.Next(256);
                    break;
                case 1:
                case 2:
                    data.InsertRange(at, tokens[random.Next(tokens.Length)]);
                    break;
                case 3:
                    data.RemoveRange(at, Math.Min(random.Next(1, 16), data.Count - at));
                    break;
                case 4:
                    data.RemoveRange(at, data.Count - at);
                    break;
                default:
                    var length = Math.Min(random.Next(1, 32), data.Count - at);
                    data.InsertRange(random.Next(data.Count + 1), data.GetRange(at, length));
                    break;
            }
        }

        return [.. data];
    }

    private static byte[] MutateJson(Random random, JsonNode seed)
    {
        var raw = new List<byte[]>();
        var kind = random.Next(3);
        var bytes = Serialize(kind == 1 ? seed : MutateTree(random, seed, raw), raw);
        return kind == 0 ? bytes : MutateBytes(random, bytes, s_jsonTokens);
    }

    private static byte[] MutateCbor(Random random, string action, JsonNode seed)
    {
        ServiceModel.Kinesis.TryGetOperation(action, out var operation);
        var kind = random.Next(3);
        var tree = kind == 1 ? seed : MutateTree(random, seed, []);
        var cbor = new ArrayBufferWriter<byte>();
        try
        {
            CborJson.ToCbor(Encoding.UTF8.GetBytes(tree.ToJsonString()), operation!.Input, cbor);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException or CborException)
        {
            // a value the model cannot put in CBOR (e.g. a blob that is not base64): start from the valid request
            cbor.Clear();
            CborJson.ToCbor(Encoding.UTF8.GetBytes(seed.ToJsonString()), operation!.Input, cbor);
            kind = 1;
        }

        return kind == 0 ? cbor.WrittenSpan.ToArray() : MutateBytes(random, cbor.WrittenSpan.ToArray(), s_cborTokens);
    }

    /// <summary>A malformed HTTP/1.1 exchange built around a valid request: the bytes, a label, and whether it is one
    /// of the request-line cases whose version is not HTTP/1.x (Kestrel answers those 505).</summary>
    private (byte[] Bytes, string Label, bool VersionCase) MalformedHttp(Random random, string hostPort, string target, byte[] body)
    {
        var head = RawHead(hostPort, target, body);
        byte[] Valid() => [.. Encoding.ASCII.GetBytes(head), .. body];
        byte[] Text(string text) => Encoding.Latin1.GetBytes(text);
        switch (random.Next(9))
        {
            case 0:
                {
                    string[] sizes = ["ffffffffffffffffffff", "-1", "0x10", "zz", "7fffffff", "1;" + new string('e', 10_000), "", " 5", "100000000"];
                    var size = sizes[random.Next(sizes.Length)];
                    return ([.. Text(RawHead(hostPort, target, body, "Transfer-Encoding: chunked") + size + "\r\n"), .. body, .. Text("\r\n0\r\n\r\n")], $"chunk size '{size[..Math.Min(size.Length, 24)]}'", false);
                }

            case 1:
                {
                    // a chunk shorter or longer than it says, or no last chunk
                    var declared = Math.Max(0, body.Length + random.Next(-5, 6));
                    var ending = random.Next(3) switch { 0 => "", 1 => "\r\n", _ => "\r\n0\r\n\r\n" };
                    return ([.. Text(RawHead(hostPort, target, body, "Transfer-Encoding: chunked") + $"{declared:x}\r\n"), .. body, .. Text(ending)], $"chunk of {declared} for {body.Length} bytes, ending '{ending.Replace("\r\n", "|", StringComparison.Ordinal)}'", false);
                }

            case 2:
                {
                    string[] lengths = ["99999999999999999999", "16777217", "2147483648", "-5", "1,1", "1, 2", "0x10", " ", (body.Length + 10).ToString(CultureInfo.InvariantCulture), "1"];
                    var length = lengths[random.Next(lengths.Length)];
                    var extra = random.Next(3) switch { 0 => ["Content-Length: 3"], 1 => ["Transfer-Encoding: chunked"], _ => Array.Empty<string>() };
                    return ([.. Text(RawHead(hostPort, target, body, "Content-Length: " + length, extra)), .. body], $"Content-Length '{length}' + [{string.Join(", ", extra)}]", false);
                }

            case 3:
                {
                    string[] lines = ["Bad Header: x", "NoColon", "X-A\u0001: y", "X-B: \0", "X-Long: " + new string('l', 40_000), " folded", "Host: second",
                    "Host: http://" + hostPort + "/path", ": empty-name", "X-C:\u00ff\u00fe", "Content-Type: application/x-amz-cbor-1.1",
                    string.Concat(Enumerable.Range(0, 150).Select(i => $"X-N{i}: v\r\n")).TrimEnd()];
                    var line = lines[random.Next(lines.Length)];
                    return ([.. Text(RawHead(hostPort, target, body, null, line)), .. body], $"header '{Printable(Text(line[..Math.Min(line.Length, 40)]))}'", false);
                }

            case 4:
                {
                    (string Line, bool Version)[] requestLines =
                    [
                        ("POST  / HTTP/1.1", false), ("post / HTTP/1.1", false), ("P\0ST / HTTP/1.1", false), ($"POST http://{hostPort}/ HTTP/1.1", false),
                    ($"POST http://elsewhere/ HTTP/1.1", false), ("POST /" + new string('a', 10_000) + " HTTP/1.1", false), ("POST / HTTP/1.0", false),
                    ("GET / HTTP/1.1", false), ("POST /%00 HTTP/1.1", false), ("POST * HTTP/1.1", false), ("POST / HTTP/1.2", true),
                    ("POST / HTTP/2.0", true), ("POST / HTTPS/1.1", true), ("POST /", false), ("\u0016\u0003\u0001\0\u0005hello", false),
                ];
                    var (requestLine, versionCase) = requestLines[random.Next(requestLines.Length)];
                    var rest = head[head.IndexOf("\r\n", StringComparison.Ordinal)..];
                    return ([.. Text(requestLine + rest), .. body], $"request line '{Printable(Text(requestLine[..Math.Min(requestLine.Length, 40)]))}'", versionCase);
                }

            case 5:
                {
                    // the body cut short, or nothing after the head
                    var cut = random.Next(body.Length);
                    return ([.. Text(head), .. body.AsSpan(0, cut)], $"body cut at {cut} of {body.Length}", false);
                }

            case 6:
                {
                    // byte changes inside the head (after the request line) or the body
                    var requestLine = head.IndexOf("\r\n", StringComparison.Ordinal) + 2;
                    var valid = Valid();
                    var mutated = MutateBytes(random, valid[requestLine..], s_jsonTokens);
                    return ([.. valid.AsSpan(0, requestLine), .. mutated], "bytes changed after the request line", false);
                }

            case 7:
                {
                    // a good request, then garbage or a second request that breaks
                    byte[] garbage = random.Next(2) == 0 ? Text("GARBAGE\r\n\r\n") : [.. Text(RawHead(hostPort, target, body, "Transfer-Encoding: chunked") + "zz\r\n")];
                    return ([.. Valid(), .. garbage, .. Valid()], "a pipeline with a broken request", false);
                }

            default:
                return ([.. Text(RawHead(hostPort, target, body, null, "Expect: 100-continue")), .. body, .. Valid()], "Expect: 100-continue, pipelined", false);
        }
    }
}

/// <summary>See <see cref="FuzzTests.Name"/>.</summary>
[CollectionDefinition(FuzzTests.Name, DisableParallelization = true)]
public sealed class FuzzCollection;
