using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eddy.Testing;

/// <summary>One <c>index</c> action of a bulk request as the receiver parsed it: the action's <c>_index</c>,
/// <c>_type</c> and <c>_id</c> (null when absent) and the source line.</summary>
public sealed record BulkItem(string Index, string? Type, string? Id, string Source);

/// <summary>One <c>_bulk</c> request as received: its path, content type, items (in order), and the status the receiver
/// answered (per item).</summary>
public sealed record BulkRequest(string Path, string? ContentType, IReadOnlyList<BulkItem> Items, IReadOnlyList<int> Statuses);

/// <summary>
/// A real OpenSearch-style <c>_bulk</c> endpoint for tests: Kestrel on 127.0.0.1 port 0. It parses the NDJSON body as
/// OpenSearch does (an action line, then a source line per <c>index</c> action), indexes each item whose
/// <see cref="ItemStatus"/> is 2xx (a later document with the same index and id replaces the earlier one, as OpenSearch
/// overwrites), and answers <c>{"took":..,"errors":..,"items":[{"index":{"_index","_id","status",...}}]}</c> with an
/// <c>error</c> object for the failed items. A body that is not valid NDJSON of index actions, or a content type other
/// than <c>application/x-ndjson</c>, is answered 400 and listed in <see cref="Violations"/>.
/// </summary>
/// <remarks>Threading: requests may arrive concurrently; the settable members may change between requests. Every
/// request completes <see cref="WaitAsync"/> checks (no polling).</remarks>
public sealed class OpenSearchReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly List<BulkRequest> _requests = [];
    private readonly Dictionary<(string Index, string Id), string> _documents = [];
    private readonly Dictionary<(string Index, string Id), int> _received = [];
    private int _generatedIds;
    private int _aborted;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OpenSearchReceiver(WebApplication app) => _app = app;

    /// <summary>The status of an item given the item and how many times an item with its index and id was answered
    /// before (0 the first time); default 201 (created). Any status but 2xx fails the item.</summary>
    public Func<BulkItem, int, int> ItemStatus { get; set; } = (_, _) => 201;

    /// <summary>When set, every request is answered with this status (e.g. 503, 429) and nothing is indexed.</summary>
    public int? RequestStatus { get; set; }

    /// <summary>When true the receiver is "down": it aborts every connection without an answer.</summary>
    public bool Down { get; set; }

    /// <summary>When set, a bulk request is indexed and then its answer waits for this task (a cluster that indexed but
    /// whose answer never arrived, e.g. because the sender crashed).</summary>
    public Task? HoldAnswers { get; set; }

    /// <summary>Connections aborted while <see cref="Down"/>.</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What went against the wire format (wrong content type, malformed NDJSON).</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>Every bulk request received (also those answered with <see cref="RequestStatus"/>), in arrival order.</summary>
    public IReadOnlyList<BulkRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>How many documents are indexed (cheaper than <see cref="Documents"/>).</summary>
    public int DocumentCount
    {
        get
        {
            lock (_lock)
            {
                return _documents.Count;
            }
        }
    }

    /// <summary>Indexed documents by (index, id) (ids the receiver generated for items without one start with <c>gen-</c>).</summary>
    public IReadOnlyDictionary<(string Index, string Id), string> Documents
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<(string Index, string Id), string>(_documents);
            }
        }
    }

    public static async Task<OpenSearchReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OpenSearchReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    /// <summary>The cluster endpoint to configure (<c>http://127.0.0.1:PORT</c>).</summary>
    public string Endpoint => BaseAddress.ToString().TrimEnd('/');

    /// <summary>Waits until <paramref name="condition"/> holds (checked now and after every request).</summary>
    public async Task WaitAsync(Func<OpenSearchReceiver, bool> condition, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                changed = _changed.Task;
            }
            if (condition(this))
            {
                return;
            }
            await changed.WaitAsync(cancel.Token);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (Down)
        {
            context.Features.Get<IHttpRequestLifetimeFeature>()?.Abort();
            Interlocked.Increment(ref _aborted);
            Pulse();
            return;
        }
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var path = context.Request.Path.Value ?? "";
        var contentType = context.Request.ContentType;
        if (context.Request.Method != "POST" || !path.EndsWith("/_bulk", StringComparison.Ordinal))
        {
            Violations.Enqueue($"{context.Request.Method} {path}: not a bulk request");
            await AnswerAsync(context, 404, """{"error":"no handler","status":404}""");
            return;
        }
        if (contentType != "application/x-ndjson")
        {
            Violations.Enqueue($"Content-Type '{contentType}' is not application/x-ndjson");
        }
        if (Parse(buffer.ToArray(), out var error) is not { } items)
        {
            Violations.Enqueue(error!);
            Record(new BulkRequest(path, contentType, [], []));
            await AnswerAsync(context, 400, JsonSerializer.Serialize(new { error = new { type = "illegal_argument_exception", reason = error }, status = 400 }));
            return;
        }
        if (RequestStatus is { } status)
        {
            Record(new BulkRequest(path, contentType, items, [.. items.Select(_ => status)]));
            await AnswerAsync(context, status, JsonSerializer.Serialize(new { error = new { type = "status_exception", reason = "refused by the test" }, status }));
            return;
        }
        var statuses = new List<int>();
        var results = new List<object>();
        lock (_lock)
        {
            foreach (var item in items)
            {
                var seen = 0;
                if (item.Id is not null)
                {
                    seen = _received.GetValueOrDefault((item.Index, item.Id));
                    _received[(item.Index, item.Id)] = seen + 1;
                }
                var itemStatus = ItemStatus(item, seen);
                var id = item.Id ?? $"gen-{++_generatedIds}";
                statuses.Add(itemStatus);
                if (itemStatus is >= 200 and < 300)
                {
                    _documents[(item.Index, id)] = item.Source;
                    results.Add(new Dictionary<string, object> { ["index"] = new { _index = item.Index, _id = id, _version = 1, result = "created", status = itemStatus } });
                }
                else
                {
                    results.Add(new Dictionary<string, object>
                    {
                        ["index"] = new { _index = item.Index, _id = id, status = itemStatus, error = new { type = itemStatus == 429 ? "es_rejected_execution_exception" : "mapper_parsing_exception", reason = $"failed by the test with {itemStatus}" } },
                    });
                }
            }
            _requests.Add(new BulkRequest(path, contentType, items, statuses));
        }
        Pulse();
        if (HoldAnswers is { } hold)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _closing.Token);
            await hold.WaitAsync(stop.Token);
        }
        var errors = statuses.Any(s => s is < 200 or >= 300);
        await AnswerAsync(context, 200, JsonSerializer.Serialize(new { took = 1, errors, items = results }));
    }

    /// <summary>NDJSON of <c>index</c> actions, each followed by its source line; null with the reason otherwise.</summary>
    private static List<BulkItem>? Parse(byte[] body, out string? error)
    {
        error = null;
        var text = Encoding.UTF8.GetString(body);
        if (!text.EndsWith('\n'))
        {
            error = "The bulk request must be terminated by a newline [\\n]";
            return null;
        }
        var lines = text[..^1].Split('\n');
        if (lines.Length % 2 != 0)
        {
            error = "The bulk request has an action line without a source line.";
            return null;
        }
        var items = new List<BulkItem>();
        for (var i = 0; i < lines.Length; i += 2)
        {
            try
            {
                using var action = JsonDocument.Parse(lines[i]);
                var index = action.RootElement.GetProperty("index");
                using var source = JsonDocument.Parse(lines[i + 1]);
                if (source.RootElement.ValueKind != JsonValueKind.Object)
                {
                    error = $"line {i + 2}: the source is not a JSON object";
                    return null;
                }
                items.Add(new BulkItem(
                    index.GetProperty("_index").GetString()!,
                    index.TryGetProperty("_type", out var type) ? type.GetString() : null,
                    index.TryGetProperty("_id", out var id) ? id.GetString() : null,
                    lines[i + 1]));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                error = $"line {i + 1}: {e.Message}";
                return null;
            }
        }
        return items;
    }

    private void Record(BulkRequest request)
    {
        lock (_lock)
        {
            _requests.Add(request);
        }
        Pulse();
    }

    private void Pulse()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    private static async Task AnswerAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        await context.Response.WriteAsync(json, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync(); // held answers end (their senders were abandoned)
        await _app.StopAsync();
        await _app.DisposeAsync();
        _closing.Dispose();
    }
}
