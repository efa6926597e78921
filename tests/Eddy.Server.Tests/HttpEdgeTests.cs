using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Eddy.Core;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>One server (its pipeline in this process) for <see cref="HttpEdgeTests"/>.</summary>
public sealed class EdgeServerFixture : IAsyncLifetime
{
    public InProcessServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await InProcessServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The HTTP layer as AWS answers it (expected bodies and headers as measured against AWS by kinesalite's connection
/// suite), and bad input that must never give a 5xx: bodies that cannot be read, strings that are not text,
/// arithmetic at the edges.
/// </summary>
public sealed class HttpEdgeTests(EdgeServerFixture fixture) : IClassFixture<EdgeServerFixture>
{
    private const string Json11 = "application/x-amz-json-1.1";
    private const string Cbor11 = "application/x-amz-cbor-1.1";
    private const string ListStreams = "Kinesis_20131202.ListStreams";
    private const string AccessDeniedXml =
        "<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n";

    private static readonly HttpClient s_http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });

    private Uri Endpoint => fixture.Server.Endpoint;

    // ---- requests are built (and signed) by WireRequests ---------------------------------------------------------

    private HttpRequestMessage Request(HttpMethod method, string? contentType, string? target, byte[]? body, params (string Name, string Value)[] headers) =>
        WireRequests.Build(Endpoint, method, contentType, target, body, headers);

    private byte[] RawRequest(string host, string? contentType, string target, byte[] body, string? framing = null, bool close = false) =>
        WireRequests.Raw(Endpoint, host, contentType, target, body, framing, close ? ["Connection: close"] : []);

