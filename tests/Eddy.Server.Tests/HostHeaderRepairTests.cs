using System.Text;
using Eddy.Server.Transport;

namespace Eddy.Server.Tests;

/// <summary>
/// <see cref="Http1Framing"/> in process: URL-form Host values are rewritten wherever the bytes are cut, bodies and
/// trailers are never touched, and the framing gives up (touching nothing more) when it cannot be followed.
/// </summary>
public sealed class HostHeaderRepairTests
{
    private const string Trap = "\r\n\r\nPOST / HTTP/1.1\r\nHost: http://trap/\r\n\r\n";

    private static readonly string s_pipeline =
        "POST / HTTP/1.1\r\nHost: http://h:1/p\r\nContent-Length: " + Trap.Length + "\r\n\r\n" + Trap +
        "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\nHOST: https://[::1]:8/\r\n\r\n" +
        $"{Trap.Length:x};ext=1\r\n{Trap}\r\n3\r\nabc\r\n0\r\nHost: http://trailer/\r\n\r\n" +
        "\r\nGET / HTTP/1.1\r\nhOsT:\thttps://h2/x?y \r\nX-Host: http://not-host/\r\n\r\n" +
        "GET / HTTP/1.1\r\nHost: h3:4\r\n\r\n";

    private static readonly string s_repaired = s_pipeline
        .Replace("Host: http://h:1/p\r", "Host:        h:1  \r", StringComparison.Ordinal)
        .Replace("HOST: https://[::1]:8/\r", "HOST:         [::1]:8 \r", StringComparison.Ordinal)
        .Replace("hOsT:\thttps://h2/x?y \r", "hOsT:\t        h2     \r", StringComparison.Ordinal);

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(5, false)]
    [InlineData(7, true)]
    [InlineData(13, false)]
    [InlineData(64, true)]
    [InlineData(100_000, false)]
    public void Url_hosts_are_rewritten_in_place_however_the_bytes_arrive(int step, bool consumeLines)
    {
        var data = Encoding.ASCII.GetBytes(s_pipeline);
        var framing = new Http1Framing();
        var start = 0;
        for (var end = Math.Min(step, data.Length); ; end = Math.Min(end + step, data.Length))
        {
            // what the reader holds: everything not consumed yet, cut into segments every 11 bytes
            var splits = Enumerable.Range(1, (end - start) / 11).Select(i => i * 11).Where(i => i < end - start).ToArray();
            framing.Feed(Sequences.Segmented(data.AsMemory(start, end - start), splits));
            if (consumeLines)
            {
                // like Kestrel: complete lines (and body bytes, which come in whole lines here) are released
                var lastLf = Array.LastIndexOf(data, (byte)'\n', end - 1, end - start);
                if (lastLf >= start)
                {
                    framing.Consumed(lastLf + 1 - start);
                    start = lastLf + 1;
                }
            }

            if (end == data.Length) break;
        }

        Assert.True(framing.Following);
        Assert.Equal(s_repaired, Encoding.ASCII.GetString(data));
    }

    [Theory]
    [InlineData("Transfer-Encoding: gzip\r\n")]
    [InlineData("Content-Length: 5\r\nContent-Length: 6\r\n")]
    [InlineData("Content-Length: x\r\n")]
    [InlineData(" folded\r\n")]
    [InlineData("Upgrade: h2c\r\n")]
    [InlineData("Content-Length: {2000 zeros}5\r\n")] // longer than a line the framing keeps
    public void Framing_it_cannot_follow_stops_all_rewriting(string header)
    {
        var text = "POST / HTTP/1.1\r\n" + header.Replace("{2000 zeros}", new string('0', 2000), StringComparison.Ordinal) +
            "\r\nGET / HTTP/1.1\r\nHost: http://later/\r\n\r\n";
        var data = Encoding.ASCII.GetBytes(text);
        var framing = new Http1Framing();
        framing.Feed(Sequences.Segmented(data));
        Assert.False(framing.Following);
        Assert.Equal(text, Encoding.ASCII.GetString(data));
    }

    [Fact]
    public void A_header_line_longer_than_the_framing_keeps_is_passed_over()
    {
        var text = "GET / HTTP/1.1\r\nX-Long: " + new string('l', 5000) + "\r\nHost: http://h/\r\n\r\n";
        var data = Encoding.ASCII.GetBytes(text);
        var framing = new Http1Framing();
        framing.Feed(Sequences.Segmented(data, 100, 2000, 4000));
        Assert.True(framing.Following);
        Assert.Equal(text.Replace("Host: http://h/\r", "Host:        h \r", StringComparison.Ordinal), Encoding.ASCII.GetString(data));
    }

    [Fact]
    public void Hosts_that_are_not_urls_are_left_alone()
    {
        const string text = "GET / HTTP/1.1\r\nHost: http:/x\r\n\r\nGET / HTTP/1.1\r\nHost: ftp://x/\r\n\r\nGET / HTTP/1.1\r\nHost: http://\r\n\r\n";
        var data = Encoding.ASCII.GetBytes(text);
        var framing = new Http1Framing();
        framing.Feed(Sequences.Segmented(data));
        Assert.True(framing.Following);
        Assert.Equal(text, Encoding.ASCII.GetString(data));
    }
}
