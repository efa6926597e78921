using System.Text.Json;
using Eddy.Protocol.Cbor;
using Eddy.Protocol.Model;
using static Eddy.Protocol.Tests.Cbor.C;

namespace Eddy.Protocol.Tests.Cbor;

public sealed class CborToJsonTests
{
    private static ProtocolError? Validate(string operation, string json)
    {
        using var doc = JsonDocument.Parse(json);
        return RequestValidator.Validate(operation, doc.RootElement);
    }

    /// <summary>Transcodes with the operation's input shape and checks that the JSON validator accepts the result.</summary>
    private static string Valid(string operation, byte[] cbor)
    {
        var json = ToJson(cbor, Input(operation));
        Assert.Null(Validate(operation, json));
        return json;
    }

    // ------------------------------------------------------------------ the CBOR protocol's examples (docs/formats/cbor.md)

    [Fact]
    public void PutRecordExactlyAsJavaSendsIt()
    {
        var body = H("""
            bf 6a 53 74 72 65 61 6d 4e 61 6d 65 69 6d 79 2d 73 74 72 65 61 6d
               64 44 61 74 61 45 68 65 6c 6c 6f
               6c 50 61 72 74 69 74 69 6f 6e 4b 65 79 63 70 6b 31
            ff
            """);
        Assert.Equal("""{"StreamName":"my-stream","Data":"aGVsbG8=","PartitionKey":"pk1"}""", Valid("PutRecord", body));
    }

    [Fact]
    public void TimestampTag1IsEpochMilliseconds()
    {
        // "Timestamp": 1441215410867 ms  ->  69 "Timestamp"  c1 1b 00 00 01 4f 8f 21 f2 b3
        var body = Cat(
            [0xBF],
            T("StreamName"), T("s"),
            T("ShardId"), T("shardId-000000000000"),
            T("ShardIteratorType"), T("AT_TIMESTAMP"),
            H("69"), "Timestamp"u8.ToArray(), H("c1 1b 00 00 01 4f 8f 21 f2 b3"),
            [0xFF]);
        Assert.Equal(
            """{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1441215410.867}""",
            Valid("GetShardIterator", body));
    }

    // ------------------------------------------------------------------ inputs of many operations

    [Fact]
    public void CreateStreamWithModeAndTags()
    {
        var body = IMap(
            T("StreamName"), T("orders"),
            T("ShardCount"), I(4),
            T("StreamModeDetails"), IMap(T("StreamMode"), T("PROVISIONED")),
            T("Tags"), IMap(T("team"), T("payments"), T("env"), T("")));
        Assert.Equal(
            """{"StreamName":"orders","ShardCount":4,"StreamModeDetails":{"StreamMode":"PROVISIONED"},"Tags":{"team":"payments","env":""}}""",
            Valid("CreateStream", body));
    }

    [Fact]
    public void PutRecordsWithByteStringData()
    {
        var body = IMap(
            T("Records"), IArray(
                IMap(T("Data"), B([0, 1, 2, 0xFF]), T("PartitionKey"), T("a")),
                IMap(T("Data"), B([]), T("PartitionKey"), T("b"), T("ExplicitHashKey"), T("123")),
                IMap(T("Data"), B(new byte[300]), T("PartitionKey"), T("c"))),
            T("StreamName"), T("s"));
        var json = Valid("PutRecords", body);
        using var doc = JsonDocument.Parse(json);
        var records = doc.RootElement.GetProperty("Records");
        Assert.Equal(3, records.GetArrayLength());
        Assert.Equal("AAEC/w==", records[0].GetProperty("Data").GetString());
        Assert.Equal("", records[1].GetProperty("Data").GetString());
        Assert.Equal("123", records[1].GetProperty("ExplicitHashKey").GetString());
        Assert.Equal(new byte[300], records[2].GetProperty("Data").GetBytesFromBase64());
    }

