// The ingest ceiling: a Kestrel endpoint that reads a PutRecords body, parses it exactly as Eddy's fast path does
// (Eddy.Server.PutRecordsReader: one Utf8JsonReader pass, base64 into one pooled buffer, MD5 of every partition key)
// and answers a canned PutRecords response of the same size as Eddy's, storing nothing. Eddy's own ingest rate under
// the same load (benchmarks/wrk/putrecords.lua) divided by this one is the share of the ceiling Eddy reaches; the rest
// is what storing costs (routing, sequencing, appends, fsync) plus Eddy's per-request overhead.
//
//   dotnet benchmarks/Eddy.Ceiling/bin/Release/net10.0/Eddy.Ceiling.dll [--port 4599]
using System.Buffers;
using System.Text;
using Eddy.Server;
using Eddy.Server.Kinesis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

var port = args.Length == 2 && args[0] == "--port" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 4599;
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.ListenLocalhost(port);
    k.Limits.MaxRequestBodySize = JsonEndpoint.MaxBodyBytes;
    k.Limits.MinRequestBodyDataRate = null;
});
await using var app = builder.Build();

// What Eddy answers for 500 records: FailedRecordCount, then 500 {SequenceNumber (56 digits), ShardId}.
var canned = new StringBuilder("{\"FailedRecordCount\":0,\"Records\":[");
for (var i = 0; i < 500; i++)
    canned.Append(i == 0 ? "" : ",").Append("{\"SequenceNumber\":\"49680835316960760324718822514546883996210633344471269394\",\"ShardId\":\"shardId-000000000001\"}");
var response = Encoding.UTF8.GetBytes(canned.Append("]}").ToString());

app.Run(async context =>
{
    var request = context.Request;
    var length = (int)(request.ContentLength ?? 0);
    var body = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
    var data = ArrayPool<byte>.Shared.Rent(length / 4 * 3 + 4);
    try
    {
        var read = 0;
        while (read < length)
        {
            var n = await request.Body.ReadAsync(body.AsMemory(read, length - read));
            if (n == 0) break;
            read += n;
        }
        var parsed = new ParsedPut();
        if (!PutRecordsReader.TryParse(body.AsMemory(0, read), many: true, data, parsed))
        {
            context.Response.StatusCode = 400;
            return;
        }
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.ContentLength = response.Length;
        await context.Response.Body.WriteAsync(response);
    }
    finally
    {
        ArrayPool<byte>.Shared.Return(body);
        ArrayPool<byte>.Shared.Return(data);
    }
});
Console.WriteLine($"Eddy.Ceiling listening on http://127.0.0.1:{port}");
await app.RunAsync();
