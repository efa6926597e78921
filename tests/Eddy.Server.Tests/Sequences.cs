using System.Buffers;

namespace Eddy.Server.Tests;

/// <summary>Multi-segment <see cref="ReadOnlySequence{T}"/>s over one array, as a pipe hands them out.</summary>
internal static class Sequences
{
    /// <summary><paramref name="bytes"/> cut at <paramref name="splits"/> (ascending offsets); the segments are views of
    /// the array, so writes through the sequence land in it.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, params int[] splits) => Segmented(bytes.AsMemory(), splits);

    public static ReadOnlySequence<byte> Segmented(Memory<byte> bytes, params int[] splits)
    {
        var first = new Segment(bytes[..(splits.Length > 0 ? splits[0] : bytes.Length)]);
        var last = first;
        for (var i = 0; i < splits.Length; i++)
        {
            last = last.Append(bytes[splits[i]..(i + 1 < splits.Length ? splits[i + 1] : bytes.Length)]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
