using System.Text;
using System.Text.Json;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Tests;

public sealed class JsonHelpersTests
{
    private static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    public static TheoryData<string, long> TimestampCases() => new()
    {
        { "1441215410.867", 1441215410867 },
        { "1441215410", 1441215410000 },
        { "1.441215410867E9", 1441215410867 },
        { "1441215410.8679", 1441215410867 },
        { "0", 0 },
        { "0.0001", 0 },
        { "1e-400", 0 },
        { "-1.5", -1500 },
        { "-0.0005", -1 },
    };

    [Theory]
    [MemberData(nameof(TimestampCases))]
    public void ReadsEpochSeconds(string json, long expectedMillis)
    {
        Assert.True(JsonTimestamp.TryRead(Parse(json), out var value));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(expectedMillis), value);
    }

    [Theory]
    [InlineData("\"1441215410\"")]
    [InlineData("\"2015-09-02T17:36:50Z\"")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("1e300")]
    [InlineData("-1e20")]
    [InlineData("253402300800")]
    public void RejectsNonNumbersAndOutOfRange(string json) => Assert.False(JsonTimestamp.TryRead(Parse(json), out _));

    [Fact]
    public void KnownInstant()
    {
        Assert.True(JsonTimestamp.TryRead(Parse("1441215410.867"), out var value));
        Assert.Equal(new DateTimeOffset(2015, 9, 2, 17, 36, 50, 867, TimeSpan.Zero), value);
    }

    [Theory]
    [InlineData(1441215410867, "1441215410.867")]
    [InlineData(1441215410000, "1441215410")]
    [InlineData(1441215410500, "1441215410.5")]
    public void WritesEpochSeconds(long millis, string expected)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            JsonTimestamp.Write(writer, DateTimeOffset.FromUnixTimeMilliseconds(millis));
        }

        Assert.Equal(expected, Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("1.9", 1)]
    [InlineData("-1.9", -1)]
    [InlineData("1e3", 1000)]
    [InlineData("3000000000", int.MaxValue)]
    [InlineData("-3000000000", int.MinValue)]
    [InlineData("1e400", int.MaxValue)]
    [InlineData("-1e400", int.MinValue)]
    public void ReadsIntegersLikeAws(string json, int expected) => Assert.Equal(expected, JsonNumbers.ReadInt32(Parse(json)));

    [Fact]
    public void ReadsLongs()
    {
        Assert.Equal(long.MaxValue, JsonNumbers.ReadInt64(Parse("99999999999999999999999")));
        Assert.Equal(5_000_000_000, JsonNumbers.ReadInt64(Parse("5000000000.7")));
    }

    [Theory]
    [InlineData("{\"a\":\"b\",\"c\":[\"d\",{\"e\":\"\\u00e9\\ud83d\\ude00\"}]}", true)]
    [InlineData("{\"a\":\"\\udc00\"}", false)]
    [InlineData("{\"\\ud800\":1}", false)]
    [InlineData("{\"a\":\"\\ud800x\"}", false)]
    [InlineData("{\"a\":", false)]
    [InlineData("{} {}", false)]
    public void Strings_are_text_only_when_they_decode_to_valid_utf16(string json, bool valid)
    {
        Assert.Equal(valid, JsonStrings.AllValid(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    public void Strings_that_are_not_utf8_are_not_text(byte[] bad)
    {
        byte[] inValue = [.. "{\"a\":\"x"u8, .. bad, .. "\"}"u8];
        byte[] inName = [.. "{\""u8, .. bad, .. "\":1}"u8];
        Assert.False(JsonStrings.AllValid(inValue));
        Assert.False(JsonStrings.AllValid(inName));
    }

    [Fact]
    public void SkipValid_checks_the_skipped_member_and_leaves_the_reader_where_Skip_would()
    {
        var json = "{\"skip\":{\"x\":[\"\\u00e9\",1,{\"y\":null}]},\"next\":2}"u8;
        var reader = new Utf8JsonReader(json);
        reader.Read();
        reader.Read();
        Assert.True(JsonStrings.SkipValid(ref reader));
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        reader.Read();
        Assert.True(reader.ValueTextEquals("next"u8));

        var bad = "{\"skip\":[\"\\udc00\"]}"u8;
        reader = new Utf8JsonReader(bad);
        reader.Read();
        reader.Read();
        Assert.False(JsonStrings.SkipValid(ref reader));

        var badName = "{\"\\udc00\":1}"u8;
        reader = new Utf8JsonReader(badName);
        reader.Read();
        reader.Read();
        Assert.False(JsonStrings.SkipValid(ref reader));
    }
}
