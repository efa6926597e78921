using System.Net.Sockets;
using System.Text;

namespace Eddy.Server.Tests;

/// <summary>An HTTP/1.1 response as it came off the socket.</summary>
internal sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => $"HTTP {Status} [{string.Join("; ", Headers.Select(h => h.Key + ": " + h.Value))}] {Text}";
}

/// <summary>
/// HTTP/1.1 over a plain socket, for requests no HTTP client would send (bad chunking, URL-form Host headers,
/// truncated bodies, pipelining): writes bytes as given and parses the responses that come back.
/// </summary>
internal static class RawHttp
{
    /// <summary>Writes <paramref name="request"/> while reading responses, until <paramref name="expected"/> final
    /// responses arrived, the server closed the connection, or (with <paramref name="idle"/>) nothing arrived for that
    /// long: a request the server is still waiting to complete gets no answer (Kestrel takes a client's half-close
    /// for a disconnect, so there is no other way to end such a request but to close). Interim responses (100 Continue)
    /// are skipped. The server may answer and close before it has read everything (a body too large): writing then
    /// stops, and a reset connection ends the reading.</summary>
    public static async Task<List<RawResponse>> ExchangeAsync(Uri endpoint, byte[] request, int expected = 1, TimeSpan? idle = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint.Host, endpoint.Port, cts.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var writing = WriteAsync(stream, request, cts.Token);
        var responses = new List<RawResponse>();
        var reader = new Reader(stream, cts.Token, idle);
        try
        {
            while (responses.Count < expected && await ReadResponseAsync(reader) is { } response)
            {
                if (response.Status >= 200) responses.Add(response);
            }
        }
        catch (Exception e) when (e is IOException or SocketException || e is OperationCanceledException && reader.WentIdle)
        {
            // reset by the server (e.g. after rejecting the rest of the bytes), or silent: what arrived before counts
        }

        try
        {
            socket.Shutdown(SocketShutdown.Both); // stops a writer the server no longer reads from
        }
        catch (SocketException)
        {
        }

        await writing;
        return responses;
    }

    private static async Task WriteAsync(NetworkStream stream, byte[] request, CancellationToken cancellationToken)
    {
        try
        {
            for (var at = 0; at < request.Length; at += 64 * 1024)
            {
                await stream.WriteAsync(request.AsMemory(at, Math.Min(64 * 1024, request.Length - at)), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // the server stopped reading (it answered early and closed)
        }
    }

    private static async Task<RawResponse?> ReadResponseAsync(Reader reader)
    {
        var statusLine = await reader.ReadLineAsync();
        if (statusLine is null) return null;
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
        {
            throw new InvalidDataException("not an HTTP response: " + statusLine);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadLineAsync() is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
        }

        byte[] body;
        if (headers.TryGetValue("Content-Length", out var length))
        {
            body = await reader.ReadBytesAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var coding) && coding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            using var all = new MemoryStream();
            while (true)
            {
                var size = Convert.ToInt32((await reader.ReadLineAsync() ?? "0").Split(';')[0], 16);
                if (size == 0) break;
                all.Write(await reader.ReadBytesAsync(size));
                await reader.ReadLineAsync();
            }

            while (await reader.ReadLineAsync() is { Length: > 0 })
            {
                // trailers
            }

            body = all.ToArray();
        }
        else
        {
            body = await reader.ReadToEndAsync();
        }

        return new RawResponse(status, headers, body);
    }

    /// <summary>Buffered reads of lines and byte counts from the socket.</summary>
    private sealed class Reader(Stream stream, CancellationToken cancellationToken, TimeSpan? idle)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        /// <summary>The last read ended because nothing arrived within the idle time.</summary>
        public bool WentIdle { get; private set; }

        private async Task<bool> FillAsync()
        {
            if (_start == _end) _start = _end = 0;
            if (_end == _buffer.Length)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (idle is { } limit) quiet.CancelAfter(limit);
            try
            {
                var n = await stream.ReadAsync(_buffer.AsMemory(_end), quiet.Token);
                _end += n;
                return n > 0;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                WentIdle = true;
                throw;
            }
        }

        public async Task<string?> ReadLineAsync()
        {
            while (true)
            {
                var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (lf >= 0)
                {
                    var line = Encoding.Latin1.GetString(_buffer, _start, lf - _start).TrimEnd('\r');
                    _start = lf + 1;
                    return line;
                }

                if (!await FillAsync()) return null;
            }
        }

        public async Task<byte[]> ReadBytesAsync(int count)
        {
            var result = new byte[count];
            var copied = 0;
            while (copied < count)
            {
                if (_start == _end && !await FillAsync()) throw new EndOfStreamException($"the body ended after {copied} of {count} bytes");
                var n = Math.Min(count - copied, _end - _start);
                Buffer.BlockCopy(_buffer, _start, result, copied, n);
                _start += n;
                copied += n;
            }

            return result;
        }

        public async Task<byte[]> ReadToEndAsync()
        {
            using var all = new MemoryStream();
            do
            {
                all.Write(_buffer, _start, _end - _start);
                _start = _end;
            }
            while (await FillAsync());
            return all.ToArray();
        }
    }
}
