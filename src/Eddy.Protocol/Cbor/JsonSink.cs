using System.Buffers;
using System.Buffers.Text;
using System.Globalization;

namespace Eddy.Protocol.Cbor;

/// <summary>
/// Writes JSON text straight into an <see cref="IBufferWriter{T}"/>. The caller produces the structure (brackets,
/// commas, colons); this type escapes strings (input must be valid UTF-8), streams base64 across chunks and formats
/// numbers and Kinesis timestamps.
/// </summary>
internal struct JsonSink(IBufferWriter<byte> output)
{
    /// <summary>Input bytes per base64 block (a multiple of 3, so blocks need no padding).</summary>
    private const int Base64Block = 3 * 16 * 1024;

    private static readonly SearchValues<byte> s_needsEscape = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\"\\"u8);

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    private readonly IBufferWriter<byte> _output = output;
    private int _carryLength;
    private byte _carry0;
    private byte _carry1;

    public readonly void Byte(byte b)
    {
        _output.GetSpan(1)[0] = b;
        _output.Advance(1);
    }

    public readonly void Raw(ReadOnlySpan<byte> bytes) => _output.Write(bytes);

    /// <summary>A complete JSON string (quotes included) from valid UTF-8.</summary>
    public readonly void String(ReadOnlySpan<byte> utf8)
    {
        Byte((byte)'"');
        StringContent(utf8);
        Byte((byte)'"');
    }

    /// <summary>Escaped string content (no quotes) from valid UTF-8: quote, backslash and controls are escaped.</summary>
    public readonly void StringContent(ReadOnlySpan<byte> utf8)
    {
        while (true)
        {
            var i = utf8.IndexOfAny(s_needsEscape);
            if (i < 0)
            {
                Raw(utf8);
                return;
            }

            Raw(utf8[..i]);
            var c = utf8[i];
            var span = _output.GetSpan(6);
            span[0] = (byte)'\\';
            var n = 2;
            switch (c)
            {
                case (byte)'"':
                case (byte)'\\':
                    span[1] = c;
                    break;
                case (byte)'\n':
                    span[1] = (byte)'n';
                    break;
                case (byte)'\r':
                    span[1] = (byte)'r';
                    break;
                case (byte)'\t':
                    span[1] = (byte)'t';
                    break;
                case (byte)'\b':
                    span[1] = (byte)'b';
                    break;
                case (byte)'\f':
                    span[1] = (byte)'f';
                    break;
                default:
                    span[1] = (byte)'u';
                    span[2] = (byte)'0';
                    span[3] = (byte)'0';
                    span[4] = Hex[c >> 4];
                    span[5] = Hex[c & 0xF];
                    n = 6;
                    break;
            }

            _output.Advance(n);
            utf8 = utf8[(i + 1)..];
        }
    }

    /// <summary>Starts streaming base64 content (inside quotes the caller writes).</summary>
    public void Base64Begin() => _carryLength = 0;

    public void Base64Append(ReadOnlySpan<byte> data)
    {
        if (_carryLength > 0)
        {
            var need = 3 - _carryLength;
            if (data.Length < need)
            {
                // Only possible with one byte carried and one arriving: carry two.
                if (!data.IsEmpty)
                {
                    _carry1 = data[0];
                    _carryLength = 2;
                }

                return;
            }

            Span<byte> group = [_carry0, _carry1, 0];
            data[..need].CopyTo(group[_carryLength..]);
            Base64Group(group);
            data = data[need..];
            _carryLength = 0;
        }

        var whole = data.Length / 3 * 3;
        var blocks = data[..whole];
        while (!blocks.IsEmpty)
        {
            var block = blocks[..Math.Min(blocks.Length, Base64Block)];
            var span = _output.GetSpan(block.Length / 3 * 4);
            Base64.EncodeToUtf8(block, span, out _, out var written);
            _output.Advance(written);
            blocks = blocks[block.Length..];
        }

        var rest = data[whole..];
        _carryLength = rest.Length;
        if (rest.Length > 0)
        {
            _carry0 = rest[0];
        }

        if (rest.Length > 1)
        {
            _carry1 = rest[1];
        }
    }

    public void Base64End()
    {
        if (_carryLength == 1)
        {
            Base64Group([_carry0]);
        }
        else if (_carryLength == 2)
        {
            Base64Group([_carry0, _carry1]);
        }

        _carryLength = 0;
    }

    private readonly void Base64Group(ReadOnlySpan<byte> group)
    {
        var span = _output.GetSpan(4);
        Base64.EncodeToUtf8(group, span, out _, out var written);
        _output.Advance(written);
    }

    public readonly void UInt64(ulong value)
    {
        var span = _output.GetSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        _output.Advance(written);
    }

    /// <summary>The CBOR negative integer -1 - <paramref name="n"/> (down to -2^64).</summary>
    public readonly void NegativeInteger(ulong n)
    {
        Byte((byte)'-');
        if (n == ulong.MaxValue)
        {
            Raw("18446744073709551616"u8);
        }
        else
        {
            UInt64(n + 1);
        }
    }

    /// <summary>A finite double in its shortest round-trip form (valid JSON: <c>1E+21</c>, <c>-0</c>, <c>0.5</c>).</summary>
    public readonly void Double(double value)
    {
        var span = _output.GetSpan(32);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        _output.Advance(written);
    }

    /// <summary>
    /// Epoch milliseconds given as the decimal digits of their magnitude, written as epoch seconds with up to three
    /// fraction digits (<c>1441215410867</c> → <c>1441215410.867</c>, <c>1500</c> → <c>1.5</c>).
    /// </summary>
    public readonly void MillisAsSeconds(bool negative, ReadOnlySpan<char> digits)
    {
        digits = digits.TrimStart('0');
        if (digits.IsEmpty)
        {
            Byte((byte)'0');
            return;
        }

        Span<byte> fraction = stackalloc byte[3];
        ReadOnlySpan<char> whole;
        if (digits.Length > 3)
        {
            whole = digits[..^3];
            var f = digits[^3..];
            for (var i = 0; i < 3; i++)
            {
                fraction[i] = (byte)f[i];
            }
        }
        else
        {
            whole = "0";
            var pad = 3 - digits.Length;
            for (var i = 0; i < 3; i++)
            {
                fraction[i] = i < pad ? (byte)'0' : (byte)digits[i - pad];
            }
        }

        var fractionLength = 3;
        while (fractionLength > 0 && fraction[fractionLength - 1] == (byte)'0')
        {
            fractionLength--;
        }

        var span = _output.GetSpan(whole.Length + 5);
        var n = 0;
        if (negative)
        {
            span[n++] = (byte)'-';
        }

        foreach (var c in whole)
        {
            span[n++] = (byte)c;
        }

        if (fractionLength > 0)
        {
            span[n++] = (byte)'.';
            fraction[..fractionLength].CopyTo(span[n..]);
            n += fractionLength;
        }

        _output.Advance(n);
    }
}
