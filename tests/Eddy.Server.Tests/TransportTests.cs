using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Eddy.Server.Transport;
using Eddy.Testing;
using Xunit.Abstractions;
using static Eddy.Server.Tests.TransportClient;

namespace Eddy.Server.Tests;

/// <summary>One real server with the TLS port on and a short first-bytes timeout, plus its exported certificate.</summary>
public sealed class TransportServerFixture : IAsyncLifetime
{
    public const int FirstBytesTimeoutMs = 3000;

    private EddyServer? _server;

    public EddyServer Server => _server ?? throw new InvalidOperationException("not started");

    public string PemPath { get; private set; } = "";

    public X509Certificate2 Certificate { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await EddyServer.StartAsync(new EddyServerOptions { Tls = true, FirstBytesTimeoutMs = FirstBytesTimeoutMs });
        PemPath = Path.Combine(_server.DataDir, "exported.pem");
        Certificate = await ExportCertificateAsync(_server.DataDir, PemPath);
    }

    public async Task DisposeAsync()
    {
        Certificate?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// The transports: HTTP/1.1 and prior-knowledge HTTP/2 on the one cleartext port (routed per connection by its first
/// bytes), the TLS port with ALPN, Eddy's self-signed certificate, and the first-bytes timeout.
/// </summary>
public sealed class TransportTests(TransportServerFixture fixture, ITestOutputHelper output) : IClassFixture<TransportServerFixture>
{
    private static readonly TimeSpan s_io = TimeSpan.FromSeconds(20);

    private Uri Http => fixture.Server.Endpoint;

    private Uri Https => fixture.Server.TlsEndpoint;

    // ---- the preface matcher and the peek, in process ----------------------------------------------------------

    [Theory]
    [InlineData("", "NeedMore")]
    [InlineData("P", "NeedMore")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r", "NeedMore")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "Http2")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04", "Http2")]
    [InlineData("G", "Http1")]
    [InlineData("PO", "Http1")]
    [InlineData("POST / HTTP/1.1\r\n", "Http1")]
    [InlineData("PRI * HTTP/1.1\r\n", "Http1")]
    [InlineData("\x16\x03\x01", "Http1")] // a TLS ClientHello on the cleartext port: not HTTP/2, Kestrel answers it
    public void The_first_byte_that_differs_from_the_preface_decides_http1(string received, string match)
    {
        var expected = Enum.Parse<PrefaceMatch>(match);
        var bytes = Encoding.Latin1.GetBytes(received);
        Assert.Equal(expected, Http2Preface.Match(new ReadOnlySequence<byte>(bytes)));
        for (var split = 1; split < bytes.Length; split++)
        {
            Assert.Equal(expected, Http2Preface.Match(Sequences.Segmented(bytes, split)));
        }
    }

    [Theory]
    [InlineData("http1 in pieces", new[] { "PO", "ST / HTTP/1.1\r\nHost: x\r\n\r\n" }, "Http1")]
    [InlineData("preface in pieces", new[] { "PRI * HT", "TP/2.0\r\n\r\nSM", "\r\n\r\n", "\0\0\0\x04\0\0\0\0\0" }, "Http2")]
    [InlineData("preface byte by byte", new[] { "P", "R", "I", " ", "*", " ", "H", "T", "T", "P", "/", "2", ".", "0", "\r", "\n", "\r", "\n", "S", "M", "\r", "\n", "\r", "\n" }, "Http2")]
    [InlineData("one write", new[] { "GET / HTTP/1.1\r\nHost: x\r\n\r\n" }, "Http1")]
    public async Task The_peek_consumes_nothing_and_the_next_read_returns_at_once(string name, string[] chunks, string match)
    {
        var expected = Enum.Parse<PrefaceMatch>(match);
        var pipe = new Pipe();
        var writer = Task.Run(async () =>
        {
            foreach (var chunk in chunks)
            {
                await pipe.Writer.WriteAsync(Encoding.Latin1.GetBytes(chunk));
                await Task.Delay(15);
            }
        });

        Assert.Equal(expected, await PrefaceSniffer.DetectAsync(pipe.Reader, new CancellationTokenSource(s_io).Token));
        // The protocol handler's first read must not wait for more data: everything received is still there.
        Assert.True(pipe.Reader.TryRead(out var result), $"{name}: the next read would wait");
        var left = Encoding.Latin1.GetString(result.Buffer.ToArray());
        pipe.Reader.AdvanceTo(result.Buffer.End);
        await writer;
        var all = string.Concat(chunks);
        Assert.StartsWith(left, all, StringComparison.Ordinal); // from the very first byte
        Assert.True(left.Length >= Math.Min(all.Length, expected == PrefaceMatch.Http2 ? 24 : 2), $"{name}: only '{left}' was left");
    }

    [Theory]
    [InlineData("")]
    [InlineData("PRI * HTTP")]
    public async Task The_peek_gives_up_on_a_peer_that_closes_before_deciding(string sent)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(sent));
        await pipe.Writer.CompleteAsync();
        Assert.Null(await PrefaceSniffer.DetectAsync(pipe.Reader, new CancellationTokenSource(s_io).Token));
    }

    [Fact]
    public async Task The_peek_of_a_silent_peer_ends_with_its_timeout()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("PRI"u8.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PrefaceSniffer.DetectAsync(pipe.Reader, timeout.Token).AsTask());
    }

    // ---- the cleartext port ---------------------------------------------------------------------------------

    [Fact]
    public async Task Curl_http1_1_and_http2_prior_knowledge_share_the_cleartext_port()
    {
        var (body1, version1) = await CurlListStreamsAsync(Http, "--http1.1");
        var (body2, version2) = await CurlListStreamsAsync(Http, "--http2-prior-knowledge");
        Assert.Equal("1.1", version1);
        Assert.Equal("2", version2);
        Assert.Contains("\"StreamNames\"", body1, StringComparison.Ordinal);
        Assert.Contains("\"StreamNames\"", body2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpClient_h2c_and_http1_1_share_the_cleartext_port()
    {
        using var client = new HttpClient();
        foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            using var response = await client.SendAsync(ListStreams(Http, version));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(version, response.Version);
            Assert.Contains("\"StreamNames\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Many concurrent streams multiplexed on one h2c connection.
        using var h2 = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = false });
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await h2.SendAsync(ListStreams(Http, HttpVersion.Version20));
            return (response.StatusCode, response.Version);
        }));
        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), a));
    }

    [Fact]
    public async Task A_large_put_over_h2c_is_not_held_back_by_flow_control()
    {
        using var client = new HttpClient();
        var stream = "h2-large-" + Guid.NewGuid().ToString("N")[..8];
        await KinesisJson.CallOkAsync(Http, "CreateStream", new { StreamName = stream, ShardCount = 1 });
        await KinesisJson.WaitForStreamStatusAsync(Http, stream);
        var data = Convert.ToBase64String(new byte[1000 * 1024]);
        var body = $"{{\"StreamName\":\"{stream}\",\"Records\":[" + string.Join(',', Enumerable.Range(0, 5).Select(i => $"{{\"PartitionKey\":\"k{i}\",\"Data\":\"{data}\"}}")) + "]}";
        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, Http)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Headers = { { "X-Amz-Target", "Kinesis_20131202.PutRecords" } },
            Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        await RequestSigning.SignAsync(request);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("\"FailedRecordCount\":0", text, StringComparison.Ordinal);
        output.WriteLine($"PutRecords of {body.Length / 1024 / 1024.0:0.0} MiB over h2c in {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void The_cleartext_address_is_printed_once_and_first()
    {
        var lines = fixture.Server.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(EddyServer.ReadyPrefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(EddyServer.ReadyPrefix + Http.ToString().TrimEnd('/'), lines[0]);
        Assert.Equal(EddyServer.ReadyPrefix + Https.ToString().TrimEnd('/'), lines[1]);
    }

    [Fact]
    public async Task Five_hundred_new_connections_in_a_row_are_all_served()
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 400; i++)
        {
            using var socket = await ConnectAsync(Http);
            await using var stream = new NetworkStream(socket);
            await stream.WriteAsync(ListStreamsHttp1(close: true));
            var answer = await ReadToEndAsync(stream, s_io);
            Assert.True(answer.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal) && answer.Contains("\"StreamNames\"", StringComparison.Ordinal), $"connection {i}: {answer}");
        }

        var http1 = watch.Elapsed;
        for (var i = 0; i < 100; i++)
        {
            using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });
            using var response = await client.SendAsync(ListStreams(Http, HttpVersion.Version20));
            Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), (response.StatusCode, response.Version));
        }

        output.WriteLine($"400 HTTP/1.1 connections (Connection: close) in {http1.TotalMilliseconds:0} ms, then 100 h2c connections in {(watch.Elapsed - http1).TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_silent_connection_is_closed_by_the_timeout_and_holds_up_nobody()
    {
        var silent = new List<Socket>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                silent.Add(await ConnectAsync(Http));
            }

            var partial = await ConnectAsync(Http);
            silent.Add(partial);
            await partial.SendAsync(PrefaceBytes.AsMemory(0, 16)); // "PRI * HTTP/2.0\r\n", then nothing
            var opened = Stopwatch.StartNew();

            // Meanwhile everyone else is served at once, on both protocols.
            using var client = new HttpClient();
            for (var i = 0; i < 20; i++)
            {
                using var response = await client.SendAsync(ListStreams(Http, i % 2 == 0 ? HttpVersion.Version11 : HttpVersion.Version20));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            var servedIn = opened.Elapsed;
            Assert.True(servedIn < TimeSpan.FromMilliseconds(TransportServerFixture.FirstBytesTimeoutMs), $"the other requests took {servedIn.TotalMilliseconds:0} ms");
            Assert.False(await ClosedWithinAsync(silent[0], TimeSpan.FromMilliseconds(200)), "closed before the timeout");

            foreach (var socket in silent)
            {
                Assert.True(await ClosedWithinAsync(socket, TimeSpan.FromSeconds(15)), "a silent connection was never closed");
            }

            var closedAfter = opened.Elapsed;
            Assert.True(closedAfter >= TimeSpan.FromMilliseconds(TransportServerFixture.FirstBytesTimeoutMs - 300), $"closed after only {closedAfter.TotalMilliseconds:0} ms");
            output.WriteLine($"51 silent connections closed after {closedAfter.TotalMilliseconds:0} ms (timeout {TransportServerFixture.FirstBytesTimeoutMs} ms); 20 requests meanwhile took {servedIn.TotalMilliseconds:0} ms");

            // and the port goes on accepting
            using var after = await client.SendAsync(ListStreams(Http, HttpVersion.Version20));
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task An_http1_request_that_pauses_after_a_few_bytes_is_served()
    {
        using var socket = await ConnectAsync(Http);
        await using var stream = new NetworkStream(socket);
        var request = ListStreamsHttp1(close: true);
        await stream.WriteAsync(request.AsMemory(0, 5)); // "POST ": 'O' already differs from "PRI"
        await Task.Delay(TransportServerFixture.FirstBytesTimeoutMs + 1000); // longer than the first-bytes timeout
        await stream.WriteAsync(request.AsMemory(5));
        var answer = await ReadToEndAsync(stream, s_io);
        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.Contains("\"StreamNames\"", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_http2_preface_sent_in_pieces_is_served_as_http2()
    {
        using var socket = await ConnectAsync(Http);
        await using var stream = new NetworkStream(socket);
        foreach (var (start, length) in new[] { (0, 3), (3, 10), (13, 11) })
        {
            await stream.WriteAsync(PrefaceBytes.AsMemory(start, length));
            await Task.Delay(100);
        }

        await stream.WriteAsync(EmptySettingsFrame);
        AssertSettingsFrame(await ReadExactlyAsync(stream, 9, s_io));
    }

    // ---- the TLS port ---------------------------------------------------------------------------------------

    [Fact]
    public async Task Tls_negotiates_h2_and_http1_1_by_alpn_trusting_the_exported_pem()
    {
        using var client = TrustingClient(fixture.Certificate);
        foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            using var response = await client.SendAsync(ListStreams(Https, version));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(version, response.Version);
        }

        foreach (var (alpn, expected) in new[] { (SslApplicationProtocol.Http2, "h2"), (SslApplicationProtocol.Http11, "http/1.1") })
        {
            var (tls, _) = await ConnectTlsAsync(Https, fixture.Certificate, SslApplicationProtocol.Http2, SslApplicationProtocol.Http11);
            await using (tls)
            {
                Assert.Equal("h2", tls.NegotiatedApplicationProtocol.ToString()); // the server prefers h2 when offered
            }

            var (only, _) = await ConnectTlsAsync(Https, fixture.Certificate, alpn);
            await using (only)
            {
                Assert.Equal(expected, only.NegotiatedApplicationProtocol.ToString());
            }
        }
    }

    [Fact]
    public async Task Curl_over_tls_trusting_the_exported_pem()
    {
        var (body1, version1) = await CurlListStreamsAsync(Https, "--cacert", fixture.PemPath, "--http1.1");
        var (body2, version2) = await CurlListStreamsAsync(Https, "--cacert", fixture.PemPath, "--http2");
        Assert.Equal(("1.1", "2"), (version1, version2));
        Assert.Contains("\"StreamNames\"", body1 + body2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_http1_1_accepts_a_host_header_written_as_a_url()
    {
        // By ALPN and by first bytes (no ALPN): both HTTP/1.1 paths of the TLS port repair the Host header.
        foreach (var alpn in new[] { new[] { SslApplicationProtocol.Http11 }, [] })
        {
            var (tls, _) = await ConnectTlsAsync(Https, fixture.Certificate, alpn);
            await using (tls)
            {
                await tls.WriteAsync(ListStreamsHttp1(close: true, host: $"https://localhost:{Https.Port}/"));
                var answer = await ReadToEndAsync(tls, s_io);
                Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Tls_without_alpn_serves_http2_straight_away_and_http1_1_too()
    {
        // The Java SDK v2's Netty client (ProtocolNegotiation.ASSUME_PROTOCOL) offers no ALPN and starts HTTP/2 at once.
        var (h2, _) = await ConnectTlsAsync(Https, fixture.Certificate);
        await using (h2)
        {
            Assert.Equal(0, h2.NegotiatedApplicationProtocol.Protocol.Length);
            await h2.WriteAsync(PrefaceBytes);
            await h2.WriteAsync(EmptySettingsFrame);
            AssertSettingsFrame(await ReadExactlyAsync(h2, 9, s_io));
        }

        var (h1, _) = await ConnectTlsAsync(Https, fixture.Certificate);
        await using (h1)
        {
            await h1.WriteAsync(ListStreamsHttp1(close: true));
            var answer = await ReadToEndAsync(h1, s_io);
            Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_certificate_covers_localhost_and_loopback_and_is_its_own_ca()
    {
        var (tls, shown) = await ConnectTlsAsync(Https, fixture.Certificate, SslApplicationProtocol.Http2);
        await tls.DisposeAsync();
        var exported = fixture.Certificate;
        Assert.Equal(exported.Thumbprint, shown.Thumbprint);
        Assert.Equal(exported.Subject, exported.Issuer);
        var constraints = exported.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority && constraints.Critical);
        var names = exported.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], names.EnumerateIPAddresses());
        Assert.Contains(exported.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
        Assert.True(exported.NotAfter - exported.NotBefore > TimeSpan.FromDays(3650), $"{exported.NotBefore:O} .. {exported.NotAfter:O}");
        Assert.False(exported.HasPrivateKey);
    }

    // ---- own servers ----------------------------------------------------------------------------------------

    [Fact]
    public async Task The_certificate_is_created_once_in_the_data_directory_and_reused_after_a_restart()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { Tls = true });
        var pfx = Path.Combine(server.DataDir, "tls", ServerCertificate.PfxFileName);
        var pem = Path.Combine(server.DataDir, "tls", ServerCertificate.PemFileName);
        Assert.True(File.Exists(pfx) && File.Exists(pem));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pfx));
        }

        Assert.Contains($"Eddy TLS certificate (trust this file): {pem}", server.Output, StringComparison.Ordinal);
        var (first, shownFirst) = await ConnectTlsAsync(server.TlsEndpoint, null);
        await first.DisposeAsync();

        await server.RestartAsync();
        using var trusted = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pem));
        var (second, shownSecond) = await ConnectTlsAsync(server.TlsEndpoint, trusted);
        await second.DisposeAsync();
        Assert.Equal(shownFirst.Thumbprint, shownSecond.Thumbprint);
        Assert.Equal(trusted.Thumbprint, shownSecond.Thumbprint);
    }

    [Theory]
    [InlineData("pfx")]
    [InlineData("pem")]
    public async Task A_given_certificate_is_served_instead_of_eddys_own(string format)
    {
        var dir = Directory.CreateTempSubdirectory("eddy-cert-").FullName;
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=given.example", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            using var given = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            string[] args;
            if (format == "pfx")
            {
                var path = Path.Combine(dir, "given.pfx");
                await File.WriteAllBytesAsync(path, given.Export(X509ContentType.Pkcs12, "secret"));
                args = ["--tls-cert", path, "--tls-cert-password", "secret"];
            }
            else
            {
                var certPath = Path.Combine(dir, "given.crt");
                var keyPath = Path.Combine(dir, "given.key");
                await File.WriteAllTextAsync(certPath, given.ExportCertificatePem());
                await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
                args = ["--tls-cert", certPath, "--tls-key", keyPath];
            }

            await using var server = await EddyServer.StartAsync(new EddyServerOptions { Tls = true, ExtraArgs = args });
            var (tls, shown) = await ConnectTlsAsync(server.TlsEndpoint, given, SslApplicationProtocol.Http2);
            await using (tls)
            {
                Assert.Equal(given.Thumbprint, shown.Thumbprint);
            }

            Assert.False(Directory.Exists(Path.Combine(server.DataDir, "tls")), "Eddy made its own certificate although one was given");
            Assert.DoesNotContain("Eddy TLS certificate", server.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Without_tls_only_the_cleartext_port_is_served()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { StateDelayMs = 0 });
        Assert.DoesNotContain("https://", server.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(server.DataDir, "tls")));
        Assert.Throws<InvalidOperationException>(() => server.TlsEndpoint);
        var (_, version) = await CurlListStreamsAsync(server.Endpoint, "--http2-prior-knowledge");
        Assert.Equal("2", version);
    }

    [Fact]
    public async Task Stopping_with_silent_idle_and_unfinished_connections_exits_cleanly()
    {
        await using var server = await EddyServer.StartAsync(new EddyServerOptions { Tls = true });
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                sockets.Add(await ConnectAsync(server.Endpoint)); // silent: still being peeked at
                sockets.Add(await ConnectAsync(server.TlsEndpoint)); // silent: no TLS handshake yet
            }

            var partial = await ConnectAsync(server.Endpoint);
            sockets.Add(partial);
            await partial.SendAsync(PrefaceBytes.AsMemory(0, 10));
            var (noAlpn, _) = await ConnectTlsAsync(server.TlsEndpoint, null); // handshake done, no ALPN, then silent
            await using var silentTls = noAlpn;

            // idle keep-alive connections of both protocols
            using var http1 = new HttpClient();
            using (var r1 = await http1.SendAsync(ListStreams(server.Endpoint, HttpVersion.Version11)))
            {
                Assert.Equal(HttpStatusCode.OK, r1.StatusCode);
            }

            using var h2 = new HttpClient();
            using (var r2 = await h2.SendAsync(ListStreams(server.Endpoint, HttpVersion.Version20)))
            {
                Assert.Equal(HttpStatusCode.OK, r2.StatusCode);
            }

            var watch = Stopwatch.StartNew();
            Assert.Equal(0, await server.StopAsync(TimeSpan.FromSeconds(15)));
            output.WriteLine($"stopped in {watch.ElapsedMilliseconds} ms with 22 silent and 2 idle connections open");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"stopping took {watch.Elapsed.TotalSeconds:0.0} s");
            foreach (var socket in sockets)
            {
                Assert.True(await ClosedWithinAsync(socket, TimeSpan.FromSeconds(5)));
            }

            Assert.Equal(0, await silentTls.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}