    [Fact]
    public void GetShardIteratorTimestampVariants()
    {
        static string Ts(byte[] value) =>
            JsonDocument.Parse(Valid("GetShardIterator", IMap(
                T("StreamName"), T("s"), T("ShardId"), T("shardId-000000000000"),
                T("ShardIteratorType"), T("AT_TIMESTAMP"), T("Timestamp"), value))).RootElement.GetProperty("Timestamp").GetRawText();

        Assert.Equal("1441215410.867", Ts(C.Ts(1441215410867)));
        Assert.Equal("1441215410.867", Ts(I(1441215410867)));                  // untagged integer millis
        Assert.Equal("1441215410.5", Ts(C.Ts(1441215410500)));
        Assert.Equal("1441215410", Ts(C.Ts(1441215410000)));
        Assert.Equal("0.005", Ts(C.Ts(5)));
        Assert.Equal("0", Ts(C.Ts(0)));
        Assert.Equal("-1.5", Ts(C.Ts(-1500)));
        Assert.Equal("1441215410.867", Ts(H("c1 fb 42 74 f8 f2 1f 2b 30 00")));  // tag 1 + float64 millis
        Assert.Equal("1441215410.867", Ts(H("fb 42 74 f8 f2 1f 2b 3e 66")));     // untagged 1441215410867.9 ms: floor
        Assert.Equal("0.001", Ts(H("f9 3c 00")));                              // half 1.0 ms
        Assert.Equal("1441215410.8", Ts(Cat([0xC1, 0xC1], I(1441215410800))));   // nested tags are ignored
    }

    [Fact]
    public void TimestampExtremesOfCborIntegers()
    {
        var shape = Input("GetShardIterator");
        Assert.Contains("\"Timestamp\":18446744073709551.615", ToJson(IMap(T("Timestamp"), H("1b ff ff ff ff ff ff ff ff")), shape));
        Assert.Contains("\"Timestamp\":-18446744073709551.616", ToJson(IMap(T("Timestamp"), H("3b ff ff ff ff ff ff ff ff")), shape));
        Assert.Contains("\"Timestamp\":-0.001", ToJson(IMap(T("Timestamp"), H("20")), shape));
        Assert.Contains("\"Timestamp\":1e999", ToJson(IMap(T("Timestamp"), H("f9 7c 00")), shape));
        // A bignum (tag 2) of millis.
        Assert.Contains("\"Timestamp\":1441215410.867", ToJson(IMap(T("Timestamp"), H("c2 46 01 4f 8f 21 f2 b3")), shape));
    }

    [Fact]
    public void ListShardsWithShardFilterTimestamp()
    {
        var body = IMap(
            T("StreamName"), T("s"),
            T("ShardFilter"), IMap(T("Type"), T("FROM_TIMESTAMP"), T("Timestamp"), C.Ts(1441215410867)),
            T("MaxResults"), I(100),
            T("StreamCreationTimestamp"), C.Ts(1441215410000));
        Assert.Equal(
            """{"StreamName":"s","ShardFilter":{"Type":"FROM_TIMESTAMP","Timestamp":1441215410.867},"MaxResults":100,"StreamCreationTimestamp":1441215410}""",
            Valid("ListShards", body));
    }

    [Fact]
    public void AddTagsToStreamMapAndRemoveTagsList()
    {
        Assert.Equal(
            """{"StreamName":"s","Tags":{"a":"1","b":"\"quoted\"","c":"ünï"}}""",
            Valid("AddTagsToStream", Map(T("StreamName"), T("s"), T("Tags"), Map(T("a"), T("1"), T("b"), T("\"quoted\""), T("c"), T("ünï")))));
        Assert.Equal(
            """{"StreamName":"s","TagKeys":["a","b"]}""",
            Valid("RemoveTagsFromStream", Map(T("StreamName"), T("s"), T("TagKeys"), Array(T("a"), T("b")))));
    }

