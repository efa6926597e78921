using System.Text.Json;

namespace Eddy.Functions.Firehose;

/// <summary>
/// The <c>RecordDeAggregation</c> processor: <c>SubRecordType</c> <c>JSON</c> splits a record made of concatenated JSON
/// values (<c>{"a":1}{"b":2}</c>, with or without whitespace between) into one record per value; <c>DELIMITED</c>
/// splits at the <c>Delimiter</c> (base64 in the configuration, e.g. <c>IyMjIw==</c> for <c>####</c>), dropping empty
/// pieces. A record that is not valid concatenated JSON fails (the caller writes it to the error output).
/// </summary>
/// <remarks>Stateless and thread-safe; pieces are slices of the input.</remarks>
public static class RecordSplitter
{
    /// <summary>The JSON values of <paramref name="data"/>, each with its bytes as written; null when it is not JSON.</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>>? SplitJson(ReadOnlyMemory<byte> data)
    {
        List<ReadOnlyMemory<byte>> pieces = [];
        var reader = new Utf8JsonReader(data.Span, isFinalBlock: true, new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = true }));
        try
        {
            while (reader.Read())
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                pieces.Add(data[start..(int)reader.BytesConsumed]);
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return pieces.Count == 0 ? null : pieces;
    }

    /// <summary>The non-empty pieces of <paramref name="data"/> between occurrences of <paramref name="delimiter"/>.</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> SplitDelimited(ReadOnlyMemory<byte> data, ReadOnlySpan<byte> delimiter)
    {
        List<ReadOnlyMemory<byte>> pieces = [];
        var rest = data;
        while (true)
        {
            var at = delimiter.IsEmpty ? -1 : rest.Span.IndexOf(delimiter);
            var piece = at < 0 ? rest : rest[..at];
            if (!piece.IsEmpty)
            {
                pieces.Add(piece);
            }
            if (at < 0)
            {
                return pieces;
            }
            rest = rest[(at + delimiter.Length)..];
        }
    }
}
