using System.Text.Json;
using System.Text.Json.Serialization;

namespace Eddy.Client.Kinesis;

/// <summary>AWS JSON 1.1 timestamps: seconds since the Unix epoch as a JSON number, with milliseconds as decimals.</summary>
public sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(reader.GetDouble() * 1000))
            : throw new JsonException($"A timestamp must be a number of epoch seconds, not {reader.TokenType}.");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value.ToUnixTimeMilliseconds() / 1000m);
    }
}