    [Fact]
    public void MoreOperations()
    {
        Assert.Equal("""{"ShardIterator":"AAAA","Limit":10000}""", Valid("GetRecords", IMap(T("ShardIterator"), T("AAAA"), T("Limit"), I(10000))));
        Assert.Equal("{}", Valid("ListStreams", IMap()));
        Assert.Equal("{}", Valid("DescribeLimits", Map()));
        Assert.Equal("""{"StreamName":"s","EnforceConsumerDeletion":true}""", Valid("DeleteStream", IMap(T("StreamName"), T("s"), T("EnforceConsumerDeletion"), True)));
        Assert.Equal(
            """{"StreamName":"s","ShardLevelMetrics":["IncomingBytes","ALL"]}""",
            Valid("EnableEnhancedMonitoring", IMap(T("StreamName"), T("s"), T("ShardLevelMetrics"), IArray(T("IncomingBytes"), T("ALL")))));
        Assert.Equal(
            """{"ConsumerARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1234567890","ShardId":"shardId-000000000001","StartingPosition":{"Type":"AT_TIMESTAMP","Timestamp":1441215410.867}}""",
            Valid("SubscribeToShard", IMap(
                T("ConsumerARN"), T("arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1234567890"),
                T("ShardId"), T("shardId-000000000001"),
                T("StartingPosition"), IMap(T("Type"), T("AT_TIMESTAMP"), T("Timestamp"), C.Ts(1441215410867)))));
        Assert.Equal(
            """{"StreamName":"s","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"170141183460469231731687303715884105728"}""",
            Valid("SplitShard", IMap(T("StreamName"), T("s"), T("ShardToSplit"), T("shardId-000000000000"), T("NewStartingHashKey"), T("170141183460469231731687303715884105728"))));
    }

    // ------------------------------------------------------------------ null, unknown members, wrong types

    [Fact]
    public void NullAndUndefinedMembersAreOmitted()
    {
        Assert.Equal(
            """{"StreamName":"s"}""",
            Valid("CreateStream", IMap(T("ShardCount"), Null, T("StreamName"), T("s"), T("Tags"), Undefined, T("StreamModeDetails"), Cat([0xC1], Null))));
        // Required member null: the validator reports it as missing, as for JSON null.
        var json = ToJson(IMap(T("ShardIterator"), Null), Input("GetRecords"));
        Assert.Equal("{}", json);
        var error = Validate("GetRecords", json);
        Assert.Equal(ProtocolError.ValidationException, error!.Type);
        Assert.Contains("Member must not be null", error.Message);
        // List items and map values keep null (AWS reports them), as do members of unknown objects.
        Assert.Equal("""{"TagKeys":["a",null],"Tags":{"k":null},"X":{"y":null}}""", ToJson(IMap(T("TagKeys"), IArray(T("a"), Null), T("Tags"), IMap(T("k"), Null), T("X"), IMap(T("y"), Undefined)), Input("CreateStream")));
    }

    [Fact]
    public void UnknownMembersAreCopiedThroughGenerically()
    {
        var body = IMap(
            T("StreamName"), T("s"),
            T("Extra"), IMap(T("n"), I(-5), T("b"), B([1, 2, 3]), T("l"), IArray(True, False, H("fb 3f f8 00 00 00 00 00 00")), T("t"), C.Ts(12)),
            T("streamName"), I(7));
        Assert.Equal(
            """{"StreamName":"s","Extra":{"n":-5,"b":"AQID","l":[true,false,1.5],"t":12},"streamName":7}""",
            Valid("DeleteStream", body));
    }

    [Fact]
    public void WrongCborTypesBecomeAwsSerializationErrors()
    {
        static string? TypeError(string operation, byte[] cbor)
        {
            var error = Validate(operation, ToJson(cbor, Input(operation)));
            Assert.NotNull(error);
            Assert.Equal(ProtocolError.SerializationException, error.Type);
            return error.Message;
        }

        Assert.Equal(
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob",
            TypeError("PutRecord", IMap(T("StreamName"), T("s"), T("Data"), I(5), T("PartitionKey"), T("p"))));
        Assert.Equal(
            "class java.lang.String can not be converted to an Integer",
            TypeError("CreateStream", IMap(T("StreamName"), T("s"), T("ShardCount"), T("1"))));
        Assert.Equal(
            "class java.lang.String can not be converted to milliseconds since epoch",
            TypeError("GetShardIterator", IMap(T("StreamName"), T("s"), T("ShardId"), T("x"), T("ShardIteratorType"), T("AT_TIMESTAMP"), T("Timestamp"), Cat([0xC1], T("2015-09-02")))));
        Assert.Equal(
            "Start of structure or map found where not expected.",
            TypeError("PutRecords", IMap(T("Records"), IMap(T("Data"), B([1])))));
        Assert.Equal(
            "Start of list found where not expected",
            TypeError("CreateStream", IMap(T("StreamName"), IArray(T("s")))));
        Assert.Equal(
            "class java.lang.Boolean can not be converted to an String",
            TypeError("CreateStream", IMap(T("StreamName"), True)));
        // A byte string for a string member is its base64 text (a string), so it passes the type check.
        Assert.Equal("""{"StreamName":"YWJj"}""", ToJson(IMap(T("StreamName"), B("abc"u8.ToArray())), Input("DeleteStream")));
    }

