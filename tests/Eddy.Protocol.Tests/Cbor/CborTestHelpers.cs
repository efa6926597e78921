using System.Buffers;
using System.Globalization;
using System.Text;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Tests.Cbor;

/// <summary>Builds CBOR by hand for the tests (independently of the code under test) and runs the transcoder.</summary>
internal static class C
{
    public static Shape Input(string operation) => ServiceModel.Kinesis.Operations[operation].Input!;

    public static Shape Output(string operation) => ServiceModel.Kinesis.Operations[operation].Output!;

    public static Shape Shape(string name) => ServiceModel.Kinesis.Shapes[name];

    /// <summary>Hex digits, whitespace ignored.</summary>
    public static byte[] H(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static byte[] Cat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    public static byte[] Head(int major, ulong n)
    {
        var m = (byte)(major << 5);
        return n switch
        {
            < 24 => [(byte)(m | (byte)n)],
            <= 0xFF => [(byte)(m | 24), (byte)n],
            <= 0xFFFF => [(byte)(m | 25), (byte)(n >> 8), (byte)n],
            <= 0xFFFF_FFFF => [(byte)(m | 26), (byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n],
            _ => [(byte)(m | 27), .. Enumerable.Range(0, 8).Select(i => (byte)(n >> (56 - (8 * i))))],
        };
    }

    /// <summary>A definite text string.</summary>
    public static byte[] T(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        return Cat(Head(3, (ulong)utf8.Length), utf8);
    }

    /// <summary>A definite byte string.</summary>
    public static byte[] B(byte[] bytes) => Cat(Head(2, (ulong)bytes.Length), bytes);

    public static byte[] I(long v) => v >= 0 ? Head(0, (ulong)v) : Head(1, (ulong)(-1 - v));

    /// <summary>Tag 1 + integer epoch milliseconds, as the Java SDK writes timestamps.</summary>
    public static byte[] Ts(long millis) => Cat([0xC1], I(millis));

    /// <summary>Indefinite-length map (as Jackson writes structures): key/value item pairs.</summary>
    public static byte[] IMap(params byte[][] items) => Cat([0xBF], Cat(items), [0xFF]);

    public static byte[] IArray(params byte[][] items) => Cat([0x9F], Cat(items), [0xFF]);

    public static byte[] Map(params byte[][] items) => Cat(Head(5, (ulong)(items.Length / 2)), Cat(items));

    public static byte[] Array(params byte[][] items) => Cat(Head(4, (ulong)items.Length), Cat(items));

    public static readonly byte[] Null = [0xF6];
    public static readonly byte[] Undefined = [0xF7];
    public static readonly byte[] True = [0xF5];
    public static readonly byte[] False = [0xF4];

    public static string ToJson(byte[] cbor, Shape? shape = null)
    {
        var output = new ArrayBufferWriter<byte>();
        CborJson.ToJson(cbor, shape, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    public static byte[] ToCbor(string json, Shape? shape = null)
    {
        var output = new ArrayBufferWriter<byte>();
        CborJson.ToCbor(Encoding.UTF8.GetBytes(json), shape, output);
        return output.WrittenSpan.ToArray();
    }

    public static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    public static string Json(IEnumerable<byte> utf8) => Encoding.UTF8.GetString([.. utf8]);

    public static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