    private async Task<(HttpStatusCode Status, string? ContentType, string Body, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            var response = await s_http.SendAsync(request);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
            var contentType = response.Content.Headers.TryGetValues("Content-Type", out var types) ? string.Join(", ", types) : null;
            return (response.StatusCode, contentType, contentType == Cbor11 ? CborAsJson(bytes) : Encoding.UTF8.GetString(bytes), response);
        }
    }

    private static string CborAsJson(byte[] cbor)
    {
        var json = new ArrayBufferWriter<byte>();
        CborJson.ToJson(cbor, null, json);
        return Encoding.UTF8.GetString(json.WrittenSpan);
    }

    /// <summary>kinesalite's assertBody: status, exact body, Content-Type (or none), x-amzn-RequestId, x-amz-id-2.</summary>
    private async Task AssertAnswerAsync(HttpRequestMessage request, HttpStatusCode status, string? contentType, string body)
    {
        var (actualStatus, actualType, actualBody, response) = await SendAsync(request);
        using (response)
        {
            Assert.Equal((status, contentType, body), (actualStatus, actualType, actualBody));
            AssertRequestIds(response);
        }
    }

    private static void AssertRequestIds(HttpResponseMessage response)
    {
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
        var extended = Convert.FromBase64String(response.Headers.GetValues("x-amz-id-2").Single());
        Assert.InRange(extended.Length, 64, 80);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    // ---- HTTP layer (item 12) ----------------------------------------------------------------------------------

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")] // without Origin it is no preflight
    public async Task Methods_other_than_post_get_the_403_xml_body_without_a_content_type(string method)
    {
        await AssertAnswerAsync(Request(new HttpMethod(method), null, null, null), HttpStatusCode.Forbidden, null, AccessDeniedXml);
    }

    [Theory]
    [InlineData(null, null, "UnknownOperationException")]
    [InlineData("application/x-amz-json-1.0", null, "UnknownOperationException")]
    [InlineData("application/x-amz-json-1.1asdf", null, "UnknownOperationException")]
    [InlineData(null, "Whatever", "UnknownOperationException")]
    [InlineData(null, "Kinesis_20131202.", "UnknownOperationException")]
    [InlineData(null, "Kinesis_20131202.Whatever", "UnknownOperationException")]
    [InlineData(null, "Whatever.Whatever", "UnknownOperationException")]
    [InlineData(null, "Kinesis_20131202.ListStream", "UnknownOperationException")]
    [InlineData("application/json", null, "UnknownOperationException")]
    [InlineData(null, ListStreams, "SerializationException")]
    [InlineData("application/json", ListStreams, "SerializationException")]
    [InlineData(Cbor11, ListStreams, "SerializationException")]
    public async Task An_empty_post_is_answered_in_cbor_unless_it_is_json_1_1(string? contentType, string? target, string type)
    {
        await AssertAnswerAsync(Request(HttpMethod.Post, contentType, target, []), HttpStatusCode.BadRequest, Cbor11, $$"""{"__type":"{{type}}"}""");
    }

    [Theory]
    [InlineData(null, "UnknownOperationException")]
    [InlineData("Kinesis_20131202.Whatever", "UnknownOperationException")]
    [InlineData(ListStreams, "SerializationException")]
    public async Task An_empty_json_1_1_post_is_answered_in_json(string? target, string type)
    {
        await AssertAnswerAsync(Request(HttpMethod.Post, Json11, target, []), HttpStatusCode.BadRequest, Json11, $$"""{"__type":"{{type}}"}""");
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("text/plain", null)]
    [InlineData("text/plain", "Kinesis_20131202.")]
    [InlineData("application/x-amz-json-1.0", "Kinesis_")]
    public async Task A_body_with_an_unknown_content_type_and_no_operation_gets_the_403_xml_body(string? contentType, string? target)
    {
        await AssertAnswerAsync(Request(HttpMethod.Post, contentType, target, Utf8("{}")), HttpStatusCode.Forbidden, null, AccessDeniedXml);
    }

    [Theory]
    [InlineData(null, ListStreams)]
    [InlineData("text/plain", "Kinesis_20131202.Whatever")]
    [InlineData("application/x-amz-json-1.0", "Whatever.ListStreams")]
    public async Task A_body_with_an_unknown_content_type_and_an_operation_gets_the_404_xml_body(string? contentType, string target)
    {
        await AssertAnswerAsync(Request(HttpMethod.Post, contentType, target, Utf8("{}")), HttpStatusCode.NotFound, null, "<UnknownOperationException/>\n");
    }

    [Theory]
    [InlineData("application/json", "{}", HttpStatusCode.NotFound, "UnknownOperationException")]
    [InlineData("application/json", "hello", HttpStatusCode.BadRequest, "SerializationException")]
    [InlineData("     application/json     ;", "hello", HttpStatusCode.BadRequest, "SerializationException")]
    public async Task The_legacy_application_json_content_type_gets_the_coral_envelope(string contentType, string body, HttpStatusCode status, string type)
    {
        await AssertAnswerAsync(Request(HttpMethod.Post, contentType, ListStreams, Utf8(body)), status, "application/json",
            $$"""{"Output":{"__type":"com.amazon.coral.service#{{type}}"},"Version":"1.0"}""");
    }

    [Theory]
    [InlineData(Json11, "hello")]
    [InlineData(Json11, "{")]
    [InlineData(Json11, "[]")]
    [InlineData(Json11, "{} {}")]
    public async Task Unparsable_json_is_a_bare_serialization_exception(string contentType, string body)
    {
        // Before: {"__type":"SerializationException","Message":"Exception of type 'Eddy.Core.KinesisException' was thrown."}
        await AssertAnswerAsync(Request(HttpMethod.Post, contentType, ListStreams, Utf8(body)), HttpStatusCode.BadRequest, Json11, """{"__type":"SerializationException"}""");
        await AssertAnswerAsync(Request(HttpMethod.Post, contentType, "Kinesis_20131202.Nope", Utf8(body)), HttpStatusCode.BadRequest, Json11, """{"__type":"SerializationException"}""");
    }

    [Fact]
    public async Task Unknown_operations_with_a_parsable_body_are_unknown_in_the_request_format()
    {
        await AssertAnswerAsync(Request(HttpMethod.Post, Json11, "Kinesis_20131202.Nope", Utf8("{}")), HttpStatusCode.BadRequest, Json11, """{"__type":"UnknownOperationException"}""");
        await AssertAnswerAsync(Request(HttpMethod.Post, Cbor11, "Kinesis_20131202.Nope", [0xA0]), HttpStatusCode.BadRequest, Cbor11, """{"__type":"UnknownOperationException"}""");
        var (status, _, body, response) = await SendAsync(Request(HttpMethod.Post, Cbor11, "Kinesis_20131202.Nope", [0xBF]));
        response.Dispose();
        Assert.Equal((HttpStatusCode.BadRequest, "SerializationException"), (status, JsonDocument.Parse(body).RootElement.GetProperty("__type").GetString()));
    }

    [Fact]
    public async Task Every_answer_carries_x_amz_id_2_next_to_the_request_id()
    {
        var requests = new[]
        {
            Request(HttpMethod.Post, Json11, ListStreams, Utf8("{}")),
            Request(HttpMethod.Post, Json11, "Kinesis_20131202.DescribeStream", Utf8("""{"StreamName":"no-such-stream"}""")),
            Request(HttpMethod.Post, Cbor11, ListStreams, [0xA0]),
            Request(HttpMethod.Get, null, null, null),
            Request(HttpMethod.Post, "text/plain", ListStreams, Utf8("{}")),
        };
        var ids = new HashSet<string>();
        foreach (var request in requests)
        {
            var (_, _, _, response) = await SendAsync(request);
            using (response)
            {
                AssertRequestIds(response);
                Assert.True(ids.Add(response.Headers.GetValues("x-amz-id-2").Single()), "x-amz-id-2 repeats");
            }
        }
    }

    [Fact]
    public async Task A_cors_preflight_is_200_with_aws_headers_and_no_x_amz_id_2()
    {
        var cases = new (string Name, string Value)[][]
        {
            [("Origin", "whatever")],
            [("Origin", "whatever"), ("Access-Control-Request-Headers", "a, b, c")],
            [("Origin", "whatever"), ("Access-Control-Request-Headers", "a, b, c"), ("Access-Control-Request-Method", "d")],
        };
        foreach (var headers in cases)
        {
            var (status, contentType, body, response) = await SendAsync(Request(HttpMethod.Options, null, null, null, headers));
            using (response)
            {
                Assert.Equal((HttpStatusCode.OK, null, ""), (status, contentType, body));
                Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
                Assert.False(response.Headers.Contains("x-amz-id-2"));
                Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
                Assert.Equal("172800", response.Headers.GetValues("Access-Control-Max-Age").Single());
                var asked = headers.ToDictionary(h => h.Name, h => h.Value);
                Assert.Equal(asked.GetValueOrDefault("Access-Control-Request-Headers"), response.Headers.TryGetValues("Access-Control-Allow-Headers", out var h) ? h.Single() : null);
                Assert.Equal(asked.GetValueOrDefault("Access-Control-Request-Method"), response.Headers.TryGetValues("Access-Control-Allow-Methods", out var m) ? m.Single() : null);
            }
        }
    }

    [Fact]
    public async Task A_request_with_an_origin_is_answered_with_cors_headers()
    {
        foreach (var request in new[]
                 {
                     Request(HttpMethod.Post, null, null, [], ("Origin", "whatever")),
                     Request(HttpMethod.Post, Json11, ListStreams, Utf8("{}"), ("Origin", "https://example.com")),
                 })
        {
            var (_, _, _, response) = await SendAsync(request);
            using (response)
            {
                AssertRequestIds(response);
                Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
                Assert.Equal("x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date",
                    response.Headers.GetValues("Access-Control-Expose-Headers").Single());
            }
        }
    }

    [Fact]
    public async Task A_host_header_written_as_a_url_is_accepted_and_bodies_are_never_taken_for_headers()
    {
        // Before: Kestrel answered an empty 400 to "Host: http://127.0.0.1:port/" and closed the connection.
        var stream = "edge-host-" + Guid.NewGuid().ToString("N")[..6];
        await KinesisJson.CallOkAsync(Endpoint, "CreateStream", new { StreamName = stream, ShardCount = 1 });
        await KinesisJson.WaitForStreamStatusAsync(Endpoint, stream);

        // Data that looks like a request head with a URL Host: it must arrive byte for byte, in a Content-Length body
        // and in a chunked body, on the same keep-alive connection as requests whose Host is a URL.
        var trap = Utf8("\r\n\r\nPOST / HTTP/1.1\r\nHost: http://trap.example/x\r\nContent-Length: 5\r\n\r\n");
        var put1 = Utf8(JsonSerializer.Serialize(new { StreamName = stream, PartitionKey = "a", Data = Convert.ToBase64String(trap) }));
        var put2 = Cbor("PutRecord", $$"""{"StreamName":"{{stream}}","PartitionKey":"b","Data":"{{Convert.ToBase64String(trap)}}"}""");
        var chunked = $"{put2.Length:x}\r\n";
        var hostPort = $"{Endpoint.Host}:{Endpoint.Port}";
        byte[] pipeline =
        [
            .. RawRequest($"http://{hostPort}/", Json11, ListStreams, Utf8("{}")),
            .. RawRequest($"HTTPS://{hostPort}/some/path?query#frag", Json11, "Kinesis_20131202.PutRecord", put1),
            .. RawRequest($"http://{hostPort}", Cbor11, "Kinesis_20131202.PutRecord", put2, "Transfer-Encoding: chunked"),
            .. Utf8(chunked), .. put2, .. Utf8("\r\n0\r\n\r\n"),
            .. RawRequest(hostPort, Json11, ListStreams, Utf8("{}"), close: true),
        ];
        var responses = await RawHttp.ExchangeAsync(Endpoint, pipeline, expected: 4);
        Assert.Equal([200, 200, 200, 200], responses.Select(r => r.Status));
        Assert.All(responses, r => Assert.NotNull(r.Header("x-amz-id-2")));

        var iterator = (await KinesisJson.CallOkAsync(Endpoint, "GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var records = (await KinesisJson.CallOkAsync(Endpoint, "GetRecords", new { ShardIterator = iterator })).GetProperty("Records");
        Assert.Equal(["a", "b"], records.EnumerateArray().Select(r => r.GetProperty("PartitionKey").GetString()));
        Assert.All(records.EnumerateArray(), r => Assert.Equal(trap, r.GetProperty("Data").GetBytesFromBase64()));
    }

    private static byte[] Cbor(string operation, string json)
    {
        ServiceModel.Kinesis.TryGetOperation(operation, out var op);
        var output = new ArrayBufferWriter<byte>();
        CborJson.ToCbor(Utf8(json), op!.Input, output);
        return output.WrittenSpan.ToArray();
    }

    // ---- bad input never gives a 5xx (items 7 to 10) -----------------------------------------------------------------

    /// <summary>UTF-8 of <paramref name="text"/> with each <c>~XX</c> replaced by the raw byte 0xXX.</summary>
    private static byte[] Raw(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '~')
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Utf8(text[i].ToString()));
            }
        }

        return [.. bytes];
    }

    public static TheoryData<string, byte[]> NotText => new()
    {
        { "CreateStream", Raw("{\"StreamName\":\"a~FF\",\"ShardCount\":1}") },
        { "CreateStream", Raw("{\"StreamName\":\"a\\udc00\",\"ShardCount\":1}") },
        { "CreateStream", Raw("{\"StreamName\":\"a\",\"ShardCount\":1,\"Tags\":{\"k\\ud800\":\"v\"}}") },
        { "CreateStream", Raw("{\"StreamName\":\"a\",\"ShardCount\":1,\"Tags\":{\"k\":\"v~C3\"}}") },
        { "DescribeStream", Raw("{\"Stream~FEName\":\"a\"}") },
        { "DescribeStream", Raw("{\"StreamName\":\"a\",\"Unknown\":\"\\udfff\"}") },
        { "ListShards", Raw("{\"StreamName\":\"\\ud83d\",\"MaxResults\":1}") },
        { "GetShardIterator", Raw("{\"StreamName\":\"s\",\"ShardId\":\"\\udc00\",\"ShardIteratorType\":\"LATEST\"}") },
        { "GetRecords", Raw("{\"ShardIterator\":\"~ED~A0~80\"}") },
        { "PutRecord", Raw("{\"StreamName\":\"edge\",\"PartitionKey\":\"a~FF\",\"Data\":\"AA==\"}") },
        { "PutRecord", Raw("{\"StreamName\":\"edge\",\"PartitionKey\":\"\\udc00\",\"Data\":\"AA==\"}") },
        { "PutRecord", Raw("{\"StreamName\":\"edge\",\"PartitionKey\":\"a\",\"Data\":\"AA==\",\"ExplicitHashKey\":\"1\\ud800\"}") },
        { "PutRecord", Raw("{\"StreamName\":\"edge\",\"PartitionKey\":\"a\",\"Data\":\"AA==\",\"Other\":\"~C0~AF\"}") },
        { "PutRecords", Raw("{\"StreamName\":\"edge\",\"Records\":[{\"PartitionKey\":\"a~80\",\"Data\":\"AA==\"}]}") },
        { "PutRecords", Raw("{\"StreamName\":\"edge\",\"Records\":[{\"PartitionKey\":\"a\",\"Data\":\"AA==\",\"x\\udc00\":1}]}") },
        { "PutRecords", Raw("{\"StreamName\\udc00\":\"edge\",\"Records\":[{\"PartitionKey\":\"a\",\"Data\":\"AA==\"}]}") },
        { "PutRecords", Raw("{\"StreamName\":\"edge\",\"Records\":[{\"PartitionKey\":\"a\",\"Data\":\"AA==\"}],\"ConsumerARN\":\"\\ud800\"}") },
    };

    [Theory]
    [MemberData(nameof(NotText))]
    public async Task Strings_that_are_not_text_are_a_serialization_exception(string operation, byte[] body)
    {
        // Before: 500 InternalFailure (GetString threw InvalidOperationException), and a PutRecord stored an invalid
        // UTF-8 partition key that GetRecords could not write back.
        await KinesisJson.CallAsync(Endpoint, "CreateStream", new { StreamName = "edge", ShardCount = 1 });
        await AssertAnswerAsync(Request(HttpMethod.Post, Json11, "Kinesis_20131202." + operation, body), HttpStatusCode.BadRequest, Json11,
            """{"__type":"SerializationException"}""");
        await KinesisJson.WaitForStreamStatusAsync(Endpoint, "edge");
        var iterator = (await KinesisJson.CallOkAsync(Endpoint, "GetShardIterator", new { StreamName = "edge", ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        var read = await KinesisJson.CallAsync(Endpoint, "GetRecords", new { ShardIterator = iterator });
        Assert.True(read.IsSuccess, read.ToString());
    }

    [Fact]
    public async Task Cbor_text_that_is_not_utf8_is_a_serialization_exception()
    {
        // {"StreamName": "a\xff"} as CBOR
        byte[] body = [0xA1, 0x6A, .. Utf8("StreamName"), 0x62, (byte)'a', 0xFF];
        var (status, contentType, json, response) = await SendAsync(Request(HttpMethod.Post, Cbor11, "Kinesis_20131202.DescribeStream", body));
        response.Dispose();
        Assert.Equal((HttpStatusCode.BadRequest, Cbor11), (status, contentType));
        Assert.Equal("SerializationException", JsonDocument.Parse(json).RootElement.GetProperty("__type").GetString());
    }

    [Fact]
    public async Task A_shard_count_near_int_max_is_over_the_shard_limit_not_an_overflow()
    {
        // Before: with one shard open, 1 + 2147483647 wrapped around, passed the check and allocated until 500.
        await KinesisJson.CallAsync(Endpoint, "CreateStream", new { StreamName = "edge-one", ShardCount = 1 });
        foreach (var count in new[] { int.MaxValue, int.MaxValue - 1, 1_000_000_000 })
        {
            var response = await KinesisJson.CallAsync(Endpoint, "CreateStream", new { StreamName = "edge-huge", ShardCount = count });
            Assert.Equal((HttpStatusCode.BadRequest, "LimitExceededException"), (response.Status, response.ErrorType));
            Assert.Contains($"Number of additional shards that would have resulted from this request: {count}.", response.ErrorMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_chunk_size_that_overflows_is_a_serialization_exception()
    {
        // Before: 500 with an empty body (Kestrel's IOException escaped the handler).
        var hostPort = $"{Endpoint.Host}:{Endpoint.Port}";
        byte[] request = [.. RawRequest(hostPort, Json11, ListStreams, [], "Transfer-Encoding: chunked"), .. Utf8("ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n")];
        var response = Assert.Single(await RawHttp.ExchangeAsync(Endpoint, request));
        Assert.Equal(400, response.Status);
        Assert.Equal(Json11, response.Header("Content-Type"));
        Assert.Equal("""{"__type":"SerializationException"}""", response.Text);
        Assert.NotNull(response.Header("x-amz-id-2"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_16_mib_is_a_413_in_aws_shape(bool chunked)
    {
        // Before: 413 with an empty body (Kestrel's BadHttpRequestException escaped the handler).
        var hostPort = $"{Endpoint.Host}:{Endpoint.Port}";
        var spaces = new byte[1024 * 1024];
        spaces.AsSpan().Fill((byte)' ');
        byte[] request = chunked
            ? [.. RawRequest(hostPort, Json11, ListStreams, [], "Transfer-Encoding: chunked"), .. Enumerable.Repeat((byte[])[.. Utf8("100000\r\n"), .. spaces, .. Utf8("\r\n")], 17).SelectMany(c => c)]
            : RawRequest(hostPort, Json11, ListStreams, Utf8("{}"), $"Content-Length: {JsonEndpoint.MaxBodyBytes + 1}");
        var response = Assert.Single(await RawHttp.ExchangeAsync(Endpoint, request));
        Assert.Equal(413, response.Status);
        Assert.Equal(Json11, response.Header("Content-Type"));
        Assert.Equal($$"""{"__type":"SerializationException","Message":"Request body too large: the limit is {{JsonEndpoint.MaxBodyBytes}} bytes."}""", response.Text);
        Assert.NotNull(response.Header("x-amz-id-2"));
    }

    [Fact]
    public void Internal_failure_always_carries_awss_message()
    {
        Assert.Equal("Internal service failure.", KinesisException.InternalFailureMessage);
        Assert.Equal(KinesisException.InternalFailureMessage, new KinesisException(ErrorCode.InternalFailure, null).ErrorMessage);
        Assert.Equal(KinesisException.InternalFailureMessage, new KinesisException(ErrorCode.InternalFailure, "").Message);
        Assert.Null(new KinesisException(ErrorCode.SerializationException, null).ErrorMessage);
        Assert.Equal("", new KinesisException(ErrorCode.SerializationException, null).Message);
    }
}
