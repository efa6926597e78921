using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Eddy.Testing;

/// <summary>A batch the HEC accepted: the endpoint path, the channel, the body as sent and the ack id it was given.</summary>
public sealed record HecPost(string Path, string Channel, byte[] Body, long AckId);

/// <summary>A refusal the HEC answers instead of indexing: HTTP status and HEC's <c>code</c> and <c>text</c>.</summary>
public sealed record HecRefusal(int Status, int Code, string Text);

/// <summary>
/// A real Splunk HTTP Event Collector for tests (Kestrel on 127.0.0.1 port 0) speaking HEC's protocol as Splunk documents
/// it: <c>/services/collector/event</c> (a body of concatenated event objects, each with an <c>event</c> member) and
/// <c>/services/collector/raw</c>, <c>Authorization: Splunk &lt;token&gt;</c>, channels (<c>X-Splunk-Request-Channel</c>,
/// a GUID) with indexer acknowledgement: each accepted batch gets the channel's next <c>ackId</c>, and
/// <c>/services/collector/ack?channel=…</c> answers <c>{"acks":{"id":true|false}}</c> for <c>{"acks":[ids]}</c>. Errors
/// are HEC's: 401 code 2/3, 403 code 4, 400 code 5/6/10/11/12/14.
/// </summary>
/// <remarks>Threading: requests may arrive concurrently; state is in concurrent collections.</remarks>
public sealed class SplunkHecReceiver : LoopbackReceiver
{
    private readonly ConcurrentDictionary<string, long> _nextAck = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Channel, long Id), int> _polls = new();
    private int _pollCount;

    private SplunkHecReceiver(string token) => Token = token;

    /// <summary>The HEC token the collector accepts.</summary>
    public string Token { get; }

    /// <summary>Indexer acknowledgement on the token (default on); off, batches get no ackId and /ack answers code 14.</summary>
    public bool AckEnabled { get; set; } = true;

    /// <summary>How many polls of an ack id are answered false before it is acknowledged (default 0: the first poll).</summary>
    public int PollsBeforeAck { get; set; }

    /// <summary>Chooses a refusal for a well-formed, authorized batch (null: index it).</summary>
    public Func<byte[], HecRefusal?> Refuse { get; set; } = _ => null;

    /// <summary>Batches accepted, in order (resends included).</summary>
    public ConcurrentQueue<HecPost> Posts { get; } = new();

    /// <summary>Batches whose ack id was acknowledged to a poll.</summary>
    public ConcurrentQueue<HecPost> Acknowledged { get; } = new();

    /// <summary>Every POST that reached an event endpoint (accepted or not).</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    private int _attempts;

    /// <summary>Ack polls answered.</summary>
    public int Polls => Volatile.Read(ref _pollCount);

    /// <summary>The URL to configure as <c>HECEndpoint</c>.</summary>
    public string Endpoint => BaseAddress.ToString().TrimEnd('/');

    public static async Task<SplunkHecReceiver> StartAsync(string token)
    {
        var receiver = new SplunkHecReceiver(token);
        await receiver.ListenAsync(receiver.HandleAsync);
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for this receiver (see <see cref="LoopbackReceiver.WaitUntilAsync(Func{bool}, TimeSpan)"/>).</summary>
    public Task WaitUntilAsync(Func<SplunkHecReceiver, bool> condition, TimeSpan timeout) => WaitUntilAsync(() => condition(this), timeout);

    /// <summary>The events of the acknowledged batches: each event object's <c>event</c> (as JSON text) for the event
    /// endpoint, each line of the body for the raw one.</summary>
    public IReadOnlyList<string> AcknowledgedEvents() =>
        [.. Acknowledged.SelectMany(p => p.Path.EndsWith("/raw", StringComparison.Ordinal)
            ? Encoding.UTF8.GetString(p.Body).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            : Events(p.Body).Select(e => e.GetProperty("event").GetRawText()))];

    private async Task HandleAsync(HttpContext context)
    {
        try
        {
            await AnswerAsync(context);
        }
        finally
        {
            Pulse();
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var path = context.Request.Path.Value ?? "";
        var isEvent = path is "/services/collector/event" or "/services/collector" or "/services/collector/event/1.0";
        var isRaw = path is "/services/collector/raw" or "/services/collector/raw/1.0";
        var isAck = path == "/services/collector/ack";
        if (context.Request.Method != "POST" || !(isEvent || isRaw || isAck))
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 404, new { text = "The requested URL was not found on this server.", code = 404 });
            return;
        }
        if (isEvent || isRaw)
        {
            Interlocked.Increment(ref _attempts);
        }
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 401, new { text = "Token is required", code = 2 });
            return;
        }
        if (!authorization.StartsWith("Splunk ", StringComparison.Ordinal))
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 401, new { text = "Invalid authorization", code = 3 });
            return;
        }
        if (authorization["Splunk ".Length..] != Token)
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 403, new { text = "Invalid token", code = 4 });
            return;
        }
        var channel = context.Request.Headers["X-Splunk-Request-Channel"].ToString();
        if (channel.Length == 0)
        {
            channel = context.Request.Query["channel"].ToString();
        }
        if (AckEnabled && channel.Length == 0)
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 400, new { text = "Data channel is missing", code = 10 });
            return;
        }
        if (channel.Length > 0 && !Guid.TryParse(channel, out _))
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 400, new { text = "Invalid data channel", code = 11 });
            return;
        }
        if (isAck)
        {
            await AckAsync(context, channel, body);
            return;
        }
        if (body.Length == 0)
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 400, new { text = "No data", code = 5 });
            return;
        }
        if (isEvent && Invalid(body) is { } invalid)
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 400, invalid);
            return;
        }
        if (Refuse(body) is { } refusal)
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", refusal.Status, new { text = refusal.Text, code = refusal.Code });
            return;
        }
        if (!AckEnabled)
        {
            Posts.Enqueue(new HecPost(path, channel, body, -1));
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 200, new { text = "Success", code = 0 });
            return;
        }
        var ackId = _nextAck.AddOrUpdate(channel, 0, (_, last) => last + 1);
        Posts.Enqueue(new HecPost(path, channel, body, ackId));
        await WriteJsonAsync(context, "application/json; charset=UTF-8", 200, new { text = "Success", code = 0, ackId });
    }

    private async Task AckAsync(HttpContext context, string channel, byte[] body)
    {
        if (!AckEnabled)
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 400, new { text = "ACK is disabled", code = 14 });
            return;
        }
        List<long> ids;
        try
        {
            using var query = JsonDocument.Parse(body);
            ids = [.. query.RootElement.GetProperty("acks").EnumerateArray().Select(a => a.GetInt64())];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            await WriteJsonAsync(context, "application/json; charset=UTF-8", 400, new { text = "Invalid data format", code = 6 });
            return;
        }
        Interlocked.Increment(ref _pollCount);
        var acks = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var polls = _polls.AddOrUpdate((channel, id), 1, (_, n) => n + 1);
            var post = Posts.FirstOrDefault(p => p.Channel == channel && p.AckId == id);
            var acked = post is not null && polls > PollsBeforeAck;
            if (acked && polls == PollsBeforeAck + 1)
            {
                Acknowledged.Enqueue(post!);
            }
            acks[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = acked;
        }
        await WriteJsonAsync(context, "application/json; charset=UTF-8", 200, new { acks });
    }

    /// <summary>HEC's answer to an event body that is not a sequence of event objects, or null.</summary>
    private static object? Invalid(byte[] body)
    {
        var number = 0;
        try
        {
            foreach (var e in Events(body))
            {
                if (!e.TryGetProperty("event", out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    return InvalidEvent("Event field is required", 12, number);
                }
                if (value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0)
                {
                    return InvalidEvent("Event field cannot be blank", 13, number);
                }
                number++;
            }
            return null;
        }
        catch (JsonException)
        {
            return InvalidEvent("Invalid data format", 6, number);
        }
    }

    private static Dictionary<string, object> InvalidEvent(string text, int code, int number) =>
        new(StringComparer.Ordinal) { ["text"] = text, ["code"] = code, ["invalid-event-number"] = number };

    private static List<JsonElement> Events(byte[] body)
    {
        var events = new List<JsonElement>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("not an object");
            }
            events.Add(document.RootElement.Clone());
        }
        return events;
    }
}
