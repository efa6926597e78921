using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;
using static Eddy.Protocol.Tests.Cbor.C;

namespace Eddy.Protocol.Tests.Cbor;

/// <summary>
/// ToJson on hostile input: random bytes, every truncation and single-byte mutations of valid bodies. It must either
/// succeed with valid JSON or throw <see cref="CborException"/>; nothing else, and it must not hang.
/// </summary>
public sealed class CborFuzzTests
{
    private static readonly Shape?[] s_shapes =
    [
        null,
        Input("PutRecord"),
        Input("PutRecords"),
        Input("GetShardIterator"),
        Input("CreateStream"),
        Input("ListShards"),
        Input("AddTagsToStream"),
        Output("GetRecords"),
    ];

    private static readonly byte[] s_interesting =
    [
        0x00, 0x01, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1F, 0x20, 0x38, 0x3B, 0x40, 0x41, 0x45, 0x58, 0x5A, 0x5B, 0x5F,
        0x60, 0x61, 0x64, 0x69, 0x78, 0x7B, 0x7F, 0x80, 0x81, 0x9F, 0xA0, 0xA1, 0xA2, 0xBF, 0xC1, 0xC2, 0xC3, 0xD8,
        0xE0, 0xF0, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF, 0x7E, 0x7C, 0xC3, 0xED, 0xA0, 0x44, 0x61, 0x74,
    ];

    private static byte[][] ValidBodies() =>
    [
        H("bf 6a 53 74 72 65 61 6d 4e 61 6d 65 69 6d 79 2d 73 74 72 65 61 6d 64 44 61 74 61 45 68 65 6c 6c 6f 6c 50 61 72 74 69 74 69 6f 6e 4b 65 79 63 70 6b 31 ff"),
        IMap(
            T("Records"), IArray(
                IMap(T("Data"), B([0, 1, 2, 0xFF]), T("PartitionKey"), T("a")),
                IMap(T("Data"), Cat([0x5F], B([1]), B([2, 3]), [0xFF]), T("PartitionKey"), Cat([0x7F], T("b"), T("ü"), [0xFF]))),
            T("StreamName"), T("s")),
        IMap(T("StreamName"), T("s"), T("ShardId"), T("shardId-000000000000"), T("ShardIteratorType"), T("AT_TIMESTAMP"), T("Timestamp"), Ts(1441215410867)),
        Map(T("StreamName"), T("s"), T("ShardFilter"), Map(T("Type"), T("FROM_TIMESTAMP"), T("Timestamp"), H("fb 42 74 f8 f2 1f 2b 3e 66"))),
        IMap(T("StreamName"), T("s"), T("Tags"), IMap(T("k"), T("v"), T("n"), Null), T("ShardCount"), H("f9 3c 00"), T("x"), H("fa 3f 8c cc cd")),
        Map(I(1), Array(I(-1), H("3b ff ff ff ff ff ff ff ff"), H("c2 49 01 00 00 00 00 00 00 00 00"), True, False, Undefined), T("q\"\\\n"), T("\u0001é😀")),
        IMap(T("a"), IArray(IArray(IArray(IMap(T("b"), IMap(T("c"), Array(H("d9 d9 f7 01"))))))), T("Timestamp"), H("c1 c1 3a 00 01 00 00")),
    ];

