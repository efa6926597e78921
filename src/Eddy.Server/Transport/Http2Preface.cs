using System.Buffers;

namespace Eddy.Server.Transport;

/// <summary>What the first bytes of a connection say about its protocol.</summary>
internal enum PrefaceMatch
{
    /// <summary>Every byte so far matches the HTTP/2 preface, but fewer than 24 have arrived.</summary>
    NeedMore,

    /// <summary>A byte differs from the HTTP/2 preface: the client speaks HTTP/1.x.</summary>
    Http1,

    /// <summary>All 24 bytes of the HTTP/2 client connection preface (RFC 9113 §3.4).</summary>
    Http2,
}

/// <summary>Recognises the HTTP/2 client connection preface <c>PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n</c>.</summary>
internal static class Http2Preface
{
    public static ReadOnlySpan<byte> Bytes => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>Compares the bytes received so far with the preface. The first byte that differs decides HTTP/1.x,
    /// so a client that sends a few bytes of an HTTP/1.1 request and then pauses is never kept waiting.</summary>
    public static PrefaceMatch Match(in ReadOnlySequence<byte> received)
    {
        var preface = Bytes;
        var matched = 0;
        foreach (var segment in received)
        {
            var span = segment.Span;
            var n = Math.Min(span.Length, preface.Length - matched);
            if (!span[..n].SequenceEqual(preface.Slice(matched, n)))
            {
                return PrefaceMatch.Http1;
            }

            matched += n;
            if (matched == preface.Length)
            {
                return PrefaceMatch.Http2;
            }
        }

        return PrefaceMatch.NeedMore;
    }
}
