using System.Text;
using System.Text.Json;

namespace Eddy.Testing;

/// <summary>Firehose data-transformation functions for tests that act as the Lambda: the answer to Firehose's event.</summary>
public static class FirehoseTransforms
{
    /// <summary>Uppercases every record (<c>Ok</c>), answers <c>Dropped</c> for a record "drop" and
    /// <c>ProcessingFailed</c> for "fail" (trailing whitespace ignored).</summary>
    public static byte[] UppercaseDropFail(ReadOnlySpan<byte> firehoseEvent)
    {
        var reader = new Utf8JsonReader(firehoseEvent);
        using var request = JsonDocument.ParseValue(ref reader);
        var records = request.RootElement.GetProperty("records").EnumerateArray().Select(r =>
        {
            var id = r.GetProperty("recordId").GetString()!;
            var text = Encoding.UTF8.GetString(r.GetProperty("data").GetBytesFromBase64());
            return text.TrimEnd() switch
            {
                "drop" => (object)new { recordId = id, result = "Dropped" },
                "fail" => new { recordId = id, result = "ProcessingFailed", data = r.GetProperty("data").GetString() },
                _ => new { recordId = id, result = "Ok", data = Convert.ToBase64String(Encoding.UTF8.GetBytes(text.ToUpperInvariant())) },
            };
        }).ToList();
        return JsonSerializer.SerializeToUtf8Bytes(new { records });
    }
}
