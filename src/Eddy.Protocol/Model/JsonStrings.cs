using System.Text.Json;
using System.Text.Unicode;

namespace Eddy.Protocol.Model;

/// <summary>
/// Whether the strings of a JSON text are text: valid UTF-8, and escapes that decode to valid UTF-16 (no lone
/// surrogate such as <c>"\udc00"</c>). <see cref="Utf8JsonReader"/> checks JSON syntax but not this; reading such a
/// string later (<c>GetString</c>, <c>JsonElement.GetString</c>, a property's <c>Name</c>) throws
/// <see cref="InvalidOperationException"/>. A request body is checked once, before anything reads it; AWS answers
/// such bodies with <c>SerializationException</c>.
/// </summary>
public static class JsonStrings
{
    /// <summary>True when <paramref name="json"/> is one JSON value whose property names and string values are all
    /// text; false for invalid strings and for invalid JSON.</summary>
    public static bool AllValid(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !IsValid(ref reader))
                {
                    return false;
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>True when the reader's current <see cref="JsonTokenType.String"/> or
    /// <see cref="JsonTokenType.PropertyName"/> token is text.</summary>
    public static bool IsValid(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return Utf8.IsValid(reader.ValueSpan);
        }

        try
        {
            _ = reader.GetString(); // unescapes and transcodes, throwing on invalid UTF-8 or UTF-16
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Skips the current member (its name and value) or the current value, as <see cref="Utf8JsonReader.Skip"/>
    /// does, checking every string on the way. False when one is not text.</summary>
    public static bool SkipValid(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!IsValid(ref reader))
            {
                return false;
            }

            reader.Read();
        }

        if (reader.TokenType is JsonTokenType.String)
        {
            return IsValid(ref reader);
        }

        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return true;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !IsValid(ref reader))
            {
                return false;
            }
        }

        return true;
    }
}
