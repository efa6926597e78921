using System.IO.Pipelines;

namespace Eddy.Server.Transport;

/// <summary>Peeks at the first bytes of a connection without consuming them.</summary>
internal static class PrefaceSniffer
{
    /// <summary>Reads until the bytes decide HTTP/1.x or HTTP/2 and leaves every byte in <paramref name="input"/>
    /// for the protocol handler. Returns null when the peer closed the connection without sending anything (or
    /// after fewer bytes than the preface, all matching it). Cancelling <paramref name="cancellationToken"/>
    /// throws <see cref="OperationCanceledException"/>.</summary>
    public static async ValueTask<PrefaceMatch?> DetectAsync(PipeReader input, CancellationToken cancellationToken)
    {
        // The examined position may never move backwards (the pipe rejects that), and the protocol handler's first
        // read must return at once: so a decision leaves everything unconsumed and examined no further than the
        // previous read, which is strictly less than what is buffered now.
        long examined = 0;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var match = Http2Preface.Match(buffer);
            if (match == PrefaceMatch.NeedMore && !result.IsCompleted && !result.IsCanceled)
            {
                examined = buffer.Length;
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            input.AdvanceTo(buffer.Start, buffer.GetPosition(examined));
            if (match != PrefaceMatch.NeedMore)
            {
                return match;
            }

            // The peer finished sending (or the read was cancelled) before the bytes decided anything. A truncated
            // preface is not worth serving; neither is an empty connection.
            return null;
        }
    }
}