    [Fact]
    public void Base64TextForBlobIsAcceptedAndInvalidBase64IsReported()
    {
        Assert.Equal(
            """{"StreamName":"s","Data":"aGVsbG8=","PartitionKey":"p"}""",
            Valid("PutRecord", IMap(T("StreamName"), T("s"), T("Data"), T("aGVsbG8="), T("PartitionKey"), T("p"))));
        var error = Validate("PutRecord", ToJson(IMap(T("StreamName"), T("s"), T("Data"), T("abcde"), T("PartitionKey"), T("p")), Input("PutRecord")));
        Assert.Equal("'abcde' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5", error!.Message);
    }

    // ------------------------------------------------------------------ scalar encodings

    [Theory]
    [InlineData("f9 00 00", "0")]
    [InlineData("f9 80 00", "-0")]
    [InlineData("f9 3c 00", "1")]
    [InlineData("f9 3e 00", "1.5")]
    [InlineData("f9 c4 00", "-4")]
    [InlineData("f9 7b ff", "65504")]
    [InlineData("f9 04 00", "6.103515625E-05")]          // smallest normal half
    [InlineData("f9 00 01", "5.960464477539063E-08")]    // smallest subnormal half, 2^-24
    [InlineData("f9 35 55", "0.333251953125")]
    [InlineData("f9 7c 00", "1e999")]                    // +Infinity: beyond every range
    [InlineData("f9 fc 00", "-1e999")]
    [InlineData("fa 47 c3 50 00", "100000")]
    [InlineData("fa 3f 8c cc cd", "1.100000023841858")]  // float32 1.1, widened exactly
    [InlineData("fa 7f 7f ff ff", "3.4028234663852886E+38")]
    [InlineData("fa 7f 80 00 00", "1e999")]
    [InlineData("fb 3f f1 99 99 99 99 99 9a", "1.1")]
    [InlineData("fb 7e 37 e4 3c 88 00 75 9c", "1E+300")]
    [InlineData("fb c0 10 66 66 66 66 66 66", "-4.1")]
    [InlineData("00", "0")]
    [InlineData("17", "23")]
    [InlineData("18 18", "24")]
    [InlineData("19 01 00", "256")]
    [InlineData("1a 00 01 00 00", "65536")]
    [InlineData("1b 00 00 00 01 00 00 00 00", "4294967296")]
    [InlineData("1b ff ff ff ff ff ff ff ff", "18446744073709551615")]
    [InlineData("18 01", "1")]                           // non-shortest forms are well-formed
    [InlineData("20", "-1")]
    [InlineData("38 63", "-100")]
    [InlineData("3b ff ff ff ff ff ff ff ff", "-18446744073709551616")]
    [InlineData("c2 49 01 00 00 00 00 00 00 00 00", "18446744073709551616")]   // bignum 2^64
    [InlineData("c3 49 01 00 00 00 00 00 00 00 00", "-18446744073709551617")]
    [InlineData("c2 40", "0")]
    [InlineData("f4", "false")]
    [InlineData("f5", "true")]
    [InlineData("f6", "null")]
    [InlineData("f7", "null")]
    public void ScalarsInAGenericList(string item, string expected) =>
        Assert.Equal("{\"x\":[" + expected + "]}", ToJson(Cat(IMap(T("x"), Cat([0x81], H(item))))));

