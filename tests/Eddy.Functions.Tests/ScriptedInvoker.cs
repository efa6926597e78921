using System.Text;
using System.Text.Json;
using Eddy.Core.Functions;

namespace Eddy.Functions.Tests;

/// <summary>An in-process <see cref="IFunctionInvoker"/> that answers each call with the next scripted answer (the last
/// one repeats) and records the payloads it was given.</summary>
internal sealed class ScriptedInvoker(params Func<JsonElement, FunctionResult>[] answers) : IFunctionInvoker
{
    private int _calls;

    public List<string> Payloads { get; } = [];

    public ValueTask<FunctionResult> InvokeAsync(string function, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        Payloads.Add(Encoding.UTF8.GetString(payload.Span));
        using var doc = JsonDocument.Parse(payload);
        var answer = answers[Math.Min(_calls++, answers.Length - 1)];
        return ValueTask.FromResult(answer(doc.RootElement.Clone()));
    }

    /// <summary>A successful answer with this JSON body.</summary>
    public static FunctionResult Answer(string json) => FunctionResult.Ok("arn", Encoding.UTF8.GetBytes(json));

    /// <summary>Every record Ok with its data upper-cased (ASCII).</summary>
    public static FunctionResult UpperCase(JsonElement e)
    {
        var records = e.GetProperty("records").EnumerateArray().Select(r => new
        {
            recordId = r.GetProperty("recordId").GetString(),
            result = "Ok",
            data = Convert.ToBase64String(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(r.GetProperty("data").GetBytesFromBase64()).ToUpperInvariant())),
        });
        return FunctionResult.Ok("arn", JsonSerializer.SerializeToUtf8Bytes(new { records }));
    }
}
