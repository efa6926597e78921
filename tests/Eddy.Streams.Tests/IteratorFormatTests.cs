using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Eddy.Streams.Tests;

/// <summary>
/// The shard iterator wire format of docs/formats/iterators.md, pinned: a change to the bytes is a new version, never a
/// new expected string here.
/// </summary>
public class IteratorFormatTests
{
    private static readonly byte[] s_key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
    private static readonly IteratorPosition s_position = new(7, "clicks", 3, 42, 1735689600000);

    private const string Golden =
        "AAAAAAAAAAFu21ToGhAjU7nxtPMvdBvKVVEOTh8dnnTW56wlXgp3vFg+vSI4pfVNa+VcOpulWOyOUno5reR597e6yPUYbPymi7pZC6" +
        "spc7dVJLUq5iJbRushpIQu3P/BsyWVzPCFyJOUhsF2ng3Ci/qtzHCqd9P20rKQBbAsIhCoaVxVl7zc/Oq+glZvPMjalFn3JQzKrKw=";

    [Fact]
    public void Golden_iterator_version_2()
    {
        using var codec = new IteratorCodec(s_key);
        Assert.Equal(Golden, codec.Encode(s_position));
        Assert.True(codec.TryDecode(Golden, out var back));
        Assert.Equal(s_position, back);
    }

    [Fact]
    public void The_golden_iterator_opens_as_the_format_document_describes()
    {
        var bytes = Convert.FromBase64String(Golden);
        Assert.Equal(152, bytes.Length);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }, bytes[..8]);
        var keys = HKDF.DeriveKey(HashAlgorithmName.SHA256, s_key, 64, [], "eddy shard iterator v2"u8.ToArray());
        using var aes = new AesGcm(keys[..32], 16);
        var plain = new byte[116];
        aes.Decrypt(bytes[8..20], bytes[20..136], bytes[136..], plain, associatedData: bytes[..8]);
        Assert.Equal(2, plain[0]);
        Assert.Equal(7, BinaryPrimitives.ReadInt64BigEndian(plain.AsSpan(1)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(plain.AsSpan(9)));
        Assert.Equal(42, BinaryPrimitives.ReadInt64BigEndian(plain.AsSpan(13)));
        Assert.Equal(1735689600000, BinaryPrimitives.ReadInt64BigEndian(plain.AsSpan(21)));
        Assert.Equal(6, plain[29]);
        Assert.Equal("clicks", Encoding.UTF8.GetString(plain, 30, 6));
        Assert.All(plain[36..], b => Assert.Equal(0, b));
        Assert.Equal(HMACSHA256.HashData(keys[32..], plain)[..12], bytes[8..20]); // the synthetic nonce
    }

    [Theory]
    [InlineData(1, 152)]
    [InlineData(86, 152)]
    [InlineData(87, 168)]
    [InlineData(102, 168)]
    [InlineData(103, 184)]
    [InlineData(118, 184)]
    [InlineData(119, 200)]
    [InlineData(128, 200)]
    public void Length_is_152_plus_16k_bytes_growing_with_the_stream_name(int nameLength, int bytes)
    {
        using var codec = new IteratorCodec(s_key);
        var position = s_position with { StreamName = new string('n', nameLength) };
        var iterator = codec.Encode(position);
        Assert.Equal(bytes, Convert.FromBase64String(iterator).Length);
        Assert.True(codec.TryDecode(iterator, out var back));
        Assert.Equal(position, back);
    }

    [Fact]
    public void Any_changed_byte_or_another_key_is_refused()
    {
        using var codec = new IteratorCodec(s_key);
        var bytes = Convert.FromBase64String(Golden);
        for (var i = 0; i < bytes.Length; i++)
        {
            var changed = (byte[])bytes.Clone();
            changed[i] ^= 0x01;
            Assert.False(codec.TryDecode(Convert.ToBase64String(changed), out _), $"byte {i}");
        }
        Assert.False(codec.TryDecode(Convert.ToBase64String(bytes[..^16]), out _));
        Assert.False(codec.TryDecode(Convert.ToBase64String([.. bytes, .. new byte[16]]), out _));
        Assert.False(codec.TryDecode("", out _));
        Assert.False(codec.TryDecode("not base64!", out _));
        using var other = new IteratorCodec([.. s_key.Reverse()]);
        Assert.False(other.TryDecode(Golden, out _));
    }

    [Fact]
    public void An_iterator_in_double_quotes_is_accepted_as_AWS_accepts_it()
    {
        using var codec = new IteratorCodec(s_key);
        Assert.True(codec.TryDecode('"' + Golden + '"', out var back));
        Assert.Equal(s_position, back);
        Assert.False(codec.TryDecode('"' + Golden, out _));
        Assert.False(codec.TryDecode("\"\"" + Golden + "\"\"", out _));
    }
}
