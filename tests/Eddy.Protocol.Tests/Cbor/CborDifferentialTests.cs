using System.Buffers;
using System.Text;
using System.Text.Json;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Cbor.HandWritten;
using Eddy.Protocol.Model;
using static Eddy.Protocol.Tests.Cbor.C;

namespace Eddy.Protocol.Tests.Cbor;

/// <summary>
/// The System.Formats.Cbor-based <see cref="CborJson"/> against the hand-written transcoder it replaces, on the same
/// hostile and valid inputs: the same JSON (or CBOR) out, or a <see cref="CborException"/> (<see cref="JsonException"/>) from both.
/// The refusal messages may differ: the two readers notice different faults first and word them differently.
/// </summary>
public sealed class CborDifferentialTests
{
    private static readonly Shape?[] s_shapes =
    [
        null, Input("PutRecord"), Input("PutRecords"), Input("GetShardIterator"), Input("CreateStream"), Input("ListShards"),
        Input("AddTagsToStream"), Output("GetRecords"), Output("ListShards"), Output("DescribeStream"), Shape("SubscribeToShardEvent"),
    ];

    private static (string? Json, string? Error) Old(byte[] cbor, Shape? shape) => Run(o => HandWrittenCborJson.ToJson(cbor, shape, o));

    private static (string? Json, string? Error) New(byte[] cbor, Shape? shape) => Run(o => CborJson.ToJson(cbor, shape, o));

    private static (string? Json, string? Error) Run(Action<ArrayBufferWriter<byte>> transcode)
    {
        var output = new ArrayBufferWriter<byte>();
        try
        {
            transcode(output);
            return (Encoding.UTF8.GetString(output.WrittenSpan), null);
        }
        catch (CborException e)
        {
            return (null, e.Message);
        }
    }

    [Fact]
    public void ToJsonAgreesOnHostileAndValidInputs()
    {
        var random = new Random(88);
        var agreed = 0;
        var succeeded = 0;
        var sameMessage = 0;
        var failed = new List<string>();
        var jsonOutputs = new List<(string, Shape?)>();

        void Compare(byte[] input, Shape? shape)
        {
            var old = Old(input, shape);
            var fresh = New(input, shape);
            if (old.Json != fresh.Json || (old.Error is null) != (fresh.Error is null))
            {
                failed.Add($"{Hex(input)} ({shape?.Name ?? "no shape"}): old {old.Json ?? old.Error} / new {fresh.Json ?? fresh.Error}");
                return;
            }

            agreed++;
            if (old.Json is not null)
            {
                succeeded++;
                if (jsonOutputs.Count < 5000)
                {
                    jsonOutputs.Add((old.Json, shape));
                }
            }
            else if (old.Error == fresh.Error)
            {
                sameMessage++;
            }

        }

        foreach (var (input, shape) in CborFuzzTests.HostileInputs(random, s_shapes, 60_000, 64))
        {
            Compare(input, shape);
        }

        foreach (var body in Bodies())
        {
            foreach (var shape in s_shapes)
            {
                Compare(body, shape);
            }
        }

        Assert.True(failed.Count == 0, $"{failed.Count} disagreements, e.g.\n{string.Join("\n", failed.Take(20))}");
        Assert.True(succeeded > 1000, $"only {succeeded} transcoded");

        // Responses: every JSON the requests gave, back to CBOR with each shape.
        var cborAgreed = 0;
        foreach (var (json, _) in jsonOutputs)
        {
            foreach (var shape in s_shapes)
            {
                var utf8 = Encoding.UTF8.GetBytes(json);
                var old = new ArrayBufferWriter<byte>();
                var fresh = new ArrayBufferWriter<byte>();
                var oldError = Catch(() => HandWrittenCborJson.ToCbor(utf8, shape, old));
                var newError = Catch(() => CborJson.ToCbor(utf8, shape, fresh));
                Assert.Equal(oldError, newError);
                Assert.True(old.WrittenSpan.SequenceEqual(fresh.WrittenSpan), $"{json} ({shape?.Name}): {Hex(old.WrittenSpan.ToArray())} / {Hex(fresh.WrittenSpan.ToArray())}");
                cborAgreed++;
            }
        }

        Console.WriteLine($"ToJson: {agreed} agreed ({succeeded} transcoded, {sameMessage} refusals with the same message); ToCbor: {cborAgreed} agreed");
    }

    private static string? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (JsonException e)
        {
            return e.GetType().Name;
        }
    }

    /// <summary>Responses as well as requests, so that every shape path of both directions is taken.</summary>
    private static byte[][] Bodies() =>
    [
        Map(T("Records"), Array(Map(T("SequenceNumber"), T("1"), T("ApproximateArrivalTimestamp"), Ts(1441215410867), T("Data"), B([0xFB, 0xFF]), T("PartitionKey"), T("k"))), T("MillisBehindLatest"), I(0), T("x"), H("fb 3f f8 00 00 00 00 00 00")),
        Map(T("Shards"), Array(Map(T("ShardId"), T("s"), T("HashKeyRange"), Map(T("StartingHashKey"), T("0")), T("SequenceNumberRange"), Map(T("StartingSequenceNumber"), T("1")))), T("NextToken"), T("+/+/"), T("n"), I(-25)),
    ];
}