    [Fact]
    public async Task HostileInputOnlyEverThrowsCborException()
    {
        // A hang fails the test (TimeoutException) instead of blocking the run.
        var (runs, successes, elapsed) = await Task.Run(Fuzz).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(runs > 30_000, $"only {runs} runs");
        Assert.True(successes > 100, $"only {successes} inputs transcoded");
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"fuzzing took {elapsed}");
    }

    private static (int Runs, int Successes, TimeSpan Elapsed) Fuzz()
    {
        var watch = Stopwatch.StartNew();
        var random = new Random(20240601);
        var output = new ArrayBufferWriter<byte>(1024);
        var runs = 0;
        var successes = 0;

        void Run(byte[] input, Shape? shape)
        {
            runs++;
            output.Clear();
            try
            {
                CborJson.ToJson(input, shape, output);
            }
            catch (CborException)
            {
                return;
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name} for {Hex(input)} ({shape?.Name ?? "no shape"}): {e}");
            }

            successes++;
            try
            {
                using var doc = JsonDocument.Parse(output.WrittenMemory);
                Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            }
            catch (JsonException e)
            {
                Assert.Fail($"invalid JSON for {Hex(input)}: {Json(output.WrittenSpan.ToArray())}: {e.Message}");
            }
        }

        // 20,000 random byte arrays: half uniform, half drawn from bytes that start interesting items, mostly inside a map.
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 48)];
            if (i % 2 == 0)
            {
                random.NextBytes(bytes);
            }
            else
            {
                for (var j = 0; j < bytes.Length; j++)
                {
                    bytes[j] = s_interesting[random.Next(s_interesting.Length)];
                }
            }

            if (bytes.Length > 0 && i % 4 != 3)
            {
                bytes[0] = (byte)(0xA0 | random.Next(0, 4) | (random.Next(2) == 0 ? 0x1F : 0));
            }

            Run(bytes, s_shapes[i % s_shapes.Length]);
        }

        foreach (var body in ValidBodies())
        {
            foreach (var shape in s_shapes)
            {
                Run(body, shape);
            }

            // Every truncation (the full body minus 1..n bytes) and every extension by one byte.
            for (var n = 0; n < body.Length; n++)
            {
                Run(body[..n], s_shapes[n % s_shapes.Length]);
            }

            Run([.. body, 0x00], null);

            // Random single-byte mutations: 32 per position, plus each interesting byte at a random position.
            for (var position = 0; position < body.Length; position++)
            {
                for (var k = 0; k < 32; k++)
                {
                    var mutated = (byte[])body.Clone();
                    mutated[position] = k % 2 == 0 ? (byte)random.Next(256) : s_interesting[random.Next(s_interesting.Length)];
                    Run(mutated, s_shapes[(position + k) % s_shapes.Length]);
                }
            }

            foreach (var b in s_interesting)
            {
                var mutated = (byte[])body.Clone();
                mutated[random.Next(mutated.Length)] = b;
                Run(mutated, s_shapes[b % s_shapes.Length]);
            }
        }

        return (runs, successes, watch.Elapsed);
    }

    [Fact]
    public void ValidBodiesTranscode()
    {
        foreach (var body in ValidBodies())
        {
            foreach (var shape in s_shapes)
            {
                using var doc = JsonDocument.Parse(ToJson(body, shape));
                Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            }
        }
    }

    [Theory]
    [InlineData("bb ff ff ff ff ff ff ff ff")]                 // 2^64-1 map entries
    [InlineData("a1 61 61 9b 7f ff ff ff ff ff ff ff")]        // 2^63-1 array items
    [InlineData("a1 61 61 5b ff ff ff ff ff ff ff ff")]        // 2^64-1 bytes
    [InlineData("a1 61 61 7b 00 00 00 00 80 00 00 00")]        // 2^31 text bytes
    [InlineData("a1 61 61 c2 5b 00 00 00 00 ff ff ff ff")]     // bignum of 4 GiB
    public void HugeDeclaredLengthsFailFast(string hex) => Assert.Throws<CborException>(() => ToJson(H(hex)));

    [Fact]
    public void HugeBignumsClamp()
    {
        var big = Cat([0xC2, 0x58, 0x80], [.. Enumerable.Repeat((byte)0xFF, 128)]);
        Assert.Equal("""{"x":1e999}""", ToJson(IMap(T("x"), big)));
        big[0] = 0xC3;
        Assert.Equal("""{"x":-1e999}""", ToJson(IMap(T("x"), big)));
        var largest = Cat([0xC2, 0x58, 0x40], [.. Enumerable.Repeat((byte)0xFF, 64)]);
        var json = ToJson(IMap(T("x"), largest), null);
        Assert.Equal(System.Numerics.BigInteger.Pow(2, 512) - 1, System.Numerics.BigInteger.Parse(json[5..^1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("\"Timestamp\":" + ((System.Numerics.BigInteger.Pow(2, 512) - 1) / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture) + ".095", ToJson(IMap(T("Timestamp"), largest), Input("GetShardIterator")), StringComparison.Ordinal);
    }
}