    [Fact]
    public void FloatsForIntegerMembersReachTheValidatorAsNumbers()
    {
        // Jackson reads floats for integer members; AWS truncates. Half 10.0 and float32 2.5:
        Assert.Equal("""{"ShardIterator":"A","Limit":10}""", Valid("GetRecords", IMap(T("ShardIterator"), T("A"), T("Limit"), H("f9 49 00"))));
        Assert.Equal("""{"ShardIterator":"A","Limit":2.5}""", Valid("GetRecords", IMap(T("ShardIterator"), T("A"), T("Limit"), H("fa 40 20 00 00"))));
    }

    // ------------------------------------------------------------------ strings

    [Fact]
    public void IndefiniteTextStrings()
    {
        Assert.Equal("""{"StreamName":"my-stream"}""", Valid("DeleteStream", IMap(T("StreamName"), Cat([0x7F], T("my"), T("-"), T(""), T("stream"), [0xFF]))));
        Assert.Equal("""{"x":""}""", ToJson(IMap(T("x"), H("7f ff"))));
        // Chunked keys are matched against the model too.
        Assert.Equal(
            """{"StreamName":"s","ShardCount":2}""",
            Valid("CreateStream", Map(Cat([0x7F], T("Stream"), T("Name"), [0xFF]), T("s"), Cat([0x7F], T("Shard"), T("Count"), [0xFF]), I(2))));
        // Multi-byte characters may not be split across chunks, but may sit in separate chunks.
        Assert.Equal("""{"x":"ünï€"}""", ToJson(IMap(T("x"), Cat([0x7F], T("ü"), T("nï"), T("€"), [0xFF]))));
        Assert.Throws<CborException>(() => ToJson(IMap(T("x"), Cat([0x7F], H("61 c3"), H("61 bc"), [0xFF]))));
        // Chunks must be definite text strings.
        Assert.Throws<CborException>(() => ToJson(IMap(T("x"), Cat([0x7F], B([0x61]), [0xFF]))));
        Assert.Throws<CborException>(() => ToJson(IMap(T("x"), Cat([0x7F, 0x7F], T("a"), [0xFF, 0xFF]))));
        Assert.Throws<CborException>(() => ToJson(IMap(T("x"), Cat([0x7F], I(1), [0xFF]))));
    }

    [Fact]
    public void IndefiniteByteStringsAreBase64OfTheConcatenation()
    {
        var random = new Random(42);
        for (var trial = 0; trial < 200; trial++)
        {
            var data = new byte[random.Next(0, 40)];
            random.NextBytes(data);
            var chunks = new List<byte[]> { new byte[] { 0x5F } };
            var i = 0;
            while (i < data.Length)
            {
                var n = random.Next(0, Math.Min(5, data.Length - i) + 1);
                chunks.Add(B(data[i..(i + n)]));
                i += n;
            }

            chunks.Add([0xFF]);
            var json = ToJson(IMap(T("Data"), Cat([.. chunks])), Input("PutRecord"));
            Assert.Equal("{\"Data\":\"" + Convert.ToBase64String(data) + "\"}", json);
        }

        Assert.Throws<CborException>(() => ToJson(IMap(T("Data"), Cat([0x5F], T("a"), [0xFF]))));
    }

    [Fact]
    public void LargeByteStringsAreEncodedInBlocks()
    {
        var data = new byte[(3 * 16 * 1024 * 3) + 2];
        new Random(7).NextBytes(data);
        var body = IMap(T("StreamName"), T("s"), T("Data"), Cat(C.Head(2, (ulong)data.Length), data), T("PartitionKey"), T("p"));
        var json = Valid("PutRecord", body);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(data, doc.RootElement.GetProperty("Data").GetBytesFromBase64());
    }

    [Fact]
    public void TextIsEscapedForJson()
    {
        var text = "q\"b\\s/\n\r\t\b\f\u0001\u001f\u007fé😀\u2028";
        var json = ToJson(IMap(T(text), T(text)));
        using var doc = JsonDocument.Parse(json);
        var property = Assert.Single(doc.RootElement.EnumerateObject());
        Assert.Equal(text, property.Name);
        Assert.Equal(text, property.Value.GetString());
    }

