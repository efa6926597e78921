using System.Buffers;
using System.Text.Json;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;
using static Eddy.Protocol.Tests.Cbor.C;

namespace Eddy.Protocol.Tests.Cbor;

public sealed class JsonToCborTests
{
    /// <summary>Writes JSON the way the handlers do (Utf8JsonWriter, default escaping: '+' becomes \u002B).</summary>
    private static string Write(Action<Utf8JsonWriter> body)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(output))
        {
            body(w);
        }

        return Json(output.WrittenSpan.ToArray());
    }

    /// <summary>JSON → CBOR → JSON with the same shape; the two JSON documents must be equal (numbers by value).</summary>
    private static byte[] AssertRoundTrip(string json, Shape shape)
    {
        var cbor = ToCbor(json, shape);
        var back = ToJson(cbor, shape);
        using var expected = JsonDocument.Parse(json);
        using var actual = JsonDocument.Parse(back);
        Assert.True(JsonElement.DeepEquals(expected.RootElement, actual.RootElement), $"expected {json}\nactual   {back}");
        return cbor;
    }

    private static bool Contains(byte[] haystack, string hex) => haystack.AsSpan().IndexOf(H(hex)) >= 0;

    [Fact]
    public void GoldenGetRecordsResponse()
    {
        const string json = """{"Records":[{"SequenceNumber":"1","ApproximateArrivalTimestamp":1441215410.867,"Data":"aGk=","PartitionKey":"k"}],"NextShardIterator":"it","MillisBehindLatest":0}""";
        var expected = H("""
            a3
              67 52 65 63 6f 72 64 73
              81
                a4
                  6e 53 65 71 75 65 6e 63 65 4e 75 6d 62 65 72
                  61 31
                  78 1b 41 70 70 72 6f 78 69 6d 61 74 65 41 72 72 69 76 61 6c 54 69 6d 65 73 74 61 6d 70
                  c1 1b 00 00 01 4f 8f 21 f2 b3
                  64 44 61 74 61
                  42 68 69
                  6c 50 61 72 74 69 74 69 6f 6e 4b 65 79
                  61 6b
              71 4e 65 78 74 53 68 61 72 64 49 74 65 72 61 74 6f 72
              62 69 74
              72 4d 69 6c 6c 69 73 42 65 68 69 6e 64 4c 61 74 65 73 74
              00
            """);
        Assert.Equal(Hex(expected), Hex(ToCbor(json, Output("GetRecords"))));
        Assert.Equal(json, ToJson(expected, Output("GetRecords")));
    }

    [Fact]
    public void GetRecordsRoundTrip()
    {
        var json = Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Records");
            for (var i = 0; i < 3; i++)
            {
                w.WriteStartObject();
                w.WriteString("SequenceNumber", "4959033827149025660855969253836157109592157598913658889" + i);
                w.WriteNumber("ApproximateArrivalTimestamp", (1441215410867 + (i * 133)) / 1000m);
                w.WriteBase64String("Data", i == 0 ? [0xFB, 0xFF, 0xBF] : new byte[i * 100]);
                w.WriteString("PartitionKey", "pk-" + i);
                if (i == 2)
                {
                    w.WriteString("EncryptionType", "KMS");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("NextShardIterator", "AAAAAAAAAAF+/w==");
            w.WriteNumber("MillisBehindLatest", 0);
            w.WriteStartArray("ChildShards");
            w.WriteStartObject();
            w.WriteString("ShardId", "shardId-000000000002");
            w.WriteStartArray("ParentShards");
            w.WriteStringValue("shardId-000000000000");
            w.WriteEndArray();
            w.WriteStartObject("HashKeyRange");
            w.WriteString("StartingHashKey", "0");
            w.WriteString("EndingHashKey", "340282366920938463463374607431768211455");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
        Assert.Contains("\\u002B", json, StringComparison.Ordinal); // the handlers' escaping is exercised
        var cbor = AssertRoundTrip(json, Output("GetRecords"));
        Assert.True(Contains(cbor, "44 61 74 61 43 fb ff bf"));                 // "Data": h'fbffbf'
        Assert.True(Contains(cbor, "c1 1b 00 00 01 4f 8f 21 f2 b3"));           // tag 1 + millis
        Assert.True(Contains(cbor, "c1 1b 00 00 01 4f 8f 21 f3 38"));           // 1441215410.867 + 0.133
        Assert.True(Contains(cbor, "70 41 41 41 41 41 41 41 41 41 41 46 2b 2f 77 3d 3d")); // iterator stays text
        // The same encoder serves SubscribeToShard events.
        AssertRoundTrip(json.Replace("\"NextShardIterator\":\"AAAAAAAAAAF\\u002B/w==\",", "\"ContinuationSequenceNumber\":\"1\",", StringComparison.Ordinal), Shape("SubscribeToShardEvent"));
    }

    [Fact]
    public void DescribeStreamSummaryRoundTrip()
    {
        const string json = """
            {"StreamDescriptionSummary":{"StreamName":"s","StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s",
             "StreamStatus":"ACTIVE","StreamModeDetails":{"StreamMode":"PROVISIONED"},"RetentionPeriodHours":24,
             "StreamCreationTimestamp":1735689600,"EnhancedMonitoring":[{"ShardLevelMetrics":[]}],"EncryptionType":"NONE",
             "OpenShardCount":2,"ConsumerCount":0,"MaxRecordSizeInKiB":1024}}
            """;
        var cbor = AssertRoundTrip(json, Output("DescribeStreamSummary"));
        Assert.True(Contains(cbor, "c1 1b 00 00 01 94 1f 29 7c 00")); // 1735689600000 ms
        Assert.True(Contains(cbor, "80"));
    }

    [Fact]
    public void ListShardsRoundTrip()
    {
        const string json = """
            {"Shards":[
              {"ShardId":"shardId-000000000000","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"170141183460469231731687303715884105727"},
               "SequenceNumberRange":{"StartingSequenceNumber":"49659172051921876073359630856559745603442861731670392834","EndingSequenceNumber":"49659172051944176818558161479701281321715510093176373250"}},
              {"ShardId":"shardId-000000000001","ParentShardId":"shardId-000000000000","AdjacentParentShardId":null,
               "HashKeyRange":{"StartingHashKey":"170141183460469231731687303715884105728","EndingHashKey":"340282366920938463463374607431768211455"},
               "SequenceNumberRange":{"StartingSequenceNumber":"49659172051921876073359630856559745603442861731670392834"}}],
             "NextToken":"AAAA\u00e9"}
            """;
        var cbor = AssertRoundTrip(json.Replace("\"AdjacentParentShardId\":null,", "", StringComparison.Ordinal), Output("ListShards"));
        Assert.Equal(0xA2, cbor[0]);
        // JSON null keeps its place as CBOR null (F6); the CBOR reader then drops it as an absent member.
        var withNull = ToCbor(json, Output("ListShards"));
        Assert.True(Contains(withNull, "75 41 64 6a 61 63 65 6e 74 50 61 72 65 6e 74 53 68 61 72 64 49 64 f6"));
        Assert.DoesNotContain("Adjacent", ToJson(withNull, Output("ListShards")), StringComparison.Ordinal);
    }

    [Fact]
    public void PutRecordsRoundTrip()
    {
        const string json = """
            {"FailedRecordCount":1,"Records":[
              {"SequenceNumber":"49659172051921876073359630856559745603442861731670392834","ShardId":"shardId-000000000000"},
              {"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000."}],
             "EncryptionType":"NONE"}
            """;
        var cbor = AssertRoundTrip(json, Output("PutRecords"));
        Assert.Equal(H("a3 71"), cbor[..2]);
        Assert.Equal(H("01"), cbor[19..20]); // FailedRecordCount: 1
    }

    [Fact]
    public void OtherOutputsRoundTrip()
    {
        AssertRoundTrip("""{"StreamNames":["a","b"],"HasMoreStreams":false,"StreamSummaries":[{"StreamName":"a","StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/a","StreamStatus":"ACTIVE","StreamModeDetails":{"StreamMode":"ON_DEMAND"},"StreamCreationTimestamp":1735689600.5}]}""", Output("ListStreams"));
        AssertRoundTrip("""{"Tags":[{"Key":"k","Value":"v"},{"Key":"e"}],"HasMoreTags":true}""", Output("ListTagsForStream"));
        AssertRoundTrip("""{"ShardId":"shardId-000000000000","SequenceNumber":"1","EncryptionType":"KMS"}""", Output("PutRecord"));
        AssertRoundTrip("""{"ShardLimit":500,"OpenShardCount":3,"OnDemandStreamCount":0,"OnDemandStreamCountLimit":50}""", Output("DescribeLimits"));
        AssertRoundTrip("""{"Consumer":{"ConsumerName":"c","ConsumerARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1735689600","ConsumerStatus":"CREATING","ConsumerCreationTimestamp":1735689600.001}}""", Output("RegisterStreamConsumer"));
    }

    [Theory]
    [InlineData("1441215410.867", "c1 1b 00 00 01 4f 8f 21 f2 b3")]
    [InlineData("1441215410", "c1 1b 00 00 01 4f 8f 21 ef 50")]
    [InlineData("1.441215410867E9", "c1 1b 00 00 01 4f 8f 21 f2 b3")]
    [InlineData("1441215410.8679", "c1 1b 00 00 01 4f 8f 21 f2 b3")]  // sub-millisecond digits: floor
    [InlineData("0", "c1 00")]
    [InlineData("0.001", "c1 01")]
    [InlineData("-1.5", "c1 39 05 db")]
    public void TimestampsBecomeTag1EpochMillis(string seconds, string expected) =>
        Assert.Equal(Hex(Cat(H("a1 69"), "Timestamp"u8.ToArray(), H(expected))), Hex(ToCbor("{\"Timestamp\":" + seconds + "}", Shape("ShardFilter"))));

    [Fact]
    public void IntegersUseTheShortestEncodingAndFractionsFloat64()
    {
        const string json = "{\"a\":[0,23,24,255,256,65535,65536,4294967295,4294967296,-1,-24,-25,-256,-257,9223372036854775807,-9223372036854775808,18446744073709551615,1.5,1e3,-0.0]}";
        var expected = H("""
            a1 61 61 94
              00 17 18 18 18 ff 19 01 00 19 ff ff 1a 00 01 00 00 1a ff ff ff ff 1b 00 00 00 01 00 00 00 00
              20 37 38 18 38 ff 39 01 00
              1b 7f ff ff ff ff ff ff ff 3b 7f ff ff ff ff ff ff ff 1b ff ff ff ff ff ff ff ff
              fb 3f f8 00 00 00 00 00 00 fb 40 8f 40 00 00 00 00 00 fb 80 00 00 00 00 00 00 00
            """);
        Assert.Equal(Hex(expected), Hex(ToCbor(json)));
        // An integral number written with an exponent is an integer for integer members.
        Assert.Equal(Hex(Cat(H("a1 6a"), "ShardCount"u8.ToArray(), H("19 03 e8"))), Hex(ToCbor("{\"ShardCount\":1e3}", Input("CreateStream"))));
    }

    [Fact]
    public void ScalarsAndStrings()
    {
        Assert.Equal(Hex(H("a4 61 74 f5 61 66 f4 61 6e f6 61 73 63 c3 a9 22")), Hex(ToCbor("{\"t\":true,\"f\":false,\"n\":null,\"s\":\"\\u00e9\\\"\"}")));
        // Blob members decode base64 (escaped or not); strings that are not base64 stay text.
        Assert.Equal(Hex(H("a1 64 44 61 74 61 43 fb ff bf")), Hex(ToCbor("{\"Data\":\"\\u002B/+/\"}", Shape("Record"))));
        Assert.Equal(Hex(H("a1 64 44 61 74 61 40")), Hex(ToCbor("{\"Data\":\"\"}", Shape("Record"))));
        Assert.Equal(Hex(H("a1 64 44 61 74 61 63 61 62 63")), Hex(ToCbor("{\"Data\":\"abc\"}", Shape("Record"))));
        // Unknown members and maps are written generically.
        Assert.Equal(Hex(H("a1 61 78 a1 61 79 80")), Hex(ToCbor("{\"x\":{\"y\":[]}}", Output("GetRecords"))));
    }

    [Theory]
    [InlineData(0, "40")]
    [InlineData(1, "41")]
    [InlineData(23, "57")]
    [InlineData(24, "58 18")]
    [InlineData(255, "58 ff")]
    [InlineData(256, "59 01 00")]
    [InlineData(65535, "59 ff ff")]
    [InlineData(65536, "5a 00 01 00 00")]
    public void BlobHeadsUseTheShortestLength(int length, string head)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var cbor = ToCbor("{\"Data\":\"" + Convert.ToBase64String(data) + "\"}", Shape("Record"));
        Assert.Equal(Cat(H("a1 64"), "Data"u8.ToArray(), H(head), data), cbor);
    }

    [Theory]
    [InlineData("ab=c")]
    [InlineData("YW Jjaa=")]
    [InlineData("YWJj\\n")]
    [InlineData("=AAA")]
    [InlineData("A===")]
    [InlineData("YWé=")]
    public void BlobTextThatIsNotBase64StaysText(string text)
    {
        var json = "{\"Data\":\"" + text + "\"}";
        var cbor = ToCbor(json, Shape("Record"));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(Cat(H("a1 64"), "Data"u8.ToArray(), T(doc.RootElement.GetProperty("Data").GetString()!)), cbor);
    }

    [Fact]
    public void EmptyBodyGivesEmptyCbor()
    {
        Assert.Empty(ToCbor(""));
        Assert.Empty(ToCbor(" \r\n"));
        Assert.Equal("a0", Hex(ToCbor("{}", Output("ListStreams"))));
    }

    [Fact]
    public void LargeBlobs()
    {
        var data = new byte[1024 * 1024];
        new Random(3).NextBytes(data);
        var json = Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Records");
            w.WriteStartObject();
            w.WriteBase64String("Data", data);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
        var cbor = ToCbor(json, Output("GetRecords"));
        Assert.Equal(H("5a 00 10 00 00"), cbor[16..21]); // a1 67 "Records" 81 a1 64 "Data" 5a <length>
        Assert.Equal(data, cbor[21..]);
    }

    [Fact]
    public void WriteErrorBodies()
    {
        var output = new ArrayBufferWriter<byte>();
        CborJson.WriteError(output, "ResourceNotFoundException", "Stream x not found.");
        Assert.Equal(
            Hex(Cat(H("a2"), T("__type"), H("78 19"), "ResourceNotFoundException"u8.ToArray(), T("message"), H("73"), "Stream x not found."u8.ToArray())),
            Hex(output.WrittenSpan.ToArray()));
        Assert.Equal(Cat(H("a2 66"), "__type"u8.ToArray()), output.WrittenSpan[..8].ToArray());

        output.Clear();
        CborJson.WriteError(output, "InternalFailure", null);
        Assert.Equal(Hex(Cat(H("a1"), T("__type"), T("InternalFailure"))), Hex(output.WrittenSpan.ToArray()));
        Assert.Equal("""{"__type":"InternalFailure"}""", ToJson(output.WrittenSpan.ToArray()));

        output.Clear();
        CborJson.WriteError(output, "ValidationException", "Value 'ü' at 'x'");
        Assert.Equal("""{"__type":"ValidationException","message":"Value 'ü' at 'x'"}""", ToJson(output.WrittenSpan.ToArray()));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{} x")]
    [InlineData("{\"a\":1}{}")]
    [InlineData("{\"a\":\"\\ud800\"}")]
    [InlineData("{\"a\\udc00\":1}")]
    public void MalformedJsonThrowsJsonException(string json) =>
        Assert.ThrowsAny<JsonException>(() => ToCbor(json));

    [Fact]
    public void ContentTypeConstant() => Assert.Equal("application/x-amz-cbor-1.1", CborJson.ContentType);
}
