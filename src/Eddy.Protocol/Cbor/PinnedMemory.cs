using System.Buffers;

namespace Eddy.Protocol.Cbor;

/// <summary>
/// A <see cref="Memory{T}"/> over memory the caller keeps pinned (a <c>fixed</c> span) for as long as the memory is used:
/// System.Formats.Cbor's reader takes <see cref="ReadOnlyMemory{T}"/>, <see cref="CborJson.ToJson"/> is given a span.
/// </summary>
internal sealed unsafe class PinnedMemory(byte* pointer, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new(pointer, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
