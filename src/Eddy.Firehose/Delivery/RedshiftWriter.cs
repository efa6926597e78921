using System.Text.Json;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// The Redshift destination, delivered to PostgreSQL as Firehose delivers to a cluster (shared/specs/firehose.md §8):
/// the flush's records become one object in the intermediate bucket (<c>S3Configuration</c>, the normal key rules,
/// GZIP or UNCOMPRESSED), a COPY manifest listing it goes under <c>&lt;prefix&gt;manifests/</c>, then the COPY runs
/// (<see cref="RedshiftLoader"/>: the manifest and object read back from the bucket store and streamed into the table
/// in one transaction). A failed COPY is retried within <c>RetryOptions.DurationInSeconds</c> (default 3600); then the
/// manifest of the skipped objects goes under <c>&lt;prefix&gt;errors/manifests/</c> and delivery goes on with the next
/// flush. Intermediate objects are never deleted, as on AWS.
/// </summary>
/// <remarks>Stateless and thread-safe (one instance for every delivery stream). Every key is derived from the flush's
/// identity, so a redo after a crash rewrites the same objects, and the loader's bookkeeping table keeps the COPY from
/// running twice.</remarks>
internal sealed class RedshiftWriter : IDestinationWriter
{
    public static RedshiftWriter Instance { get; } = new();

    public async Task<WriteResult> DeliverAsync(Flush flush, CancellationToken cancellationToken)
    {
        var config = RedshiftConfiguration.From(flush.Destination.Configuration);
        var s3 = flush.Destination.S3!;
        var body = flush.Concatenated();
        await flush.PutObjectAsync(s3.Bucket, flush.Identity, Compression.CompressObject(s3, flush.Identity, body), cancellationToken).ConfigureAwait(false);
        var manifest = Manifest([$"s3://{s3.Bucket}/{flush.Identity}"]);
        var manifestKey = ManifestKey(s3, flush.Identity, "manifests/");
        await flush.PutObjectAsync(s3.Bucket, manifestKey, manifest, cancellationToken).ConfigureAwait(false);

        var retry = flush.Retry(config.RetryDuration);
        while (true)
        {
            try
            {
                await RedshiftLoader.LoadAsync(flush.Objects, config, s3.Bucket, manifestKey, cancellationToken).ConfigureAwait(false);
                retry.Succeeded();
                return new WriteResult(body.Length, 1, []);
            }
            catch (RedshiftLoadException e)
            {
                if (!await retry.FailedAsync($"COPY into {config.Table} from s3://{s3.Bucket}/{manifestKey}", $"{e.ErrorCode}: {e.Message}", cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        // AWS's rule: the skipped objects' manifest goes to the errors/ folder of the intermediate bucket, for a manual backfill.
        await flush.PutObjectAsync(s3.Bucket, ManifestKey(s3, flush.Identity, "errors/manifests/"), manifest, cancellationToken).ConfigureAwait(false);
        return WriteResult.Nothing;
    }

    /// <summary>A manifest's key: the intermediate prefix, <paramref name="folder"/>, then the object key's date path and
    /// name without the prefix and extension (<c>&lt;prefix&gt;manifests/yyyy/MM/dd/HH/&lt;name&gt;-1-...-&lt;uuid&gt;</c>).</summary>
    public static string ManifestKey(S3Settings s3, string objectKey, string folder)
    {
        var prefix = s3.Prefix ?? "";
        var rest = objectKey.StartsWith(prefix, StringComparison.Ordinal) ? objectKey[prefix.Length..] : objectKey;
        if (s3.Extension.Length > 0 && rest.EndsWith(s3.Extension, StringComparison.Ordinal))
        {
            rest = rest[..^s3.Extension.Length];
        }
        return prefix + folder + rest;
    }

    /// <summary>A COPY manifest: <c>{"entries":[{"url":"s3://bucket/key","mandatory":true}]}</c>.</summary>
    public static byte[] Manifest(IEnumerable<string> urls)
    {
        using var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteStartArray("entries");
            foreach (var url in urls)
            {
                w.WriteStartObject();
                w.WriteString("url", url);
                w.WriteBoolean("mandatory", true);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return output.ToArray();
    }
}
