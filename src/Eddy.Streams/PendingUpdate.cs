using System.Globalization;
using System.Text.Json;
using Eddy.Core;

namespace Eddy.Streams;

/// <summary>
/// A stream change that was acknowledged to the client and is carried out when the stream's UPDATING state ends
/// (after the state delay). It is written to the catalog together with the UPDATING status, so a server that stops
/// before carrying it out carries it out when it starts again: once acknowledged, a change happens.
/// </summary>
/// <remarks>
/// Stored as a small JSON object in the catalog's <c>streams.pending_update</c> column (docs/formats/catalog.md). Every
/// change is idempotent when applied again over a partly applied state: a split or merge whose parents are already
/// closed does nothing, a rescale continues toward its target, the others assign values.
/// </remarks>
internal abstract record PendingUpdate
{
    public sealed record Split(int Shard, UInt128 NewStartingHashKey) : PendingUpdate;

    public sealed record Merge(int Shard, int Adjacent) : PendingUpdate;

    public sealed record Scale(int Target) : PendingUpdate;

    /// <summary>StartStreamEncryption (<see cref="KeyId"/> set) or StopStreamEncryption (null).</summary>
    public sealed record Encryption(string? KeyId) : PendingUpdate;

    public sealed record Mode(StreamMode StreamMode, int? WarmThroughputMiBps) : PendingUpdate;

    public sealed record MaxRecordSize(int KiB) : PendingUpdate;

    public string Encode()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            switch (this)
            {
                case Split x:
                    w.WriteString("op", "split");
                    w.WriteNumber("shard", x.Shard);
                    w.WriteString("key", x.NewStartingHashKey.ToString(CultureInfo.InvariantCulture));
                    break;
                case Merge x:
                    w.WriteString("op", "merge");
                    w.WriteNumber("shard", x.Shard);
                    w.WriteNumber("adjacent", x.Adjacent);
                    break;
                case Scale x:
                    w.WriteString("op", "scale");
                    w.WriteNumber("target", x.Target);
                    break;
                case Encryption x:
                    w.WriteString("op", "encryption");
                    if (x.KeyId is null) w.WriteNull("keyId"); else w.WriteString("keyId", x.KeyId);
                    break;
                case Mode x:
                    w.WriteString("op", "mode");
                    w.WriteNumber("mode", (int)x.StreamMode);
                    if (x.WarmThroughputMiBps is { } warm) w.WriteNumber("warm", warm);
                    break;
                case MaxRecordSize x:
                    w.WriteString("op", "maxRecordSize");
                    w.WriteNumber("kib", x.KiB);
                    break;
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Decodes a stored change; throws <see cref="FormatException"/> for text this version cannot read.</summary>
    public static PendingUpdate Decode(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var o = doc.RootElement;
            int Int(string name) => o.GetProperty(name).GetInt32();
            return o.GetProperty("op").GetString() switch
            {
                "split" => new Split(Int("shard"), UInt128.Parse(o.GetProperty("key").GetString()!, CultureInfo.InvariantCulture)),
                "merge" => new Merge(Int("shard"), Int("adjacent")),
                "scale" => new Scale(Int("target")),
                "encryption" => new Encryption(o.GetProperty("keyId").GetString()),
                "mode" => new Mode((StreamMode)Int("mode"), o.TryGetProperty("warm", out var warm) ? warm.GetInt32() : null),
                "maxRecordSize" => new MaxRecordSize(Int("kib")),
                var op => throw new FormatException($"Unknown pending update '{op}'."),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or OverflowException)
        {
            throw new FormatException($"Unreadable pending update: {text}", e);
        }
    }
}
