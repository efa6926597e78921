using System.Buffers.Binary;
using Eddy.Core;
using Eddy.Streams.Encryption;

namespace Eddy.Streams;

/// <summary>
/// The bytes of one Kinesis record inside a log frame (docs/formats/record-payload.md).
/// Version 1 (plaintext): <c>version(1) = 1 ‖ flags(1) ‖ partition key length(2, little-endian) ‖ partition key (UTF-8) ‖ data</c>.
/// Version 2 (sealed, written while the stream is encrypted): <c>version(1) = 2 ‖ flags(1) ‖ key handle(4) ‖ salt(16) ‖
/// index(4) ‖ AES-GCM(partition key length(2) ‖ partition key ‖ data) ‖ tag(16)</c>.
/// Flag bit 0: the record was written while the stream was encrypted (EncryptionType KMS).
/// </summary>
internal static class RecordPayload
{
    public const byte Version = 1;
    public const byte SealedVersion = 2;
    public const byte FlagEncrypted = 1;
    public const int HeaderBytes = 4;

    public static int SizeOf(in PutEntry entry) => HeaderBytes + entry.PartitionKey.Length + entry.Data.Length;

    /// <summary>Size of the version-2 (sealed) payload of <paramref name="entry"/>.</summary>
    public static int SealedSizeOf(in PutEntry entry) => RecordCipher.Overhead + 2 + entry.PartitionKey.Length + entry.Data.Length;

    public static void Write(Span<byte> destination, in PutEntry entry, bool encrypted)
    {
        destination[0] = Version;
        destination[1] = encrypted ? FlagEncrypted : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)entry.PartitionKey.Length);
        entry.PartitionKey.Span.CopyTo(destination[HeaderBytes..]);
        entry.Data.Span.CopyTo(destination[(HeaderBytes + entry.PartitionKey.Length)..]);
    }

    /// <summary>Writes the version-2 payload of <paramref name="entry"/> (<see cref="SealedSizeOf"/> bytes), record
    /// <paramref name="index"/> of the sealer's append group.</summary>
    public static void WriteSealed(Span<byte> destination, in PutEntry entry, RecordCipher.Sealer sealer, uint index)
    {
        var text = destination[RecordCipher.HeaderBytes..^RecordCipher.TagBytes];
        BinaryPrimitives.WriteUInt16LittleEndian(text, (ushort)entry.PartitionKey.Length);
        entry.PartitionKey.Span.CopyTo(text[2..]);
        entry.Data.Span.CopyTo(text[(2 + entry.PartitionKey.Length)..]);
        sealer.Seal(destination, SealedVersion, FlagEncrypted, index);
    }

    /// <summary>True for a version-2 payload; <paramref name="plaintextBytes"/> is what <see cref="TryOpen"/> needs.</summary>
    public static bool IsSealed(ReadOnlySpan<byte> payload, out int plaintextBytes)
    {
        plaintextBytes = payload.Length - RecordCipher.Overhead;
        return payload.Length >= RecordCipher.Overhead + 2 && payload[0] == SealedVersion;
    }

    /// <summary>Decrypts a version-2 payload into <paramref name="plaintext"/> and slices its key and data from it.</summary>
    public static bool TryOpen(ReadOnlySpan<byte> payload, Memory<byte> plaintext, RecordCipher.Opener opener,
        out ReadOnlyMemory<byte> partitionKey, out ReadOnlyMemory<byte> data)
    {
        partitionKey = data = default;
        opener.Open(payload, plaintext.Span);
        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(plaintext.Span);
        if (plaintext.Length < 2 + keyLength) return false;
        partitionKey = plaintext.Slice(2, keyLength);
        data = plaintext[(2 + keyLength)..];
        return true;
    }

    public static bool TryRead(ReadOnlyMemory<byte> payload, out ReadOnlyMemory<byte> partitionKey, out ReadOnlyMemory<byte> data, out bool encrypted)
    {
        partitionKey = data = default;
        encrypted = false;
        var span = payload.Span;
        if (span.Length < HeaderBytes || span[0] != Version) return false;
        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(span[2..]);
        if (span.Length < HeaderBytes + keyLength) return false;
        encrypted = (span[1] & FlagEncrypted) != 0;
        partitionKey = payload.Slice(HeaderBytes, keyLength);
        data = payload[(HeaderBytes + keyLength)..];
        return true;
    }
}
