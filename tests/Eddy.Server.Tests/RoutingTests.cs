using System.Net;
using System.Text;
using System.Text.Json;
using Eddy.Catalog;
using Eddy.Client;
using Eddy.Client.Auth;
using Eddy.Core;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;
using Eddy.Server.Auth;
using Eddy.Server.Kinesis;
using Eddy.Storage;
using Eddy.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Eddy.Server.Tests;

/// <summary>
/// One port, several services (issue 8, item 1): the real application (Kestrel on 127.0.0.1, port 0, in this process)
/// with the Kinesis service over an in-memory engine, a second JSON service on the Firehose model, a REST service
/// and the fault admin API, checked by where each request lands and what the filters saw.
/// </summary>
public sealed class RoutingTests : IAsyncLifetime
{
    private const string Json11 = "application/x-amz-json-1.1";
    private static readonly AwsCredentials s_key = new("AKIDEXAMPLE", "secret");

    private readonly RecordingFilter _seen = new();
    private StreamEngine _engine = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _engine = await StreamEngine.OpenAsync(new EngineOptions(), new MemoryLogStore(), new MemoryCatalogStore());
        var options = new ServerOptions { Port = 0, Filters = [new SignatureFormatFilter(), _seen] };
        _app = EddyApplication.Build(options, services => services
            .AddSingleton<IStreamEngine>(_engine).AddKinesisApi()
            .AddSingleton<JsonService, FirehoseEcho>()
            .AddSingleton<IRestService, BucketEcho>());
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(EddyApplication.Addresses(_app)[0]) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task Each_target_prefix_reaches_its_own_service_and_the_filters_see_the_service_name()
    {
        var (status, body) = await JsonAsync("kinesis", "Kinesis_20131202.ListStreams", "{}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"StreamNames":[],"HasMoreStreams":false,"StreamSummaries":[]}""", body);
        Assert.Equal(("kinesis", "ListStreams"), _seen.Last);

        (status, body) = await JsonAsync("firehose", "Firehose_20150804.ListDeliveryStreams", "{}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"Operation":"ListDeliveryStreams"}""", body);
        Assert.Equal(("firehose", "ListDeliveryStreams"), _seen.Last);
    }

    [Fact]
    public async Task A_second_service_gets_the_shared_validation_errors_and_cbor_from_its_own_model()
    {
        // DeliveryStreamName is required by the Firehose model: the validator is the shared one, fed by that model.
        var (status, body) = await JsonAsync("firehose", "Firehose_20150804.CreateDeliveryStream", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(("ValidationException", "1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null"), Error(body));

        (status, body) = await JsonAsync("firehose", "Firehose_20150804.NoSuchOperation", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("""{"__type":"UnknownOperationException"}""", body);

        var cbor = new MemoryStream();
        using (var request = Signed("firehose", "Firehose_20150804.ListDeliveryStreams", [0xA0], CborJson.ContentType))
        using (var response = await _http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(CborJson.ContentType, response.Content.Headers.ContentType?.MediaType);
            await response.Content.CopyToAsync(cbor);
        }
        var json = new ArrayBufferWriterStream();
        CborJson.ToJson(cbor.ToArray(), null, json.Writer);
        Assert.Equal("""{"Operation":"ListDeliveryStreams"}""", json.Text);
    }

    [Fact]
    public async Task The_credential_scope_must_name_the_service_the_target_routes_to()
    {
        var (status, body) = await JsonAsync("kinesis", "Firehose_20150804.ListDeliveryStreams", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(("InvalidSignatureException", "Credential should be scoped to correct service: 'firehose'."), Error(body));
    }

    [Theory]
    [InlineData("Foo_20200101.Bar")]
    [InlineData("NoDot")]
    [InlineData("Kinesis_20131202.NoSuchAction")]
    public async Task A_target_no_service_knows_keeps_the_default_services_answer(string target)
    {
        var (status, body) = await JsonAsync("kinesis", target, "{}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("""{"__type":"UnknownOperationException"}""", body);
    }

    [Fact]
    public async Task Rest_services_are_routed_by_credential_scope_or_by_their_path_and_everything_else_stays_kinesis()
    {
        using (var signed = new HttpRequestMessage(HttpMethod.Get, new Uri(_http.BaseAddress!, "/any/path")))
        {
            new SigV4Signer("s3").Sign(signed, [], s_key, "us-east-1", DateTimeOffset.UtcNow);
            using var response = await _http.SendAsync(signed);
            Assert.Equal("bucket GET /any/path", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal("bucket GET /bucket/key", await _http.GetStringAsync("/bucket/key"));

        // Not signed for s3 and not a bucket path: Kinesis answers a GET as AWS does.
        using var other = await _http.GetAsync("/elsewhere");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Contains("AccessDeniedException", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eddy_admin_paths_go_to_their_endpoint_and_unknown_ones_get_a_404()
    {
        using var rules = await _http.GetAsync("/_eddy/faults");
        Assert.Equal(HttpStatusCode.OK, rules.StatusCode);

        using var unknown = await _http.GetAsync("/_eddy/nothing");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("""{"message":"Unknown admin resource /_eddy/nothing. See /_eddy/faults."}""", await unknown.Content.ReadAsStringAsync());
    }

    private static (string? Type, string? Message) Error(string body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        return (root.GetProperty("__type").GetString(), root.TryGetProperty("message", out var m) ? m.GetString() : null);
    }

    private async Task<(HttpStatusCode Status, string Body)> JsonAsync(string scope, string target, string body)
    {
        using var request = Signed(scope, target, Encoding.UTF8.GetBytes(body), Json11);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private HttpRequestMessage Signed(string scope, string target, byte[] body, string contentType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        request.RequestUri = new Uri(_http.BaseAddress!, "/");
        new SigV4Signer(scope).Sign(request, body, s_key, "us-east-1", DateTimeOffset.UtcNow);
        return request;
    }

    /// <summary>A JSON service on the Firehose model that answers every operation with its name.</summary>
    private sealed class FirehoseEcho() : JsonService(ServiceModel.Firehose)
    {
        public override async ValueTask InvokeAsync(JsonRequest request)
        {
            using var document = await request.ReadAsync();
            using var writer = new Utf8JsonWriter(request.Output);
            writer.WriteStartObject();
            writer.WriteString("Operation", request.Operation.Name);
            writer.WriteEndObject();
        }
    }

    /// <summary>A REST service for scope <c>s3</c> that claims unsigned paths under <c>/bucket</c>.</summary>
    private sealed class BucketEcho : IRestService
    {
        public string SigningName => "s3";

        public bool Matches(HttpRequest request) => request.Path.StartsWithSegments("/bucket", StringComparison.Ordinal);

        public Task HandleAsync(HttpContext context) => context.Response.WriteAsync($"bucket {context.Request.Method} {context.Request.Path}");
    }

    /// <summary>Remembers the service and operation of the last request that reached the filters.</summary>
    private sealed class RecordingFilter : IRequestFilter
    {
        public (string Service, string Operation) Last { get; private set; }

        public ValueTask OnRequestAsync(RequestInfo request)
        {
            Last = (request.Service, request.Operation);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ArrayBufferWriterStream
    {
        public System.Buffers.ArrayBufferWriter<byte> Writer { get; } = new();

        public string Text => Encoding.UTF8.GetString(Writer.WrittenSpan);
    }
}
