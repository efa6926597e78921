using System.Buffers;
using System.Formats.Cbor;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Cbor;

/// <summary>
/// Transcodes Kinesis bodies between AWS's CBOR protocol (<c>application/x-amz-cbor-1.1</c>, Java SDKs) and the JSON 1.1
/// protocol Eddy's handlers speak, guided by the operation's input or output shape, over System.Formats.Cbor's reader
/// and writer. See docs/formats/cbor.md.
/// </summary>
public static partial class CborJson
{
    public const string ContentType = "application/x-amz-cbor-1.1";

    /// <summary>Deepest nesting of maps and arrays accepted in a request (the top-level map is level 1).</summary>
    internal const int MaxDepth = 64;

    /// <summary>The writer kept between calls (<see cref="RentWriter"/>).</summary>
    private static WriterLease? s_spareWriter;

    /// <summary>
    /// Error body: map <c>{"__type": type, "message": message}</c> (message omitted when null).
    /// </summary>
    public static void WriteError(IBufferWriter<byte> cbor, string type, string? message)
    {
        ArgumentNullException.ThrowIfNull(cbor);
        ArgumentNullException.ThrowIfNull(type);

        var lease = RentWriter(64 + ((type.Length + (message?.Length ?? 0)) * 3));
        var w = lease.Writer;
        w.WriteStartMap(message is null ? 1 : 2);
        w.WriteTextString("__type");
        w.WriteTextString(type); // Lax writes a lone surrogate as U+FFFD
        if (message is not null)
        {
            w.WriteTextString("message");
            w.WriteTextString(message);
        }

        w.WriteEndMap();
        ReturnWriter(lease, cbor);
    }

    /// <summary>The member of <paramref name="structure"/> whose wire name is <paramref name="utf8Name"/>, or null.</summary>
    internal static Member? FindMember(Shape structure, ReadOnlySpan<byte> utf8Name)
    {
        foreach (var member in structure.Members)
        {
            if (utf8Name.SequenceEqual(member.Utf8Name))
            {
                return member;
            }
        }

        return null;
    }

    /// <summary>
    /// A Lax writer (shortest integer heads, no key sorting or duplicate checks) with room for at least
    /// <paramref name="capacity"/> bytes. One writer is kept between calls, so a steady run of answers reuses one buffer
    /// instead of allocating one per answer (a GetRecords answer can be 10 MiB); a call that finds it taken or too small
    /// makes its own.
    /// </summary>
    private static WriterLease RentWriter(int capacity)
    {
        var lease = Interlocked.Exchange(ref s_spareWriter, null);
        if (lease is null || lease.Capacity < capacity)
        {
            return new WriterLease(new CborWriter(CborConformanceMode.Lax, initialCapacity: capacity), capacity);
        }

        lease.Writer.Reset(); // also after a call that threw half-way
        return lease;
    }

    /// <summary>Copies what the writer encoded into <paramref name="output"/> and keeps the writer for the next call.</summary>
    private static void ReturnWriter(WriterLease lease, IBufferWriter<byte> output)
    {
        var writer = lease.Writer;
        output.Advance(writer.Encode(output.GetSpan(writer.BytesWritten)));
        lease.Capacity = Math.Max(lease.Capacity, writer.BytesWritten);
        Volatile.Write(ref s_spareWriter, lease);
    }

    /// <summary>A writer and the capacity its buffer is known to have.</summary>
    private sealed class WriterLease(CborWriter writer, int capacity)
    {
        public CborWriter Writer { get; } = writer;

        public int Capacity { get; set; } = capacity;
    }
}
