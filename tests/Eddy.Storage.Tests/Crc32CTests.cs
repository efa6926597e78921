using System.Text;

namespace Eddy.Storage.Tests;

public sealed class Crc32CTests
{
    public static TheoryData<string, uint> Vectors()
    {
        var data = new TheoryData<string, uint>
        {
            { "", 0x00000000u },
            { Convert.ToHexString(Encoding.ASCII.GetBytes("123456789")), 0xE3069283u },
            { Convert.ToHexString(Encoding.ASCII.GetBytes("a")), 0xC1D04330u },
            // RFC 3720 (iSCSI) B.4 vectors.
            { Convert.ToHexString(new byte[32]), 0x8A9136AAu },
            { Convert.ToHexString([.. Enumerable.Repeat((byte)0xFF, 32)]), 0x62A8AB43u },
            { Convert.ToHexString([.. Enumerable.Range(0, 32).Select(i => (byte)i)]), 0x46DD794Eu },
            { Convert.ToHexString([.. Enumerable.Range(0, 32).Select(i => (byte)(31 - i))]), 0x113FDB5Cu },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void KnownVectors_Software(string hex, uint expected)
        => Assert.Equal(expected, Crc32C.ComputeSoftware(Convert.FromHexString(hex)));

    [Theory]
    [MemberData(nameof(Vectors))]
    public void KnownVectors_Default(string hex, uint expected)
        => Assert.Equal(expected, Crc32C.Compute(Convert.FromHexString(hex)));

    [Theory]
    [MemberData(nameof(Vectors))]
    public void KnownVectors_Hardware(string hex, uint expected)
    {
        if (!Crc32C.IsHardwareAccelerated)
        {
            return; // nothing to compare on this CPU; the software and default tests cover it
        }

        Assert.Equal(expected, Crc32C.ComputeHardware(Convert.FromHexString(hex)));
    }

    [Fact]
    public void HardwareAndSoftware_Agree_OnEveryLengthAndAlignment()
    {
        var random = new Random(7);
        var buffer = new byte[4200];
        random.NextBytes(buffer);
        for (int start = 0; start < 9; start++)
        {
            for (int length = 0; length < 300; length++)
            {
                ReadOnlySpan<byte> slice = buffer.AsSpan(start, length);
                uint software = Crc32C.ComputeSoftware(slice);
                Assert.Equal(software, Crc32C.Compute(slice));
                if (Crc32C.IsHardwareAccelerated)
                {
                    Assert.Equal(software, Crc32C.ComputeHardware(slice));
                }
            }
        }

        Assert.Equal(Crc32C.ComputeSoftware(buffer), Crc32C.Compute(buffer));
    }

    [Fact]
    public void Append_ContinuesACrc()
    {
        byte[] data = Encoding.ASCII.GetBytes("123456789");
        for (int split = 0; split <= data.Length; split++)
        {
            uint first = Crc32C.Compute(data.AsSpan(0, split));
            Assert.Equal(0xE3069283u, Crc32C.Append(first, data.AsSpan(split)));
        }
    }
}
