using System.Buffers;
using System.Formats.Cbor;
using System.Globalization;
using System.Numerics;
using System.Text.Unicode;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Cbor;

public static partial class CborJson
{
    /// <summary>Bignums (tags 2/3) longer than this many bytes become ±1e999 (clamped by the JSON readers).</summary>
    private const int MaxBignumBytes = 64;

    private const int ByteStringMajor = 2;
    private const int TextStringMajor = 3;

    /// <summary>
    /// CBOR request body → JSON 1.1 body for the same members, guided by the operation's input shape. Blob members
    /// given as byte strings become base64 strings; Timestamp members given as integer or float epoch milliseconds
    /// (tag 1 optional) become epoch seconds with up to three fraction digits; null and undefined structure members are
    /// omitted; unknown members and values of the wrong CBOR type are copied through as the nearest JSON value so that
    /// the JSON validator reports what AWS reports. The top level must be a map.
    /// </summary>
    /// <remarks>On a <see cref="CborException"/> part of the JSON may already have been written: discard it.</remarks>
    /// <exception cref="CborException">Malformed or truncated CBOR, nesting deeper than <see cref="MaxDepth"/>, lengths
    /// beyond the input, trailing bytes, invalid UTF-8, a top level that is not a map, map keys that are neither text
    /// nor integers, NaN, unassigned simple values.</exception>
    public static unsafe void ToJson(ReadOnlySpan<byte> cbor, Shape? inputShape, IBufferWriter<byte> json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (cbor.IsEmpty)
        {
            throw new CborException("Malformed CBOR: unexpected end of input at offset 0.");
        }

        fixed (byte* pointer = cbor)
        {
            using var memory = new PinnedMemory(pointer, cbor.Length);

            // Lax: well-formedness only, so Jackson's indefinite lengths and non-shortest heads are accepted; one root item.
            var reader = new CborReader(memory.Memory, CborConformanceMode.Lax);
            var decoder = new Decoder(reader, cbor, json);
            try
            {
                decoder.Body(inputShape is { Type: ShapeType.Structure } ? inputShape : null);
            }
            catch (CborContentException e)
            {
                throw new CborException($"Malformed CBOR at offset {cbor.Length - reader.BytesRemaining}: {e.Message}");
            }
        }
    }

