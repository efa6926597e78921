namespace Eddy.Core.Tests;

public class SequenceNumberTests
{
    [Fact]
    public void Golden_shard_start_matches_the_specs_example()
    {
        // AWS's layout (docs/formats/sequence-number.md): shard 0 created 2025-01-01T00:00:00Z, counter 0.
        var created = DateTimeOffset.Parse("2025-01-01T00:00:00Z").ToUnixTimeSeconds();
        var text = new SequenceNumber(created, 0, 0, created).ToString();
        Assert.Equal("49659172051921876073359630856559745603442861731670392834", text);
        Assert.Equal(56, text.Length);
    }

    [Fact]
    public void Decodes_the_AWS_example_from_the_API_documentation()
    {
        // hex 2 05bf4e5c2 6 0000000067648a17 00 05c181eea 00000006 2
        Assert.True(SequenceNumber.TryParse("49590338271490256608559692538361571095921575989136588898", out var seq));
        Assert.Equal(0x05bf4e5c2L, seq.ShardCreationSeconds);
        Assert.Equal(6, seq.ShardIndex);
        Assert.Equal(0x67648a17L, seq.Counter);
        Assert.Equal(0x05c181eeaL, seq.ArrivalSeconds);
        Assert.Equal("49590338271490256608559692538361571095921575989136588898", seq.ToString());
    }

    [Theory]
    [InlineData(0L, 0, 0L, 0L)]
    [InlineData(1735689600L, 17, 123456789L, 1735689700L)]
    [InlineData(1735689600L, 2147483647, long.MaxValue, 68719476735L)]
    public void Round_trips(long created, int shard, long counter, long arrival)
    {
        var seq = new SequenceNumber(created, shard, counter, arrival);
        Assert.True(SequenceNumber.TryParse(seq.ToString(), out var back));
        Assert.Equal(seq, back);
    }

    [Fact]
    public void Orders_by_counter_within_a_shard_and_children_above_parents()
    {
        static System.Numerics.BigInteger N(SequenceNumber s) => System.Numerics.BigInteger.Parse(s.ToString());
        var a = new SequenceNumber(1000, 3, 5, 2000);
        var b = new SequenceNumber(1000, 3, 6, 1999); // later counter, earlier arrival second
        Assert.True(N(b) > N(a));
        var parentEnd = new SequenceNumber(1000, 3, SequenceNumber.EndCounter, 5000);
        var child = new SequenceNumber(1001, 4, 0, 1001);
        Assert.True(N(child) > N(parentEnd));
    }

    [Fact]
    public void Formatting_agrees_with_big_integer_arithmetic()
    {
        var random = new Random(42);
        for (var i = 0; i < 2000; i++)
        {
            var seq = new SequenceNumber(random.NextInt64(0, 1L << 36), random.Next(), random.NextInt64(), random.NextInt64(0, 1L << 36));
            var v = new System.Numerics.BigInteger(2);
            v = (v << 36) | seq.ShardCreationSeconds;
            v = (v << 4) | (seq.ShardIndex & 0xF);
            v = (v << 64) | (ulong)seq.Counter;
            v <<= 8;
            v = (v << 36) | seq.ArrivalSeconds;
            v = (v << 32) | (uint)seq.ShardIndex;
            v = (v << 4) | 2;
            Assert.Equal(v.ToString(), seq.ToString());
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("12345")]
    [InlineData("049659172051921876073359630856559745603442861731670392834")]
    [InlineData("49659172051921876073359630856559745603442861731670392835")] // trailing version nibble 3
    [InlineData("abc")]
    public void Rejects_what_it_did_not_issue(string text) => Assert.False(SequenceNumber.TryParse(text, out _));
}

/// <summary>Sequence numbers as clients send them, read as AWS reads them (kinesalite's tests, run against AWS).</summary>
public class SequenceNumberInputTests
{
    private static string Hex(string hex) => System.Numerics.BigInteger.Parse("0" + hex, System.Globalization.NumberStyles.HexNumber).ToString();

    [Fact]
    public void Small_numbers_are_version_0_and_name_their_shard_in_the_low_digits()
    {
        Assert.True(SequenceNumberInput.TryParse("5", out var five));
        Assert.Equal((0, 5L), (five.Version, five.ShardIndex));
        Assert.True(SequenceNumberInput.TryParse("0", out var zero));
        Assert.Equal((0, 0L), (zero.Version, zero.ShardIndex));
    }

    [Fact]
    public void Version_2_is_the_issued_layout_with_a_signed_shard_index()
    {
        var issued = new SequenceNumber(1735689600, 17, 123456789, 1735689700);
        Assert.True(SequenceNumberInput.TryParse(issued.ToString(), out var input));
        Assert.Equal(new SequenceNumberInput(2, 1735689600, 17, 123456789), input);
        Assert.True(SequenceNumberInput.TryParse(Hex("20000000000000000000000000000000000000800000002"), out var negative));
        Assert.Equal(-2147483648L, negative.ShardIndex);
        Assert.Equal("shardId--02147483648", ShardId.Format(negative.ShardIndex));
    }

