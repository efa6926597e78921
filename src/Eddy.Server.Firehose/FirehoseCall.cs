using System.Text.Json;
using Eddy.Core.Firehose;
using Eddy.Protocol.Model;

namespace Eddy.Server.Firehose;

/// <summary>
/// One Firehose call as a handler sees it: the engine, the validated body, the response writer and the request's
/// cancellation. Accessors read members the model's validator has already type-checked; absent and null read as null.
/// Owned by one request; not thread-safe.
/// </summary>
internal sealed class FirehoseCall(IFirehoseEngine engine, JsonElement body, PooledBufferWriter output, CancellationToken cancellation)
    : JsonCall(body, output, cancellation)
{
    public IFirehoseEngine Engine { get; } = engine;

    /// <summary>The delivery stream the call names (required by every operation that has it).</summary>
    public string Name => String("DeliveryStreamName")!;

    public JsonElement? Object(string name) => Member(Body, name);

    /// <summary>Every member whose name ends with <paramref name="suffix"/> (the destination members of Create and Update).</summary>
    public IReadOnlyList<DestinationInput> Destinations(string suffix) =>
        [.. Body.EnumerateObject().Where(p => p.Name.EndsWith(suffix, StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.Object)
            .Select(p => new DestinationInput(p.Name, p.Value.GetRawText()))];

    public IReadOnlyList<KeyValuePair<string, string>> Tags(string name) =>
        Member(Body, name) is { } tags
            ? [.. tags.EnumerateArray().Select(t => new KeyValuePair<string, string>(t.GetProperty("Key").GetString()!, String(t, "Value") ?? ""))]
            : [];

    public EncryptionInput? Encryption() =>
        Object("DeliveryStreamEncryptionConfigurationInput") is { } e ? new EncryptionInput(String(e, "KeyType")!, String(e, "KeyARN")) : null;

    public static string? String(JsonElement obj, string name) => Member(obj, name)?.GetString();

    public void Timestamp(string name, DateTimeOffset value) => Json.WriteNumber(name, JsonTimestamp.ToEpochSeconds(value));
}
