using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Eddy.Protocol.Cbor;

/// <summary>
/// Writes CBOR items (RFC 8949) straight into an <see cref="IBufferWriter{T}"/>: heads with the shortest argument
/// encoding, definite-length strings, maps and arrays, tags, simple values and float64.
/// </summary>
internal readonly struct CborWriter(IBufferWriter<byte> output)
{
    public IBufferWriter<byte> Output { get; } = output;

    public void Head(int major, ulong argument)
    {
        var span = Output.GetSpan(9);
        var m = (byte)(major << 5);
        int n;
        if (argument < 24)
        {
            span[0] = (byte)(m | (byte)argument);
            n = 1;
        }
        else if (argument <= byte.MaxValue)
        {
            span[0] = (byte)(m | 24);
            span[1] = (byte)argument;
            n = 2;
        }
        else if (argument <= ushort.MaxValue)
        {
            span[0] = (byte)(m | 25);
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)argument);
            n = 3;
        }
        else if (argument <= uint.MaxValue)
        {
            span[0] = (byte)(m | 26);
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)argument);
            n = 5;
        }
        else
        {
            span[0] = (byte)(m | 27);
            BinaryPrimitives.WriteUInt64BigEndian(span[1..], argument);
            n = 9;
        }

        Output.Advance(n);
    }

    public void UInt64(ulong value) => Head(CborHead.Unsigned, value);

    public void Int64(long value)
    {
        if (value >= 0)
        {
            Head(CborHead.Unsigned, (ulong)value);
        }
        else
        {
            Head(CborHead.Negative, (ulong)~value); // -1 - value
        }
    }

    public void MapHeader(int count) => Head(CborHead.Map, (ulong)count);

    public void ArrayHeader(int count) => Head(CborHead.Array, (ulong)count);

    public void Tag(ulong tag) => Head(CborHead.Tag, tag);

    public void TextString(ReadOnlySpan<byte> utf8)
    {
        Head(CborHead.TextString, (ulong)utf8.Length);
        Output.Write(utf8);
    }

    /// <summary>A text string from UTF-16 (lone surrogates become U+FFFD).</summary>
    public void TextString(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        Head(CborHead.TextString, (ulong)length);
        var span = Output.GetSpan(length);
        var written = Encoding.UTF8.GetBytes(text, span);
        Output.Advance(written);
    }

    public void ByteString(ReadOnlySpan<byte> bytes)
    {
        Head(CborHead.ByteString, (ulong)bytes.Length);
        Output.Write(bytes);
    }

    public void Boolean(bool value) => Simple(value ? (byte)0xF5 : (byte)0xF4);

    public void Null() => Simple(0xF6);

    public void Double(double value)
    {
        var span = Output.GetSpan(9);
        span[0] = 0xFB;
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
        Output.Advance(9);
    }

    private void Simple(byte initial)
    {
        Output.GetSpan(1)[0] = initial;
        Output.Advance(1);
    }
}