    [Theory]
    [InlineData("20000000000000000000000000000000000000000000001", 1)]
    [InlineData("20000000000000000000000000000000000000000000002", 2)]
    public void Zero_fields_in_versions_1_and_2(string hex, int version)
    {
        Assert.True(SequenceNumberInput.TryParse(Hex(hex), out var input));
        Assert.Equal(version, input.Version);
    }

    [Theory]
    [InlineData("20000000000000000000000000000000000000000000000")]
    [InlineData("20000000000000000000000000000000000000000000003")]
    [InlineData("20000000000000000000000000000000000000000000004")]
    [InlineData("30000000000000000000000000000000000000000000001")]
    [InlineData("1ffffffffff7fffffffffffffff000000000007fffffff2")]
    [InlineData("20000000000800000000000000000000000000000000002")]
    [InlineData("13bb2cc3d80000000000000000000000")]
    [InlineData("2ffffffffff7fffffffffffffff000000000007fffffff2")]
    public void Rejects_what_AWS_rejects(string hex) => Assert.False(SequenceNumberInput.TryParse(Hex(hex), out _));

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1e5")]
    public void Rejects_what_is_not_a_decimal_number(string text) => Assert.False(SequenceNumberInput.TryParse(text, out _));
}

public class HashKeyTests
{
    [Fact]
    public void Md5_of_the_partition_key_big_endian()
    {
        Assert.Equal(UInt128.Parse("16955237001963240173058271559858726497"), HashKey.FromPartitionKey("a"));
        Assert.Equal(UInt128.Parse("37734456349525827306212900493151175156"), HashKey.FromPartitionKey("pk-a"));
    }

    [Theory]
    [InlineData(1, "0-340282366920938463463374607431768211455")]
    [InlineData(2, "0-170141183460469231731687303715884105727,170141183460469231731687303715884105728-340282366920938463463374607431768211455")]
    [InlineData(3, "0-113427455640312821154458202477256070484,113427455640312821154458202477256070485-226854911280625642308916404954512140969,226854911280625642308916404954512140970-340282366920938463463374607431768211455")]
    [InlineData(4, "0-85070591730234615865843651857942052863,85070591730234615865843651857942052864-170141183460469231731687303715884105727,170141183460469231731687303715884105728-255211775190703847597530955573826158591,255211775190703847597530955573826158592-340282366920938463463374607431768211455")]
    public void Even_split_matches_AWS(int count, string expected) =>
        Assert.Equal(expected, string.Join(',', HashKey.EvenSplit(count).Select(r => $"{r.Start}-{r.End}")));

    [Fact]
    public void Even_split_covers_the_space_without_gaps()
    {
        foreach (var n in new[] { 5, 7, 100, 1000 })
        {
            var ranges = HashKey.EvenSplit(n);
            Assert.Equal(UInt128.Zero, ranges[0].Start);
            Assert.Equal(UInt128.MaxValue, ranges[^1].End);
            for (var i = 1; i < n; i++) Assert.Equal(ranges[i - 1].End + 1, ranges[i].Start);
        }
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("340282366920938463463374607431768211455", true)]
    [InlineData("340282366920938463463374607431768211456", false)]
    [InlineData("01", false)]
    [InlineData("-1", false)]
    [InlineData("", false)]
    public void Parses_decimal_hash_keys(string text, bool ok) => Assert.Equal(ok, HashKey.TryParse(text, out _));
}

public class ShardIdTests
{
    [Fact]
    public void Formats_twelve_digits() => Assert.Equal("shardId-000000000007", ShardId.Format(7));

    [Fact]
    public void Formats_any_index_as_AWS_names_it() =>
        Assert.Equal(["shardId-000000000007", "shardId--02147483648", "shardId-004294967295"], new long[] { 7, -2147483648, 4294967295 }.Select(ShardId.Format));

    [Theory]
    [InlineData("shardId-000000000005", 5)]
    [InlineData("shardId-5", 5)]
    [InlineData("x-5", 5)]
    [InlineData("5", 5)]
    [InlineData("shardId-2147483647", 2147483647)]
    [InlineData("2147483647", 2147483647)]
    [InlineData("a-00002147483647", 2147483647)]
    [InlineData("-00002147483647", 2147483647)]
    [InlineData("a-5-b", 5)]
    [InlineData("shardId-0", 0)]
    public void Parses_leniently_like_AWS(string text, int index)
    {
        Assert.True(ShardId.TryParse(text, out var parsed));
        Assert.Equal(index, parsed);
    }

    [Theory]
    [InlineData("shardId-2147483648")]
    [InlineData("shardId-")]
    [InlineData("shardId-abc")]
    [InlineData("shardId-002147483648")]
    [InlineData("2147483648")]
    [InlineData("ABKLFD8")]
    [InlineData("2.14E4")]
    [InlineData("5-")]
    [InlineData(null)]
    public void Rejects_garbage(string? text) => Assert.False(ShardId.TryParse(text, out _));
}
