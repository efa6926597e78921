using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using Eddy.Server.Transport;

namespace Eddy.Host;

/// <summary><c>eddy cert export</c>: the PEM of the self-signed certificate Eddy's TLS port uses, for clients to trust.</summary>
internal static class CertCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Data directory of the server; its certificate is in <data-dir>/tls.", DefaultValueFactory = _ => "./data" };
        var inMemory = new Option<bool>("--in-memory") { Description = "The certificate of --in-memory servers (kept in the user's data directory)." };
        var output = new Option<string?>("--out") { Description = "Write the PEM to this file instead of printing it." };
        var export = new Command("export", "Print the PEM certificate of Eddy's TLS port (creating it, as the server's first start would, if there is none yet).")
        {
            dataDir, inMemory, output,
        };
        export.SetAction(async (parse, cancellation) =>
        {
            var directory = ServerCertificate.DirectoryFor(parse.GetValue(dataDir)!, parse.GetValue(inMemory));
            string pem;
            string fingerprint;
            try
            {
                using var certificate = ServerCertificate.LoadOrCreate(directory, out _);
                pem = ServerCertificate.ToPem(certificate);
                fingerprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                await Console.Error.WriteLineAsync($"eddy: cannot load or create the certificate in {directory}: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file, pem, Encoding.ASCII, cancellation).ConfigureAwait(false);
                await Console.Error.WriteLineAsync($"eddy: wrote {Path.GetFullPath(file)} (SHA-256 {fingerprint})").ConfigureAwait(false);
            }
            else
            {
                await Console.Out.WriteAsync(pem).ConfigureAwait(false);
            }

            return 0;
        });
        return new Command("cert", "Eddy's TLS certificate.") { export };
    }
}
