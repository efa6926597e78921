using System.Text.Json;
using Eddy.Protocol;
using Microsoft.AspNetCore.Http;

namespace Eddy.Server;

/// <summary>
/// A cross-cutting check every API request passes before its action runs, whatever the service: authentication and
/// authorization, fault injection, rate limits. Filters are registered in DI (<see cref="ServerOptions.Filters"/>) and
/// run in order; a filter refuses a request by throwing a <see cref="Eddy.Core.ServiceException"/> (answered as an AWS
/// error), and may delay it.
/// </summary>
public interface IRequestFilter
{
    ValueTask OnRequestAsync(RequestInfo request);
}

/// <summary>What a filter can see of a request. The body is exactly as received (signatures cover these bytes).</summary>
/// <param name="service">The service's signing name (<c>kinesis</c>, <c>firehose</c>): the credential scope's
/// service and the prefix of its IAM actions.</param>
/// <param name="operation">The operation's name (<c>PutRecords</c>), or empty when the service does not know it.</param>
public sealed class RequestInfo(HttpContext http, string service, string operation, ReadOnlyMemory<byte> rawBody, ReadOnlyMemory<byte> jsonBody)
{
    private (string? StreamName, string? StreamArn, string? ConsumerArn, string? ResourceArn)? _targets;

    public HttpContext Http { get; } = http;

    /// <summary>The service's signing name, e.g. <c>kinesis</c>.</summary>
    public string Service { get; } = service;

    /// <summary>The operation's name, e.g. <c>PutRecords</c>.</summary>
    public string Operation { get; } = operation;

    /// <summary>The IAM action, e.g. <c>kinesis:PutRecords</c>: <c>service:Operation</c> unless the service names
    /// another (S3: <c>s3:GetObject</c> for HeadObject, <c>s3:ListBucket</c> for ListObjectsV2).</summary>
    public string IamAction { get; init; } = service + ":" + operation;

    /// <summary>The ARN the request is authorized against when the service names it (S3:
    /// <c>arn:aws:s3:::bucket</c> or <c>arn:aws:s3:::bucket/key</c>); null: the filters work it out (Kinesis).</summary>
    public string? Resource { get; init; }

    /// <summary>True when the body is not in <see cref="RawBody"/> but streamed to the operation after the filters
    /// (S3): a signature then covers the client's <c>x-amz-content-sha256</c> value instead of a hash of the body,
    /// and the service checks the body against that value (and chunk signatures) while it streams it, failing the
    /// operation before anything is committed.</summary>
    public bool StreamedBody { get; init; }

    /// <summary>The Kinesis action of a Kinesis request; <see cref="KinesisAction.Unknown"/> for other services.</summary>
    public KinesisAction Action { get; } = service == KinesisTarget.SigningName ? KinesisTarget.ParseOperation(operation) : KinesisAction.Unknown;

    /// <summary>The body bytes as they arrived (JSON or CBOR).</summary>
    public ReadOnlyMemory<byte> RawBody { get; } = rawBody;

    /// <summary>The body as JSON 1.1 (CBOR requests transcoded).</summary>
    public ReadOnlyMemory<byte> JsonBody { get; } = jsonBody;

    /// <summary>What the filters established about the caller (e.g. the authenticated principal), for later filters.</summary>
    public IDictionary<object, object?> Items => Http.Items;

    public string? StreamName => Targets.StreamName;
    public string? StreamArn => Targets.StreamArn;
    public string? ConsumerArn => Targets.ConsumerArn;
    public string? ResourceArn => Targets.ResourceArn;

    /// <summary>The stream the request is about: StreamName, else the stream named in StreamARN, ConsumerARN or ResourceARN.</summary>
    public string? TargetStream => StreamName ?? StreamOfArn(StreamArn) ?? StreamOfArn(ConsumerArn) ?? StreamOfArn(ResourceArn);

    /// <summary><c>arn:aws:kinesis:region:account:stream/NAME[/consumer/...]</c> → NAME.</summary>
    public static string? StreamOfArn(string? arn)
    {
        if (arn is null) return null;
        var at = arn.IndexOf(":stream/", StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = arn[(at + ":stream/".Length)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? rest : rest[..slash];
        return name.Length == 0 ? null : name;
    }

    /// <summary>The top-level StreamName/StreamARN/ConsumerARN/ResourceARN members, found by one scan on first use.</summary>
    private (string? StreamName, string? StreamArn, string? ConsumerArn, string? ResourceArn) Targets => _targets ??= ScanTargets(JsonBody.Span);

    private static (string?, string?, string?, string?) ScanTargets(ReadOnlySpan<byte> json)
    {
        string? name = null, arn = null, consumer = null, resource = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                ref string? slot = ref name;
                var known = true;
                if (reader.ValueTextEquals("StreamName"u8)) slot = ref name;
                else if (reader.ValueTextEquals("StreamARN"u8)) slot = ref arn;
                else if (reader.ValueTextEquals("ConsumerARN"u8)) slot = ref consumer;
                else if (reader.ValueTextEquals("ResourceARN"u8)) slot = ref resource;
                else known = false;
                reader.Read();
                if (known && reader.TokenType == JsonTokenType.String) slot = reader.GetString();
                else reader.Skip();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // not JSON, or a string that is not text: the endpoint rejects such bodies; a filter sees no target
        }
        return (name, arn, consumer, resource);
    }
}