    [Fact]
    public void IntegerKeysBecomeStringsOtherKeysAreRefused()
    {
        Assert.Equal("""{"1":"a","-2":"b"}""", ToJson(IMap(I(1), T("a"), I(-2), T("b"))));
        Assert.Throws<CborException>(() => ToJson(IMap(B([1]), T("a"))));
        Assert.Throws<CborException>(() => ToJson(IMap(True, T("a"))));
        Assert.Throws<CborException>(() => ToJson(IMap(IArray(), T("a"))));
    }

    // ------------------------------------------------------------------ malformed input

    public static TheoryData<string> MalformedBodies() =>
    [
        "",                                     // empty
        "a0 00",                                // trailing bytes
        "a0 a0",
        "80",                                   // top level not a map
        "61 61",
        "f6",
        "bf",                                   // truncated
        "bf 61 61",
        "bf 61 61 01",
        "a1 61 61",
        "a1 61",
        "bf 61 61 ff",                          // break where a value should be
        "a1 ff 01",                             // break as a key of a definite map
        "a1 61 61 ff",
        "ff",
        "a1 61 61 9f 01",                       // unterminated array
        "a1 61 61 81",
        "a1 61 61 5a ff ff ff ff 00",           // lengths beyond the input
        "a1 61 61 7b 7f ff ff ff ff ff ff ff",
        "a1 61 61 7b ff ff ff ff ff ff ff ff",
        "a1 61 61 9b ff ff ff ff ff ff ff ff 00",
        "bb ff ff ff ff ff ff ff ff",
        "a2 61 61 01",
        "a1 61 61 1c",                          // reserved additional information
        "a1 61 61 3d",
        "a1 61 61 5e",
        "a1 61 61 fe",
        "a1 61 61 1f",                          // indefinite integer / tag
        "a1 61 61 3f",
        "a1 61 61 df 01",
        "a1 61 61 f8 10",                       // two-byte simple value below 32
        "a1 61 61 f8 20",                       // unassigned simple values
        "a1 61 61 e0",
        "a1 61 61 f9 7e 00",                    // NaN
        "a1 61 61 fb 7f f8 00 00 00 00 00 00",
        "a1 61 61 61 ff",                       // invalid UTF-8
        "a1 61 61 62 c3 28",
        "a1 63 ed a0 80 01",                    // encoded surrogate as a key
        "a1 61 61 63 ef bf",                    // truncated
        "a1 61 61 1b 00 00",
        "a1 61 61 f9 00",
        "a1 61 61 c1",
        "a1 61 61 c1 ff",
        "a1 61 61 5f 41 61",                    // unterminated chunks
        "a1 61 61 5f 5f ff ff",
    ];

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void MalformedCborThrowsCborException(string hex)
    {
        Assert.Throws<CborException>(() => ToJson(H(hex), Input("PutRecord")));
        Assert.Throws<CborException>(() => ToJson(H(hex)));
    }

    [Fact]
    public void NestingIsLimitedTo64Levels()
    {
        // 64 levels (the top-level map is the first) are accepted and parse as JSON with default options.
        var ok = Cat([0xA1, 0x61, 0x61], [.. Enumerable.Repeat((byte)0x81, 63)], [0x01]);
        using (var doc = JsonDocument.Parse(ToJson(ok)))
        {
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }

        var deep = Cat([0xA1, 0x61, 0x61], [.. Enumerable.Repeat((byte)0x81, 64)], [0x01]);
        Assert.Contains("deeper than 64", Assert.Throws<CborException>(() => ToJson(deep)).Message);
        var veryDeep = Cat([0xA1, 0x61, 0x61], [.. Enumerable.Repeat((byte)0x9F, 1_000_000)]);
        Assert.Throws<CborException>(() => ToJson(veryDeep));
    }

    [Fact]
    public void LongTagChainsAreLinear()
    {
        var body = Cat([0xA2, 0x61, 0x61], [.. Enumerable.Repeat((byte)0xC1, 1_000_000)], [0x01, 0x61, 0x62], [.. Enumerable.Repeat((byte)0xC1, 1_000_000)], [0xF6]);
        Assert.Equal("""{"a":1}""", ToJson(body));
    }

    [Fact]
    public void TaggedTopLevelMapIsAMap() => Assert.Equal("{}", ToJson(H("d9 d9 f7 a0")));
}
