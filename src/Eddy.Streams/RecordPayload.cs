using System.Buffers.Binary;
using Eddy.Core;

namespace Eddy.Streams;

/// <summary>
/// The bytes of one Kinesis record inside a log frame (docs/formats/record-payload.md):
/// <c>version(1) = 1 ‖ flags(1) ‖ partition key length(2, little-endian) ‖ partition key (UTF-8) ‖ data</c>.
/// Flag bit 0: the record was written while the stream was encrypted (EncryptionType KMS).
/// </summary>
internal static class RecordPayload
{
    public const byte Version = 1;
    public const byte FlagEncrypted = 1;
    public const int HeaderBytes = 4;

    public static int SizeOf(in PutEntry entry) => HeaderBytes + entry.PartitionKey.Length + entry.Data.Length;

    public static void Write(Span<byte> destination, in PutEntry entry, bool encrypted)
    {
        destination[0] = Version;
        destination[1] = encrypted ? FlagEncrypted : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)entry.PartitionKey.Length);
        entry.PartitionKey.Span.CopyTo(destination[HeaderBytes..]);
        entry.Data.Span.CopyTo(destination[(HeaderBytes + entry.PartitionKey.Length)..]);
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
