using System.Buffers.Binary;
using System.IO.Compression;
using Snappier;

namespace Eddy.Firehose;

/// <summary>
/// The compression formats of an S3 destination, applied to the whole object: GZIP (one gzip member), ZIP (one entry
/// named as the object without its extension), Snappy (the Snappy framing format) and HADOOP_SNAPPY (Hadoop's block
/// format: per block the uncompressed length, then compressed chunks each prefixed by its length, all big-endian
/// 32-bit). Pure functions; thread-safe.
/// </summary>
internal static class Compression
{
    private const int HadoopBlock = 256 * 1024;

    /// <summary>An object's content under <paramref name="key"/> compressed as <paramref name="s3"/> says (a ZIP entry is
    /// named as the object without its directory and extension).</summary>
    public static byte[] CompressObject(S3Settings s3, string key, ReadOnlySpan<byte> data)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        var extension = s3.Extension;
        return Compress(s3.Compression, data, extension.Length > 0 && name.EndsWith(extension, StringComparison.Ordinal) ? name[..^extension.Length] : name);
    }

    public static byte[] Compress(string format, ReadOnlySpan<byte> data, string entryName)
    {
        switch (format)
        {
            case "UNCOMPRESSED":
                return data.ToArray();
            case "GZIP":
                {
                    using var output = new MemoryStream();
                    using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        gzip.Write(data);
                    }
                    return output.ToArray();
                }
            case "ZIP":
                {
                    using var output = new MemoryStream();
                    using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
                    {
                        using var entry = zip.CreateEntry(entryName, CompressionLevel.Fastest).Open();
                        entry.Write(data);
                    }
                    return output.ToArray();
                }
            case "Snappy":
                {
                    using var output = new MemoryStream();
                    using (var snappy = new SnappyStream(output, CompressionMode.Compress, leaveOpen: true))
                    {
                        snappy.Write(data);
                    }
                    return output.ToArray();
                }
            case "HADOOP_SNAPPY":
                return HadoopSnappy(data);
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown compression format.");
        }
    }

    /// <summary>The inverse of <see cref="Compress"/> (for tests and tools).</summary>
    public static byte[] Decompress(string format, byte[] data)
    {
        switch (format)
        {
            case "UNCOMPRESSED":
                return data;
            case "GZIP":
                return ReadAll(new GZipStream(new MemoryStream(data), CompressionMode.Decompress));
            case "ZIP":
                {
                    using var zip = new ZipArchive(new MemoryStream(data), ZipArchiveMode.Read);
                    return ReadAll(zip.Entries.Single().Open());
                }
            case "Snappy":
                return ReadAll(new SnappyStream(new MemoryStream(data), CompressionMode.Decompress));
            case "HADOOP_SNAPPY":
                {
                    var output = new MemoryStream();
                    var i = 0;
                    while (i < data.Length)
                    {
                        var blockLength = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(i));
                        i += 4;
                        var read = 0;
                        while (read < blockLength)
                        {
                            var chunk = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(i));
                            i += 4;
                            var plain = Snappy.DecompressToArray(data.AsSpan(i, chunk));
                            output.Write(plain);
                            read += plain.Length;
                            i += chunk;
                        }
                    }
                    return output.ToArray();
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown compression format.");
        }
    }

    private static byte[] HadoopSnappy(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        for (var i = 0; i < data.Length; i += HadoopBlock)
        {
            var block = data.Slice(i, Math.Min(HadoopBlock, data.Length - i));
            var compressed = Snappy.CompressToArray(block);
            BinaryPrimitives.WriteInt32BigEndian(length, block.Length);
            output.Write(length);
            BinaryPrimitives.WriteInt32BigEndian(length, compressed.Length);
            output.Write(length);
            output.Write(compressed);
        }
        return output.ToArray();
    }

    private static byte[] ReadAll(Stream stream)
    {
        using (stream)
        {
            using var output = new MemoryStream();
            stream.CopyTo(output);
            return output.ToArray();
        }
    }
}
