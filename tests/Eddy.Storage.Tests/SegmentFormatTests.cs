using System.Text;

namespace Eddy.Storage.Tests;

/// <summary>
/// Golden bytes of the on-disk format (docs/formats/segment-log.md). The CRCs were computed independently with a
/// bit-by-bit CRC-32C. If one of these fails, the format changed: bump the version byte and write a migration instead of
/// updating the expected bytes.
/// </summary>
public sealed class SegmentFormatTests
{
    private const long Timestamp = 1_700_000_000_123; // 0x0000018BCFE5687B

    [Fact]
    public void SegmentHeader_GoldenBytes()
    {
        var header = new byte[SegmentFormat.HeaderSize];
        SegmentFormat.WriteHeader(header, 5);
        Assert.Equal(
            "45 44 44 59 53 45 47 01 05 00 00 00 00 00 00 00 14 31 2D C0",
            Hex(header));
        Assert.True(SegmentFormat.IsValidHeader(header, 5));
        Assert.False(SegmentFormat.IsValidHeader(header, 6));
        header[10] ^= 1;
        Assert.False(SegmentFormat.IsValidHeader(header, 5));
    }

    [Fact]
    public void Frame_GoldenBytes()
    {
        var frame = new byte[SegmentFormat.FrameSize(5)];
        int written = SegmentFormat.WriteFrame(frame, 5, Timestamp, "hello"u8);
        Assert.Equal(30, written);
        Assert.Equal(
            "16 00 00 00 4C 71 38 51 01 05 00 00 00 00 00 00 00 7B 68 E5 CF 8B 01 00 00 68 65 6C 6C 6F",
            Hex(frame));
    }

    [Fact]
    public async Task SegmentAndIndexFiles_GoldenBytes()
    {
        using var dir = new TempDirectory();
        var time = TestClock.At(Timestamp);
        await using (var store = new FileLogStore(new LogStoreOptions { Directory = dir.Path, SegmentBytes = 60, Time = time }))
        {
            IShardLog log = store.Open("golden");
            await log.AppendAsync([Encoding.ASCII.GetBytes("hello")]);
            await log.AppendAsync([Encoding.ASCII.GetBytes("hello")]); // 50 + 30 > 60: rolls, sealing the first segment
        }

        string logDir = Path.Combine(dir.Path, "golden");
        Assert.Equal(
            "454444595345470100000000000000005ECE0CA81600000015FB1B680100000000000000007B68E5CF8B01000068656C6C6F",
            Convert.ToHexString(File.ReadAllBytes(Path.Combine(logDir, "00000000000000000000.log"))));
        Assert.Equal(
            "45444459494458010000000000000000320000000000000001000000000000007B68E5CF8B0100007B68E5CF8B010000"
            + "0100000000000000140000007B68E5CF8B010000453E54F7",
            Convert.ToHexString(File.ReadAllBytes(Path.Combine(logDir, "00000000000000000000.idx"))));
        Assert.True(File.Exists(Path.Combine(logDir, "00000000000000000001.log")));
        Assert.True(File.Exists(Path.Combine(logDir, "00000000000000000001.idx"))); // the active one, indexed at clean shutdown
    }

    [Theory]
    [InlineData("00000000000000000000.log", ".log", true, 0L)]
    [InlineData("00000000000000012345.log", ".log", true, 12345L)]
    [InlineData("09223372036854775807.idx", ".idx", true, long.MaxValue)]
    [InlineData("0000000000000000000.log", ".log", false, 0L)]
    [InlineData("0000000000000000000a.log", ".log", false, 0L)]
    [InlineData("00000000000000000000.idx", ".log", false, 0L)]
    [InlineData("99999999999999999999.log", ".log", false, 0L)]
    public void FileNames_Parse(string name, string extension, bool valid, long expected)
    {
        Assert.Equal(valid, SegmentFormat.TryParseFileName(name, extension, out long baseOffset));
        if (valid)
        {
            Assert.Equal(expected, baseOffset);
            Assert.Equal(name, extension == ".log" ? SegmentFormat.SegmentFileName(baseOffset) : SegmentFormat.IndexFileName(baseOffset));
        }
    }

    private static string Hex(byte[] bytes) => BitConverter.ToString(bytes).Replace('-', ' ');
}
