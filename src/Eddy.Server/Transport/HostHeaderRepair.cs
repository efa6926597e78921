using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Eddy.Server.Transport;

/// <summary>
/// Lets HTTP/1.x requests through whose <c>Host</c> header is written as a URL (<c>Host: http://127.0.0.1:4567/</c>),
/// as AWS accepts them; Kestrel rejects such a Host with an empty 400 before any application code runs, and has no
/// option to relax that.
/// </summary>
/// <remarks>
/// <para>A connection middleware for HTTP/1.x connections (the cleartext HTTP/1.1 endpoint, TLS connections that
/// speak HTTP/1.1). It wraps the connection's input and follows the HTTP/1.1 message framing as bytes arrive,
/// before Kestrel sees them: request line, header lines, then the body by <c>Content-Length</c> or chunked coding
/// (bodies are skipped by count, never scanned). In a header block, a <c>Host</c> value that starts with
/// <c>http://</c> or <c>https://</c> is rewritten in place: the scheme and anything after the authority (path,
/// query) become spaces, which Kestrel trims as whitespace around the value, leaving the authority
/// (<c>127.0.0.1:4567</c>). Nothing is copied or moved; bytes are only overwritten inside a header line that Kestrel
/// has not parsed yet (it parses a header line once its line feed has arrived, and this reader sees every byte
/// first).</para>
/// <para>Whenever the framing is not certain (a malformed line, a transfer coding other than chunked, conflicting
/// lengths, an <c>Upgrade</c>), the reader stops looking for the rest of the connection: Kestrel rejects such
/// requests itself, and body bytes are never mistaken for headers.</para>
/// </remarks>
internal static class HostHeaderRepair
{
    /// <summary>Runs <paramref name="next"/> with the connection's input wrapped.</summary>
    public static async Task RunAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var original = connection.Transport;
        connection.Transport = new DuplexPipe(new RepairingReader(original.Input), original.Output);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            connection.Transport = original;
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>The wrapped input: every buffer is shown to the <see cref="Http1Framing"/> before it is returned.</summary>
    private sealed class RepairingReader(PipeReader inner) : PipeReader
    {
        private readonly Http1Framing _framing = new();
        private ReadOnlySequence<byte> _last;

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var pending = inner.ReadAsync(cancellationToken);
            if (!pending.IsCompletedSuccessfully) return AwaitAsync(pending);
            var result = pending.Result;
            Observe(result.Buffer);
            return new ValueTask<ReadResult>(result);
        }

        private async ValueTask<ReadResult> AwaitAsync(ValueTask<ReadResult> pending)
        {
            var result = await pending.ConfigureAwait(false);
            Observe(result.Buffer);
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result)) return false;
            Observe(result.Buffer);
            return true;
        }

        private void Observe(ReadOnlySequence<byte> buffer)
        {
            _last = buffer;
            _framing.Feed(buffer);
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            _framing.Consumed(_last.Slice(_last.Start, consumed).Length);
            _last = default;
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }
}

/// <summary>
/// Follows HTTP/1.1 request framing over a connection's bytes (see <see cref="HostHeaderRepair"/>). Offsets are
/// relative to the start of the reader's current buffer; <see cref="Consumed"/> moves them when the consumer advances.
/// </summary>
internal sealed class Http1Framing
{
    /// <summary>Longest line remembered. A longer header line is passed over, unless it is one of the headers that
    /// decide the framing (then the framing stops); a longer chunk-size line stops it too.</summary>
    private const int MaxLine = 1024;

    private enum State { RequestLine, Header, Body, ChunkSize, ChunkData, ChunkEnd, Trailer, Stopped }

    private readonly byte[] _line = new byte[MaxLine];
    private State _state = State.RequestLine;
    private long _scanned;     // bytes of the current buffer already followed
    private long _lineStart;   // where the current (unfinished) line began
    private int _lineLength;   // its length so far (may exceed MaxLine: only MaxLine bytes are kept)
    private long _remaining;   // body or chunk bytes still to skip
    private long _contentLength;
    private bool _chunked;

    /// <summary>False once the framing could not be followed; the connection's bytes then pass untouched.</summary>
    public bool Following => _state != State.Stopped;

    /// <summary>Follows the bytes of <paramref name="buffer"/> not seen before, rewriting URL-form Host values.</summary>
    public void Feed(ReadOnlySequence<byte> buffer)
    {
        if (_state == State.Stopped || buffer.Length <= _scanned) return;
        var offset = _scanned;
        foreach (var memory in buffer.Slice(_scanned))
        {
            var span = memory.Span;
            var i = 0;
            while (i < span.Length && _state != State.Stopped)
            {
                if (_state is State.Body or State.ChunkData)
                {
                    var skip = (int)Math.Min(_remaining, span.Length - i);
                    i += skip;
                    _remaining -= skip;
                    if (_remaining == 0) _state = _state == State.Body ? State.RequestLine : State.ChunkEnd;
                    continue;
                }

                if (_lineLength == 0) _lineStart = offset + i;
                var rest = span[i..];
                var lf = rest.IndexOf((byte)'\n');
                var part = lf < 0 ? rest : rest[..lf];
                if (_lineLength < MaxLine) part[..Math.Min(part.Length, MaxLine - _lineLength)].CopyTo(_line.AsSpan(_lineLength));
                _lineLength += part.Length;
                if (lf < 0)
                {
                    _ = span.Length;
                    break;
                }

                i += lf + 1;
                var length = Math.Min(_lineLength, MaxLine);
                var line = _line.AsSpan(0, length);
                if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
                OnLine(line, _lineLength > MaxLine, buffer);
                _lineLength = 0;
            }

            offset += span.Length;
            if (_state == State.Stopped) break;
        }

        _scanned = buffer.Length;
    }

