using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Eddy.Core.Objects;

namespace Eddy.Objects;

/// <summary>
/// One object of <see cref="FileObjectStore"/> as one file (docs/formats/object-file.md): the content bytes, then
/// the metadata as UTF-8 JSON, then a 28-byte footer: the metadata's length (uint32 LE), the MD5 of the metadata
/// (16 bytes, its checksum), the format version (1) and the magic <c>EDDYOBJ</c>. Content, metadata and footer
/// are written to a temp file that is fsynced before it is renamed over the key's file, so a file under a key's name
/// is always whole. Also the key ↔ file name mapping.
/// </summary>
/// <remarks>Pure functions and reads of files the caller opened; safe from any thread.</remarks>
internal static class ObjectFile
{
    public const string DefaultContentType = "binary/octet-stream";
    public const int FooterBytes = 28;
    public const byte Version = 1;
    public static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();
    private static readonly byte[] s_magic = "EDDYOBJ"u8.ToArray();

    /// <summary>Longest file name made by escaping; longer escapes use the hashed form.</summary>
    private const int MaxEscapedName = 200;

    /// <summary>The file name of a key inside its bucket's directory: the key's UTF-8 bytes with every byte other than
    /// <c>A–Z a–z 0–9 - _</c> (and '.' past the first byte) written <c>%XX</c>, so no name is <c>.</c>, <c>..</c>, holds a
    /// '/' or begins with '.' (the store's own files do); a name longer than 200 characters is <c>~</c> and the
    /// SHA-256 hex of the key instead ('~' is always escaped, so the forms never meet).</summary>
    public static string FileNameOf(string key)
    {
        var bytes = ObjectNames.Strict.GetBytes(key);
        var name = new StringBuilder(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'_' || (b == (byte)'.' && i > 0))
            {
                name.Append((char)b);
            }
            else
            {
                name.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }

            if (name.Length > MaxEscapedName)
            {
                return "~" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            }
        }

        return name.ToString();
    }

    /// <summary>The metadata and footer that follow the content of <paramref name="info"/>'s file.</summary>
    public static byte[] Trailer(ObjectInfo info)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("key", info.Key);
            writer.WriteString("etag", info.ETag);
            writer.WriteNumber("lastModified", info.LastModified.ToUnixTimeMilliseconds());
            writer.WriteString("contentType", info.ContentType);
            if (info.ContentEncoding is not null)
            {
                writer.WriteString("contentEncoding", info.ContentEncoding);
            }

            writer.WriteStartObject("userMetadata");
            foreach (var (name, value) in info.UserMetadata)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var meta = json.ToArray();
        var trailer = new byte[meta.Length + FooterBytes];
        meta.CopyTo(trailer, 0);
        var footer = trailer.AsSpan(meta.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(footer, (uint)meta.Length);
        MD5.HashData(meta, footer[4..20]);
        footer[20] = Version;
        s_magic.CopyTo(footer[21..]);
        return trailer;
    }

    /// <summary>Reads the metadata of an object file through its handle; null when the file is not a whole object
    /// file (bad footer, bad checksum, bad JSON).</summary>
    public static ObjectInfo? ReadInfo(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        var length = RandomAccess.GetLength(file);
        if (length < FooterBytes)
        {
            return null;
        }

        Span<byte> footer = stackalloc byte[FooterBytes];
        if (RandomAccess.Read(file, footer, length - FooterBytes) != FooterBytes || footer[20] != Version || !footer[21..].SequenceEqual(s_magic))
        {
            return null;
        }

        var metaLength = BinaryPrimitives.ReadUInt32LittleEndian(footer);
        if (metaLength > length - FooterBytes)
        {
            return null;
        }

        var meta = new byte[metaLength];
        var metaOffset = length - FooterBytes - metaLength;
        if (RandomAccess.Read(file, meta, metaOffset) != meta.Length || !MD5.HashData(meta).AsSpan().SequenceEqual(footer[4..20]))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(meta);
            var root = doc.RootElement;
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in root.GetProperty("userMetadata").EnumerateObject())
            {
                metadata[property.Name] = property.Value.GetString()!;
            }

            return new ObjectInfo(
                root.GetProperty("key").GetString()!,
                metaOffset,
                root.GetProperty("etag").GetString()!,
                DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("lastModified").GetInt64()),
                root.GetProperty("contentType").GetString()!,
                root.TryGetProperty("contentEncoding", out var encoding) ? encoding.GetString() : null,
                metadata);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>The members every read-only, forward-only stream of the store shares.</summary>
internal abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A read-only window of a file: <c>length</c> bytes from <c>offset</c>, read through the handle with
/// positional reads. Owns the handle (disposing closes it). Not thread-safe, as any stream.</summary>
internal sealed class FileWindowStream(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long length) : ReadOnlyStream
{
    private long _position;

    public override long Length => length;

    public override int Read(Span<byte> buffer)
    {
        var want = (int)Math.Min(buffer.Length, length - _position);
        if (want <= 0)
        {
            return 0;
        }

        var read = RandomAccess.Read(file, buffer[..want], offset + _position);
        _position += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var want = (int)Math.Min(buffer.Length, length - _position);
        if (want <= 0)
        {
            return 0;
        }

        var read = await RandomAccess.ReadAsync(file, buffer[..want], offset + _position, cancellationToken).ConfigureAwait(false);
        _position += read;
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }

        base.Dispose(disposing);
    }
}
