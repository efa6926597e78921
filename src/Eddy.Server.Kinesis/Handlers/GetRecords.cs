using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text.Json;
using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

/// <summary>
/// GetRecords. A JSON answer is streamed: its exact length is computed first (so it keeps its
/// <c>Content-Length</c>, no chunked coding), then the same <see cref="Utf8JsonWriter"/> calls as
/// <see cref="Write"/> write it straight into the response pipe, flushed every ~1 MiB. A 10 MiB answer (~14 MB of
/// JSON) thus never exists whole in memory: before, it was built in a pooled buffer grown by doubling and then copied
/// whole into Kestrel's output pipe, ~45 MB per call at the peak. A CBOR answer is still built whole (it is transcoded
/// from the JSON).
/// </summary>
internal static class GetRecords
{
    /// <summary>How much JSON is encoded into the pipe before it is flushed to the socket.</summary>
    private const int FlushBytes = 1024 * 1024;

    public static async Task HandleAsync(Call c)
    {
        using var r = await c.Engine.GetRecordsAsync(c.Required("ShardIterator"), c.Int("Limit"), c.Stream).ConfigureAwait(false);
        if (c.Cbor)
        {
            Write(c.Json, r);
            return;
        }

        c.Streamed = true;
        var response = c.Http.Response;
        response.StatusCode = 200;
        response.ContentType = JsonEndpoint.JsonContentType;
        response.ContentLength = Length(r);
        await WriteAsync(response.BodyWriter, r, c.Http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The GetRecords response encoder (hot path: up to 10 MiB of records, base64 written straight from the read buffer).</summary>
    public static void Write(Utf8JsonWriter w, GetRecordsResult r)
    {
        w.WriteStartObject();
        w.Records(r.Records);
        WriteTail(w, r);
        w.WriteEndObject();
    }

    /// <summary>Writes exactly what <see cref="Write"/> writes into <paramref name="pipe"/>, flushing every
    /// <see cref="FlushBytes"/>; the length is <see cref="Length"/>.</summary>
    public static async Task WriteAsync(PipeWriter pipe, GetRecordsResult r, CancellationToken cancellationToken)
    {
        await using var w = new Utf8JsonWriter(pipe, new JsonWriterOptions { SkipValidation = true });
        w.WriteStartObject();
        w.WriteStartArray("Records");
        long flushedAt = 0;
        foreach (var rec in r.Records)
        {
            w.Record(rec);
            if (w.BytesPending + w.BytesCommitted - flushedAt >= FlushBytes)
            {
                w.Flush();
                flushedAt = w.BytesCommitted;
                await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        w.WriteEndArray();
        WriteTail(w, r);
        w.WriteEndObject();
        w.Flush();
        await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The bytes <see cref="Write"/> produces for <paramref name="r"/>, computed without encoding the records.</summary>
    public static long Length(GetRecordsResult r)
    {
        // {"Records":[ rec , rec ] ,tail}  — the tail members are few: they are encoded to be measured.
        long length = RecordsPrefix.Length + Math.Max(0, r.Records.Count - 1) + 1;
        foreach (var rec in r.Records) length += JsonLength.Record(rec);
        var tail = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(tail, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            WriteTail(w, r);
            w.WriteEndObject();
        }
        return length + tail.WrittenCount; // its "{" stands for the comma that follows "]"
    }

    private static ReadOnlySpan<byte> RecordsPrefix => "{\"Records\":["u8;

    private static void WriteTail(Utf8JsonWriter w, GetRecordsResult r)
    {
        if (r.NextShardIterator is not null) w.WriteString("NextShardIterator", r.NextShardIterator);
        w.WriteNumber("MillisBehindLatest", r.MillisBehindLatest);
        if (r.ChildShards is { } children) w.ChildShards(children);
    }
}

/// <summary>
/// Lengths of what <see cref="Utf8JsonWriter"/> (default encoder, minimized) writes, computed without writing. The
/// fixed parts of a record are measured once with the writer itself; a string is its own length when it holds only
/// characters the writer never escapes, and is measured with the writer otherwise.
/// </summary>
internal static class JsonLength
{
    private static readonly int s_recordFixed = Measure(false);
    private static readonly int s_encryptedExtra = Measure(true) - s_recordFixed;

    /// <summary>The length of <see cref="Shapes.Record"/>'s output for <paramref name="rec"/>.</summary>
    public static long Record(in ReadRecord rec) =>
        s_recordFixed + String(rec.SequenceNumber) + Timestamp(rec.ArrivalMs) + Base64.GetMaxEncodedToUtf8Length(rec.Data.Length)
        + String(rec.PartitionKey.Span) + (rec.Encrypted ? s_encryptedExtra : 0);

    // A record with empty strings and data and a one-digit timestamp: everything but the variable parts, plus 1.
    private static int Measure(bool encrypted)
    {
        var output = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
            w.Record(new ReadRecord("", 0, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, encrypted));
        return output.WrittenCount - Timestamp(0);
    }

    /// <summary>Length of the decimal seconds <see cref="Shapes.Timestamp(Utf8JsonWriter, string, long)"/> writes.</summary>
    public static int Timestamp(long unixMs)
    {
        Span<byte> digits = stackalloc byte[64];
        return Utf8Formatter.TryFormat(unixMs / 1000m, digits, out var written) ? written : throw new InvalidOperationException("decimal format");
    }

    /// <summary>Length of a string value's contents (without quotes) as the writer escapes it.</summary>
    public static int String(string value)
    {
        foreach (var ch in value)
            if (ch >= 0x80 || !IsVerbatim((byte)ch)) return Escaped(w => w.WriteStringValue(value));
        return value.Length;
    }

    /// <inheritdoc cref="String(string)"/>
    public static int String(ReadOnlySpan<byte> utf8)
    {
        foreach (var b in utf8)
            if (!IsVerbatim(b)) return Escaped(utf8.ToArray());
        return utf8.Length;
    }

    private static int Escaped(byte[] utf8) => Escaped(w => w.WriteStringValue(utf8));

    private static int Escaped(Action<Utf8JsonWriter> write)
    {
        var output = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true })) write(w);
        return output.WrittenCount - 2;
    }

    /// <summary>Bytes the default encoder writes as they are: printable ASCII except <c>" ' &amp; + &lt; &gt; ` \</c>
    /// (tests/Eddy.Server.Tests check every byte against the writer).</summary>
    public static bool IsVerbatim(byte b) => b is >= 0x20 and < 0x7F and not ((byte)'"' or (byte)'\'' or (byte)'&' or (byte)'+' or (byte)'<' or (byte)'>' or (byte)'`' or (byte)'\\');
}
