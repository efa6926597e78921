using System.Text;
using Eddy.Protocol.EventStream;

namespace Eddy.Protocol.Tests.EventStream;

public sealed class Crc32Tests
{
    [Fact]
    public void CheckValue() => Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xE8B7BE43u)]
    [InlineData("abc", 0x352441C2u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    public void KnownValues(string text, uint expected) => Assert.Equal(expected, Crc32.Compute(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void MatchesBitwiseReferenceAtEveryLengthAndAlignment()
    {
        var random = new Random(1);
        var data = new byte[300];
        random.NextBytes(data);
        for (int offset = 0; offset < 9; offset++)
        {
            for (int length = 0; length + offset <= data.Length; length++)
            {
                ReadOnlySpan<byte> slice = data.AsSpan(offset, length);
                Assert.Equal(Reference(slice), Crc32.Compute(slice));
            }
        }
    }

    [Fact]
    public void AppendContinuesACrc()
    {
        var random = new Random(2);
        var data = new byte[1000];
        random.NextBytes(data);
        uint whole = Crc32.Compute(data);
        for (int split = 0; split <= data.Length; split += 37)
        {
            Assert.Equal(whole, Crc32.Append(Crc32.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
        }
    }

    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            c ^= b;
            for (int i = 0; i < 8; i++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
        }

        return ~c;
    }
}
