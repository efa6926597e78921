using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Eddy.Testing;

namespace Eddy.Server.Tests;

/// <summary>Raw-socket, TLS and HttpClient helpers for <see cref="TransportTests"/>.</summary>
internal static class TransportClient
{
    public static readonly byte[] PrefaceBytes = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    /// <summary>An empty HTTP/2 SETTINGS frame (length 0, type 4, flags 0, stream 0).</summary>
    public static readonly byte[] EmptySettingsFrame = [0, 0, 0, 4, 0, 0, 0, 0, 0];

    /// <summary>A complete, signed HTTP/1.1 ListStreams request; with <paramref name="close"/> it asks the server to close
    /// afterwards.</summary>
    public static byte[] ListStreamsHttp1(bool close, string host = "127.0.0.1")
    {
        (string, string)[] headers = [("X-Amz-Target", "Kinesis_20131202.ListStreams"), ("Content-Type", "application/x-amz-json-1.1")];
        var signature = RequestSigning.SignHeaders("POST", host, "/", headers, "{}"u8);
        return Encoding.ASCII.GetBytes(
            $"POST / HTTP/1.1\r\nHost: {host}\r\n" + string.Concat(headers.Concat(signature).Select(h => $"{h.Item1}: {h.Item2}\r\n")) +
            "Content-Length: 2\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n{}");
    }

    public static async Task<Socket> ConnectAsync(Uri endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Parse(endpoint.Host), endpoint.Port);
        return socket;
    }

    /// <summary>Reads until the peer closes; fails after <paramref name="timeout"/>.</summary>
    public static async Task<string> ReadToEndAsync(Stream stream, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var text = new MemoryStream();
        await stream.CopyToAsync(text, cts.Token);
        return Encoding.ASCII.GetString(text.ToArray());
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes; fails after <paramref name="timeout"/>.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Stream stream, int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, cts.Token);
        return buffer;
    }

    /// <summary>True when the next read sees the connection closed (end of stream or reset) within <paramref name="within"/>;
    /// false when it is still open then. Data arriving first is a test failure.</summary>
    public static async Task<bool> ClosedWithinAsync(Socket socket, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        var buffer = new byte[64];
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.True(n == 0, $"expected the server to close the connection, got {n} bytes: {Encoding.ASCII.GetString(buffer, 0, n)}");
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Asserts that <paramref name="header"/> is the 9-byte header of a SETTINGS frame on stream 0: the first
    /// thing an HTTP/2 server sends.</summary>
    public static void AssertSettingsFrame(byte[] header)
    {
        Assert.True(header.Length == 9 && header[3] == 0x4 && header[5] == 0 && header[6] == 0 && header[7] == 0 && header[8] == 0,
            $"expected an HTTP/2 SETTINGS frame, got {Convert.ToHexString(header)} ({Encoding.ASCII.GetString(header).ReplaceLineEndings(" ")})");
    }

    /// <summary>A signed ListStreams request that must go out as exactly <paramref name="version"/>.</summary>
    public static HttpRequestMessage ListStreams(Uri endpoint, Version version)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Version = version,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Headers = { { "X-Amz-Target", "Kinesis_20131202.ListStreams" } },
            Content = new StringContent("{}", Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        RequestSigning.Sign(request, "{}"u8);
        return request;
    }

    /// <summary>An HTTP client that trusts exactly <paramref name="ca"/> (and checks the host name as usual).</summary>
    public static HttpClient TrustingClient(X509Certificate2 ca) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Trusting(ca) },
    });

    public static RemoteCertificateValidationCallback Trusting(X509Certificate2 ca) => (_, certificate, _, errors) =>
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false; // no certificate, or the name does not match
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    };

    /// <summary>Opens TLS to <paramref name="endpoint"/> offering <paramref name="alpn"/> (none: no ALPN extension at
    /// all, as the Java SDK v2's default Netty client does) and returns the stream and the certificate the server showed.</summary>
    public static async Task<(SslStream Stream, X509Certificate2 ServerCertificate)> ConnectTlsAsync(Uri endpoint, X509Certificate2? ca, params SslApplicationProtocol[] alpn)
    {
        var socket = await ConnectAsync(endpoint);
        X509Certificate2? seen = null;
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = alpn.Length == 0 ? null : [.. alpn],
            RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                seen = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return ca is null || Trusting(ca)(sender, certificate, chain, errors);
            },
        });
        return (tls, seen ?? throw new InvalidOperationException("no server certificate"));
    }

    /// <summary><c>eddy cert export --data-dir DIR --out FILE</c>; returns the certificate it wrote.</summary>
    public static async Task<X509Certificate2> ExportCertificateAsync(string dataDir, string file)
    {
        var result = await ToolRunner.RunAsync(EddyServer.DotnetHost(), [EddyServer.LocateEddyDll(), "cert", "export", "--data-dir", dataDir, "--out", file]);
        Assert.True(result.Succeeded, "eddy cert export failed:\n" + result.Describe());
        return X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(file));
    }

    /// <summary>curl with <paramref name="args"/> against a ListStreams call, signed by curl (<c>--aws-sigv4</c>, any key);
    /// returns (body, %{http_version}).</summary>
    public static async Task<(string Body, string HttpVersion)> CurlListStreamsAsync(Uri endpoint, params string[] args)
    {
        Assert.True(ToolRunner.Which("curl") is not null, "curl is not on PATH");
        var result = await ToolRunner.RunAsync("curl",
        [
            "-sS", "--max-time", "20", "--aws-sigv4", "aws:amz:us-east-1:kinesis", "--user", "test:test", .. args,
            "-H", "X-Amz-Target: Kinesis_20131202.ListStreams", "-H", "Content-Type: application/x-amz-json-1.1", "-d", "{}",
            "-w", "\n%{http_version}", endpoint.ToString(),
        ]);
        Assert.True(result.Succeeded, "curl failed:\n" + result.Describe());
        var lines = result.StdOut.TrimEnd().Split('\n');
        return (string.Join('\n', lines[..^1]), lines[^1].Trim());
    }
}
