using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Eddy.Streams;

namespace Eddy.Benchmarks.Codec;

/// <summary>
/// Shard iterators, which GetRecords decodes and encodes once per call (docs/formats/iterators.md): the version-2
/// format (AES-256-GCM with a synthetic nonce) against the version-1 construction it replaced, HMAC-SHA256 over a
/// 28-byte payload (<c>TokenCodec</c>, which NextTokens still use).
/// </summary>
[MemoryDiagnoser]
public class IteratorCodecBenchmarks
{
    private static readonly byte[] s_key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
    private readonly byte[] _payload = new byte[28];
    private IteratorCodec _iterators = null!;
    private TokenCodec _tokens = null!;
    private IteratorPosition _position;
    private string _iterator = "";
    private string _token = "";

    [GlobalSetup]
    public void Setup()
    {
        _iterators = new IteratorCodec(s_key);
        _tokens = new TokenCodec(s_key);
        _position = new IteratorPosition(7, "eddy-load-stream", 3, 123_456, 1_735_689_600_000);
        _iterator = _iterators.Encode(_position);
        BinaryPrimitives.WriteInt64BigEndian(_payload, 7);
        _token = _tokens.Encode(1, _payload);
    }

    [GlobalCleanup]
    public void Cleanup() => _iterators.Dispose();

    [Benchmark(Baseline = true)]
    public string EncodeVersion1Hmac() => _tokens.Encode(1, _payload);

    [Benchmark]
    public byte[]? DecodeVersion1Hmac() => _tokens.TryDecode(_token, 1);

    [Benchmark]
    public string EncodeVersion2() => _iterators.Encode(_position);

    [Benchmark]
    public long DecodeVersion2() => _iterators.TryDecode(_iterator, out var p) ? p.Offset : -1;
}