    /// <summary>JSON text from System.Formats.Cbor's reader, with the checks Lax mode leaves to the caller.</summary>
    private ref struct Decoder
    {
        private readonly CborReader _reader;
        private readonly ReadOnlySpan<byte> _data;
        private JsonSink _sink;

        public Decoder(CborReader reader, ReadOnlySpan<byte> data, IBufferWriter<byte> json)
        {
            _reader = reader;
            _data = data;
            _sink = new JsonSink(json);
        }

        private readonly int Position => _data.Length - _reader.BytesRemaining;

        public void Body(Shape? structure)
        {
            var (state, _) = ReadTags();
            if (state != CborReaderState.StartMap)
            {
                throw new CborException("The request body must be a CBOR map.");
            }

            WriteMap(structure, 1, omitNulls: true);
            if (_reader.BytesRemaining > 0)
            {
                throw new CborException($"Malformed CBOR: {_reader.BytesRemaining} trailing byte(s) after the top-level map.");
            }
        }

        /// <summary>Skips the tags before the next data item and gives its state and the innermost tag, if any.</summary>
        private readonly (CborReaderState State, ulong? Tag) ReadTags()
        {
            ulong? tag = null;
            var state = _reader.PeekState();
            while (state == CborReaderState.Tag)
            {
                tag = (ulong)_reader.ReadTag();
                state = _reader.PeekState();
            }

            return (state, tag);
        }

        private void WriteValue(Shape? shape, int depth, CborReaderState state, ulong? tag)
        {
            var isTimestamp = shape is { Type: ShapeType.Timestamp };
            switch (state)
            {
                case CborReaderState.UnsignedInteger:
                    var unsigned = _reader.ReadUInt64();
                    if (isTimestamp)
                    {
                        Span<char> digits = stackalloc char[20];
                        unsigned.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
                        _sink.MillisAsSeconds(false, digits[..n]);
                    }
                    else
                    {
                        _sink.UInt64(unsigned);
                    }

                    break;
                case CborReaderState.NegativeInteger:
                    var negative = _reader.ReadCborNegativeIntegerRepresentation();
                    if (isTimestamp)
                    {
                        Span<char> digits = stackalloc char[20];
                        var n = FormatNegativeMagnitude(negative, digits);
                        _sink.MillisAsSeconds(true, digits[..n]);
                    }
                    else
                    {
                        _sink.NegativeInteger(negative);
                    }

                    break;
                case CborReaderState.ByteString:
                case CborReaderState.StartIndefiniteLengthByteString:
                    if (tag is 2 or 3)
                    {
                        WriteBignum(state, negative: tag == 3, isTimestamp);
                    }
                    else
                    {
                        WriteBase64(state);
                    }

                    break;
                case CborReaderState.TextString:
                case CborReaderState.StartIndefiniteLengthTextString:
                    WriteText(state);
                    break;
                case CborReaderState.StartArray:
                    WriteArray(shape is { Type: ShapeType.List } ? shape.ListMember : null, depth + 1);
                    break;
                case CborReaderState.StartMap:
                    var mapShape = shape is { Type: ShapeType.Structure or ShapeType.Map } ? shape : null;
                    WriteMap(mapShape, depth + 1, omitNulls: mapShape is { Type: ShapeType.Structure });
                    break;
                case CborReaderState.Boolean:
                    _sink.Raw(_reader.ReadBoolean() ? "true"u8 : "false"u8);
                    break;
                case CborReaderState.Null:
                    _reader.ReadNull();
                    _sink.Raw("null"u8);
                    break;
                case CborReaderState.HalfPrecisionFloat:
                case CborReaderState.SinglePrecisionFloat:
                case CborReaderState.DoublePrecisionFloat:
                    WriteFloat(ref _sink, _reader.ReadDouble(), isTimestamp);
                    break;
                case CborReaderState.SimpleValue:
                    ReadUndefined();
                    _sink.Raw("null"u8);
                    break;
                default:
                    throw new CborException("Malformed CBOR: unexpected break code.");
            }
        }

        /// <summary>
        /// Reads a simple value that is not false, true, null or a float: only undefined (<c>F7</c>) is accepted. Lax mode
        /// reads two-byte simple values below 32, which RFC 8949 makes malformed, and leaves the reserved <c>FC</c>–<c>FE</c>
        /// to the caller.
        /// </summary>
        private readonly void ReadUndefined()
        {
            var initial = _data[Position];
            if (initial is >= 0xFC and <= 0xFE)
            {
                throw new CborException($"Malformed CBOR: reserved or invalid initial byte 0x{initial:x2} at offset {Position}.");
            }

            var value = _reader.ReadSimpleValue();
            if (initial == 0xF8 && (byte)value < 32)
            {
                throw new CborException("Malformed CBOR: two-byte simple value below 32.");
            }

            if (initial != 0xF7)
            {
                throw new CborException($"Unsupported CBOR simple value {(byte)value}.");
            }
        }

        /// <summary>Consumes the next item (its tags already read) when it is null or undefined.</summary>
        private readonly bool TrySkipNull(CborReaderState state)
        {
            if (state == CborReaderState.Null)
            {
                _reader.ReadNull();
                return true;
            }

            if (state == CborReaderState.SimpleValue && _data[Position] == 0xF7)
            {
                _reader.ReadSimpleValue();
                return true;
            }

            return false;
        }

        private void WriteBignum(CborReaderState state, bool negative, bool isTimestamp)
        {
            byte[]? rented = null;
            var bytes = state == CborReaderState.ByteString
                ? _reader.ReadDefiniteLengthByteString().Span
                : Gather(text: false, ref rented);
            bytes = bytes.TrimStart((byte)0);
            if (bytes.Length > MaxBignumBytes)
            {
                _sink.Raw(negative ? "-1e999"u8 : "1e999"u8);
            }
            else
            {
                var magnitude = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
                if (negative)
                {
                    magnitude += BigInteger.One; // the value is -1 - n
                }

                Span<char> digits = stackalloc char[160];
                magnitude.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
                if (isTimestamp)
                {
                    _sink.MillisAsSeconds(negative, digits[..n]);
                }
                else
                {
                    if (negative)
                    {
                        _sink.Byte((byte)'-');
                    }

                    Span<byte> ascii = stackalloc byte[160];
                    for (var i = 0; i < n; i++)
                    {
                        ascii[i] = (byte)digits[i];
                    }

                    _sink.Raw(ascii[..n]);
                }
            }

            Return(rented);
        }

        private void WriteBase64(CborReaderState state)
        {
            _sink.Byte((byte)'"');
            _sink.Base64Begin();
            if (state == CborReaderState.ByteString)
            {
                _sink.Base64Append(_reader.ReadDefiniteLengthByteString().Span);
            }
            else
            {
                _reader.ReadStartIndefiniteLengthByteString();
                while (NextChunk(ByteStringMajor))
                {
                    _sink.Base64Append(_reader.ReadDefiniteLengthByteString().Span);
                }

                _reader.ReadEndIndefiniteLengthByteString();
            }

            _sink.Base64End();
            _sink.Byte((byte)'"');
        }

        private void WriteText(CborReaderState state)
        {
            _sink.Byte((byte)'"');
            if (state == CborReaderState.TextString)
            {
                _sink.StringContent(Utf8Checked(_reader.ReadDefiniteLengthTextStringBytes().Span));
            }
            else
            {
                _reader.ReadStartIndefiniteLengthTextString();
                while (NextChunk(TextStringMajor))
                {
                    // Each chunk must be valid UTF-8 on its own (RFC 8949 §3.2.3).
                    _sink.StringContent(Utf8Checked(_reader.ReadDefiniteLengthTextStringBytes().Span));
                }

                _reader.ReadEndIndefiniteLengthTextString();
            }

            _sink.Byte((byte)'"');
        }

        /// <summary>
        /// True when the next item of an indefinite-length string is a chunk, false at its break; anything else is refused
        /// here, as System.Formats.Cbor's own message for it names no major type.
        /// </summary>
        private readonly bool NextChunk(int major)
        {
            var position = Position;
            if (position < _data.Length && _data[position] != 0xFF && (_data[position] >> 5 != major || (_data[position] & 0x1F) == 31))
            {
                throw new CborException("Malformed CBOR: a chunk of an indefinite-length string must be a definite string of the same type.");
            }

            return _reader.PeekState() is not (CborReaderState.EndIndefiniteLengthByteString or CborReaderState.EndIndefiniteLengthTextString);
        }

        /// <summary>Concatenates the chunks of an indefinite-length string (text checked) into a pooled buffer.</summary>
        private readonly ReadOnlySpan<byte> Gather(bool text, ref byte[]? rented)
        {
            rented ??= ArrayPool<byte>.Shared.Rent(256);
            var length = 0;
            if (text)
            {
                _reader.ReadStartIndefiniteLengthTextString();
            }
            else
            {
                _reader.ReadStartIndefiniteLengthByteString();
            }

            while (NextChunk(text ? TextStringMajor : ByteStringMajor))
            {
                var content = text
                    ? Utf8Checked(_reader.ReadDefiniteLengthTextStringBytes().Span)
                    : _reader.ReadDefiniteLengthByteString().Span;
                if (length + content.Length > rented.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(length + content.Length, rented.Length * 2));
                    rented.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(rented);
                    rented = bigger;
                }

                content.CopyTo(rented.AsSpan(length));
                length += content.Length;
            }

            if (text)
            {
                _reader.ReadEndIndefiniteLengthTextString();
            }
            else
            {
                _reader.ReadEndIndefiniteLengthByteString();
            }

            return rented.AsSpan(0, length);
        }

