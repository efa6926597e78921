using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Eddy.Server.Transport;

/// <summary>
/// The certificate of Eddy's TLS listener. Unless one is given, Eddy makes its own once: a self-signed ECDSA P-256
/// certificate for <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c>, valid for 10 years, marked as a CA so that
/// its PEM file can serve as the CA bundle clients are told to trust. It is kept in a directory as
/// <c>eddy.pfx</c> (certificate and private key, no password, owner-only) and <c>eddy.pem</c> (the certificate
/// alone, for clients), and reused on every later start.
/// </summary>
public static class ServerCertificate
{
    public const string PfxFileName = "eddy.pfx";
    public const string PemFileName = "eddy.pem";
    public const string SubjectName = "CN=Eddy localhost, O=Eddy";

    /// <summary>Where Eddy keeps its own certificate: <c>&lt;data-dir&gt;/tls</c>, or, for a server that keeps
    /// everything in memory, <see cref="UserDirectory"/> (so clients need to trust it only once).</summary>
    public static string DirectoryFor(string dataDirectory, bool inMemory) =>
        inMemory ? UserDirectory : Path.Combine(Path.GetFullPath(dataDirectory), "tls");

    /// <summary>The per-user directory for the certificate of in-memory servers:
    /// <c>$XDG_DATA_HOME/eddy/tls</c> (usually <c>~/.local/share/eddy/tls</c>; %LOCALAPPDATA%\eddy\tls on
    /// Windows), or the temporary directory when there is no such folder.</summary>
    public static string UserDirectory
    {
        get
        {
            var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(root))
            {
                root = Path.GetTempPath();
            }

            return Path.Combine(root, "eddy", "tls");
        }
    }

    /// <summary>The PEM file clients should trust for Eddy's own certificate in <paramref name="directory"/>.</summary>
    public static string PemPath(string directory) => Path.Combine(directory, PemFileName);

    /// <summary>Loads Eddy's own certificate (with its private key) from <paramref name="directory"/>, creating it
    /// there first when there is none or the one there has expired. Safe when several processes start at once:
    /// the first to store its certificate wins and the others load that one. Also (re)writes <c>eddy.pem</c>.</summary>
    public static X509Certificate2 LoadOrCreate(string directory, out bool created)
    {
        Directory.CreateDirectory(directory);
        var pfx = Path.Combine(directory, PfxFileName);
        created = false;
        X509Certificate2? certificate = null;
        if (File.Exists(pfx))
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(pfx, null);
            if (!certificate.HasPrivateKey || certificate.NotAfter.ToUniversalTime() <= DateTime.UtcNow.AddDays(1))
            {
                certificate.Dispose();
                certificate = null;
                File.Delete(pfx);
            }
        }

        if (certificate is null)
        {
            using (var fresh = Create(DateTimeOffset.UtcNow))
            {
                created = WriteFile(pfx, fresh.Export(X509ContentType.Pkcs12), replace: false, ownerOnly: true);
            }

            certificate = X509CertificateLoader.LoadPkcs12FromFile(pfx, null);
        }

        var pem = Encoding.ASCII.GetBytes(ToPem(certificate));
        var pemPath = PemPath(directory);
        if (!File.Exists(pemPath) || !File.ReadAllBytes(pemPath).AsSpan().SequenceEqual(pem))
        {
            WriteFile(pemPath, pem, replace: true, ownerOnly: false);
        }

        return certificate;
    }

    /// <summary>Creates a fresh self-signed certificate as described on the class.</summary>
    public static X509Certificate2 Create(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(SubjectName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        var subjectKeyId = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(subjectKeyId);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(subjectKeyId));
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
    }

    /// <summary>Loads a certificate given by the user: a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>, optionally with
    /// <paramref name="password"/>) or a PEM file with the certificate first and the private key in the same
    /// file or in <paramref name="keyPath"/> (encrypted with <paramref name="password"/> if given).</summary>
    public static X509Certificate2 LoadFile(string path, string? keyPath = null, string? password = null)
    {
        X509Certificate2 certificate;
        if (LooksLikePem(path))
        {
            using var fromPem = password is null
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
            // Through PKCS#12 so that the TLS stack can use the key on every platform.
            certificate = X509CertificateLoader.LoadPkcs12(fromPem.Export(X509ContentType.Pkcs12), null);
        }
        else
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new CryptographicException($"{path} has no private key{(keyPath is null ? "" : $" matching {keyPath}")}.");
        }

        return certificate;
    }

    /// <summary>The certificate alone in PEM form, ending with a newline.</summary>
    public static string ToPem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    private static bool LooksLikePem(string path)
    {
        Span<byte> head = stackalloc byte[256];
        using var file = File.OpenRead(path);
        var n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head[..n].IndexOf("-----BEGIN "u8) >= 0;
    }

    /// <summary>Writes to a temporary file, then renames it into place. Without <paramref name="replace"/> an
    /// existing file is kept (another process got there first) and false is returned.</summary>
    private static bool WriteFile(string path, byte[] bytes, bool replace, bool ownerOnly)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var file = new FileStream(temporary, options))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temporary, path, overwrite: replace);
                return true;
            }
            catch (IOException) when (!replace && File.Exists(path))
            {
                return false;
            }
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
