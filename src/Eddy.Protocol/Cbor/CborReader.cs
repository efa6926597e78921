using System.Buffers.Binary;

namespace Eddy.Protocol.Cbor;

/// <summary>The head of a CBOR data item (RFC 8949 §3): major type, additional information and argument.</summary>
internal readonly struct CborHead(int major, int additional, ulong argument)
{
    public const int Unsigned = 0;
    public const int Negative = 1;
    public const int ByteString = 2;
    public const int TextString = 3;
    public const int Array = 4;
    public const int Map = 5;
    public const int Tag = 6;
    public const int Simple = 7;

    /// <summary>Major type 0–7.</summary>
    public int Major { get; } = major;

    /// <summary>The low five bits of the initial byte.</summary>
    public int Additional { get; } = additional;

    /// <summary>
    /// The argument: value, length, count or tag number; for major type 7 the simple value (additional 0–24) or the
    /// raw bits of a float (additional 25–27). Zero for indefinite lengths and the break code.
    /// </summary>
    public ulong Argument { get; } = argument;

    /// <summary>Indefinite-length string, array or map (additional information 31 on major types 2–5).</summary>
    public bool IsIndefinite => Additional == 31 && Major is >= ByteString and <= Map;

    /// <summary>The "break" stop code (<c>FF</c>).</summary>
    public bool IsBreak => Major == Simple && Additional == 31;
}

/// <summary>
/// A forward-only reader of CBOR item heads over a buffer. It checks well-formedness of each head (reserved
/// additional information, indefinite lengths only where allowed, two-byte simple values ≥ 32) and that string
/// lengths fit the input; structure (nesting, breaks) is the caller's job. Every failure is a <see cref="CborException"/>.
/// </summary>
internal ref struct CborReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>The next initial byte, not consumed.</summary>
    public readonly byte PeekByte() => _position < _data.Length ? _data[_position] : throw Truncated();

    /// <summary>Consumes the next initial byte when it is the break code.</summary>
    public bool TryReadBreak()
    {
        if (PeekByte() != 0xFF)
        {
            return false;
        }

        _position++;
        return true;
    }

    public CborHead ReadHead()
    {
        if (_position >= _data.Length)
        {
            throw Truncated();
        }

        var initial = _data[_position++];
        var major = initial >> 5;
        var additional = initial & 0x1F;
        ulong argument;
        switch (additional)
        {
            case < 24:
                argument = (ulong)additional;
                break;
            case 24:
                argument = ReadFixed(1)[0];
                if (major == CborHead.Simple && argument < 32)
                {
                    throw new CborException("Malformed CBOR: two-byte simple value below 32.");
                }

                break;
            case 25:
                argument = BinaryPrimitives.ReadUInt16BigEndian(ReadFixed(2));
                break;
            case 26:
                argument = BinaryPrimitives.ReadUInt32BigEndian(ReadFixed(4));
                break;
            case 27:
                argument = BinaryPrimitives.ReadUInt64BigEndian(ReadFixed(8));
                break;
            case 31 when major is >= CborHead.ByteString and <= CborHead.Map or CborHead.Simple:
                argument = 0;
                break;
            default:
                throw new CborException($"Malformed CBOR: reserved or invalid initial byte 0x{initial:x2} at offset {_position - 1}.");
        }

        return new CborHead(major, additional, argument);
    }

    /// <summary>Reads the content of a definite-length string whose head was just read.</summary>
    public ReadOnlySpan<byte> ReadContent(ulong length)
    {
        if (length > (ulong)Remaining)
        {
            throw new CborException($"Malformed CBOR: string length {length} at offset {_position} goes beyond the end of the input.");
        }

        var span = _data.Slice(_position, (int)length);
        _position += (int)length;
        return span;
    }

    private ReadOnlySpan<byte> ReadFixed(int n)
    {
        if (Remaining < n)
        {
            throw Truncated();
        }

        var span = _data.Slice(_position, n);
        _position += n;
        return span;
    }

    private readonly CborException Truncated() => new($"Malformed CBOR: unexpected end of input at offset {_position}.");
}