        private void WriteArray(Shape? item, int depth)
        {
            if (depth > MaxDepth)
            {
                throw new CborException($"CBOR nesting deeper than {MaxDepth} levels.");
            }

            _reader.ReadStartArray();
            _sink.Byte((byte)'[');
            var first = true;
            while (_reader.PeekState() != CborReaderState.EndArray)
            {
                if (!first)
                {
                    _sink.Byte((byte)',');
                }

                first = false;
                var (state, tag) = ReadTags();
                WriteValue(item, depth, state, tag);
            }

            _reader.ReadEndArray();
            _sink.Byte((byte)']');
        }

        /// <param name="shape">A structure (members looked up by name), a map (values of its value shape) or null (generic).</param>
        /// <param name="depth">The map's nesting level (the top-level map is 1).</param>
        /// <param name="omitNulls">Drop entries whose value is null or undefined (structure members: null means absent).</param>
        private void WriteMap(Shape? shape, int depth, bool omitNulls)
        {
            if (depth > MaxDepth)
            {
                throw new CborException($"CBOR nesting deeper than {MaxDepth} levels.");
            }

            _reader.ReadStartMap();
            _sink.Byte((byte)'{');
            var first = true;
            while (_reader.PeekState() != CborReaderState.EndMap)
            {
                byte[]? rented = null;
                var key = ReadKey(ref rented, out var keyState, out var keyNumber);
                Shape? valueShape = null;
                if (shape is { Type: ShapeType.Structure } && keyState == CborReaderState.TextString)
                {
                    valueShape = FindMember(shape, key)?.Shape;
                }
                else if (shape is { Type: ShapeType.Map })
                {
                    valueShape = shape.MapValue;
                }

                var (state, tag) = ReadTags();
                if (omitNulls && TrySkipNull(state))
                {
                    Return(rented);
                    continue;
                }

                if (!first)
                {
                    _sink.Byte((byte)',');
                }

                first = false;
                switch (keyState)
                {
                    case CborReaderState.UnsignedInteger:
                        _sink.Byte((byte)'"');
                        _sink.UInt64(keyNumber);
                        _sink.Byte((byte)'"');
                        break;
                    case CborReaderState.NegativeInteger:
                        _sink.Byte((byte)'"');
                        _sink.NegativeInteger(keyNumber);
                        _sink.Byte((byte)'"');
                        break;
                    default:
                        _sink.String(key);
                        break;
                }

                Return(rented);
                _sink.Byte((byte)':');
                WriteValue(valueShape, depth, state, tag);
            }

            _reader.ReadEndMap();
            _sink.Byte((byte)'}');
        }