    /// <summary>The consumer released <paramref name="bytes"/> bytes from the start of the buffer.</summary>
    public void Consumed(long bytes)
    {
        _scanned -= bytes;
        _lineStart -= bytes;
        if (_scanned < 0) _state = State.Stopped; // released bytes this reader never saw: lost track
    }

    private void OnLine(ReadOnlySpan<byte> line, bool truncated, ReadOnlySequence<byte> buffer)
    {
        switch (_state)
        {
            case State.RequestLine:
                if (line.Length == 0) return; // stray line breaks between requests
                _state = State.Header;
                _contentLength = -1;
                _chunked = false;
                return;
            case State.Header:
                if (line.Length == 0)
                {
                    EndOfHeaders();
                    return;
                }

                if (!truncated) OnHeader(line, buffer);
                else if (IsFramingHeader(line)) _state = State.Stopped;
                return;
            case State.ChunkSize:
                OnChunkSize(line, truncated);
                return;
            case State.ChunkEnd:
                _state = line.Length == 0 ? State.ChunkSize : State.Stopped;
                return;
            case State.Trailer:
                if (line.Length == 0) _state = State.RequestLine;
                return;
        }
    }

    private void EndOfHeaders()
    {
        if (_chunked)
        {
            _state = State.ChunkSize;
        }
        else if (_contentLength > 0)
        {
            _state = State.Body;
            _remaining = _contentLength;
        }
        else
        {
            _state = State.RequestLine;
        }
    }

    private void OnHeader(ReadOnlySpan<byte> line, ReadOnlySequence<byte> buffer)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[0] is (byte)' ' or (byte)'\t')
        {
            _state = State.Stopped; // not a header line (or an obsolete folded one): Kestrel rejects the request
            return;
        }

        var name = line[..colon];
        var raw = line[(colon + 1)..];
        var lead = raw.Length - raw.TrimStart(" \t"u8).Length;
        var value = raw.Trim(" \t"u8);
        if (name.Length == 4 && Ascii.EqualsIgnoreCase(name, "host"u8))
        {
            RepairHost(value, _lineStart + colon + 1 + lead, buffer);
        }
        else if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
        {
            if (!Utf8Parser.TryParse(value, out long length, out var used) || used != value.Length || length < 0
                || _contentLength >= 0 && _contentLength != length)
            {
                _state = State.Stopped;
                return;
            }

            _contentLength = length;
        }
        else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
        {
            var comma = value.LastIndexOf((byte)',');
            var last = (comma < 0 ? value : value[(comma + 1)..]).Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(last, "chunked"u8)) _chunked = true;
            else _state = State.Stopped;
        }
        else if (Ascii.EqualsIgnoreCase(name, "upgrade"u8))
        {
            _state = State.Stopped; // after an upgrade the connection is no longer HTTP/1.1
        }
    }

    private static bool IsFramingHeader(ReadOnlySpan<byte> line) =>
        StartsWithIgnoreCase(line, "content-length"u8) || StartsWithIgnoreCase(line, "transfer-encoding"u8) || StartsWithIgnoreCase(line, "upgrade"u8);

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> line, ReadOnlySpan<byte> prefix) =>
        line.Length >= prefix.Length && Ascii.EqualsIgnoreCase(line[..prefix.Length], prefix);

    private void OnChunkSize(ReadOnlySpan<byte> line, bool truncated)
    {
        var end = line.IndexOfAny(";\t "u8);
        var digits = end < 0 ? line : line[..end];
        if (truncated || digits.Length is 0 or > 15 || !Utf8Parser.TryParse(digits, out long size, out var used, 'X') || used != digits.Length)
        {
            _state = State.Stopped;
            return;
        }

        if (size == 0)
        {
            _state = State.Trailer;
            return;
        }

        _state = State.ChunkData;
        _remaining = size;
    }

    /// <summary><c>http://host:port/path</c> → <c>       host:port     </c>, in place, at <paramref name="at"/>.</summary>
    private static void RepairHost(ReadOnlySpan<byte> value, long at, ReadOnlySequence<byte> buffer)
    {
        int scheme;
        if (value.Length > 7 && Ascii.EqualsIgnoreCase(value[..7], "http://"u8)) scheme = 7;
        else if (value.Length > 8 && Ascii.EqualsIgnoreCase(value[..8], "https://"u8)) scheme = 8;
        else return;
        if (at < 0) return; // the line's start was already released (cannot happen with Kestrel's parser)

        var authority = value[scheme..];
        var end = authority.IndexOfAny("/?#"u8);
        Blank(buffer, at, scheme);
        if (end >= 0) Blank(buffer, at + scheme + end, authority.Length - end);
    }

    private static void Blank(ReadOnlySequence<byte> buffer, long at, int count)
    {
        foreach (var memory in buffer.Slice(at, count))
        {
            MemoryMarshal.AsMemory(memory).Span.Fill((byte)' ');
        }
    }
}