        /// <summary>
        /// Reads a map key. Text keys (definite or chunked, possibly tagged) are returned as UTF-8 with
        /// <paramref name="keyState"/> <see cref="CborReaderState.TextString"/>; integer keys (which Jackson also accepts)
        /// return an empty span, their kind in <paramref name="keyState"/> and their argument in <paramref name="number"/>.
        /// Anything else is refused.
        /// </summary>
        private readonly ReadOnlySpan<byte> ReadKey(ref byte[]? rented, out CborReaderState keyState, out ulong number)
        {
            var (state, _) = ReadTags();
            keyState = state;
            number = 0;
            switch (state)
            {
                case CborReaderState.TextString:
                    return Utf8Checked(_reader.ReadDefiniteLengthTextStringBytes().Span);
                case CborReaderState.StartIndefiniteLengthTextString:
                    keyState = CborReaderState.TextString;
                    return Gather(text: true, ref rented);
                case CborReaderState.UnsignedInteger:
                    number = _reader.ReadUInt64();
                    return default;
                case CborReaderState.NegativeInteger:
                    number = _reader.ReadCborNegativeIntegerRepresentation();
                    return default;
                default:
                    throw new CborException("Unsupported CBOR map key: keys must be text strings.");
            }
        }
    }

    internal static void WriteFloat(ref JsonSink sink, double value, bool isTimestamp)
    {
        if (double.IsNaN(value))
        {
            throw new CborException("NaN is not a number Kinesis accepts.");
        }

        if (double.IsInfinity(value))
        {
            // Beyond every range: the JSON readers clamp it, as they do for a JSON client sending 1e999.
            sink.Raw(value > 0 ? "1e999"u8 : "-1e999"u8);
            return;
        }

        if (!isTimestamp)
        {
            sink.Double(value);
            return;
        }

        // Epoch milliseconds; sub-millisecond digits are dropped (floor), as for JSON timestamps.
        var millis = Math.Floor(value);
        if (Math.Abs(millis) < 9e18)
        {
            var m = (long)millis;
            Span<char> digits = stackalloc char[20];
            ((ulong)Math.Abs(m)).TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
            sink.MillisAsSeconds(m < 0, digits[..n]);
        }
        else
        {
            sink.Double(value / 1000);
        }
    }

    /// <summary>Digits of the magnitude of the CBOR negative integer -1 - <paramref name="n"/>.</summary>
    internal static int FormatNegativeMagnitude(ulong n, Span<char> digits)
    {
        if (n == ulong.MaxValue)
        {
            "18446744073709551616".CopyTo(digits);
            return 20;
        }

        (n + 1).TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        return written;
    }

    internal static ReadOnlySpan<byte> Utf8Checked(ReadOnlySpan<byte> text) =>
        Utf8.IsValid(text) ? text : throw new CborException("Malformed CBOR: a text string is not valid UTF-8.");

    internal static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
