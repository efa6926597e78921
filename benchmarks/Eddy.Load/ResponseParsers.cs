using System.Text.Json;

namespace Eddy.Load;

/// <summary>Receives the entries of a PutRecords answer, in request order.</summary>
public interface IPutRecordsSink
{
    /// <summary>An entry: success (sequence number and shard id) or failure (error code non-empty).</summary>
    void OnEntry(int index, ReadOnlySpan<byte> sequenceNumber, ReadOnlySpan<byte> shardId, ReadOnlySpan<byte> errorCode);
}

/// <summary>Receives the records of a GetRecords answer, in order.</summary>
public interface IGetRecordsSink
{
    void OnRecord(ReadOnlySpan<byte> sequenceNumber, ReadOnlySpan<byte> dataBase64, ReadOnlySpan<byte> partitionKey);
}

/// <summary>The non-record members of a GetRecords answer.</summary>
public readonly record struct GetRecordsSummary(int RecordCount, string? NextShardIterator, long MillisBehindLatest, IReadOnlyList<string> ChildShardIds);

/// <summary>The non-record members of a SubscribeToShardEvent (the payload of an event-stream event).</summary>
public readonly record struct SubscribeEventSummary(
    int RecordCount, string? ContinuationSequenceNumber, long MillisBehindLatest, IReadOnlyList<string> ChildShardIds, bool HasChildShards);

/// <summary>
/// Streaming (Utf8JsonReader) parsers for the data-plane answers; no JSON DOM. Values are handed out as spans into
/// the response buffer, or into per-parser scratch buffers when the server escaped them. One instance per worker.
/// </summary>
public sealed class ResponseParser
{
    private byte[] _scratchA = new byte[256];
    private byte[] _scratchB = new byte[64 * 1024];
    private byte[] _scratchC = new byte[256];

    /// <summary>Parses <c>{"FailedRecordCount":n,"Records":[{"SequenceNumber":..,"ShardId":..}|{"ErrorCode":..,"ErrorMessage":..}]}</c>.</summary>
    /// <returns>The number of entries in <c>Records</c>.</returns>
    public int ParsePutRecords(ReadOnlySpan<byte> json, IPutRecordsSink sink, out int failedRecordCount)
    {
        failedRecordCount = -1;
        int index = 0;
        var reader = new Utf8JsonReader(json);
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("FailedRecordCount"u8))
            {
                Next(ref reader);
                failedRecordCount = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("Records"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                while (Next(ref reader) == JsonTokenType.StartObject)
                {
                    ReadOnlySpan<byte> seq = default, shard = default, error = default;
                    while (Next(ref reader) == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("SequenceNumber"u8))
                        {
                            Next(ref reader);
                            seq = Value(ref reader, ref _scratchA);
                        }
                        else if (reader.ValueTextEquals("ShardId"u8))
                        {
                            Next(ref reader);
                            shard = Value(ref reader, ref _scratchC);
                        }
                        else if (reader.ValueTextEquals("ErrorCode"u8))
                        {
                            Next(ref reader);
                            error = Value(ref reader, ref _scratchB);
                        }
                        else
                        {
                            Next(ref reader);
                            reader.Skip();
                        }
                    }

                    sink.OnEntry(index++, seq, shard, error);
                }
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        if (failedRecordCount < 0)
        {
            throw new JsonException("PutRecords answer has no FailedRecordCount");
        }

        return index;
    }

    /// <summary>Parses a PutRecord answer <c>{"ShardId":..,"SequenceNumber":..}</c>.</summary>
    public (int ShardIndex, ulong SequenceHash) ParsePutRecord(ReadOnlySpan<byte> json)
    {
        int shard = -1;
        ulong hash = 0;
        bool sawSequence = false;
        var reader = new Utf8JsonReader(json);
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("SequenceNumber"u8))
            {
                Next(ref reader);
                hash = RecordFormat.HashSequence(Value(ref reader, ref _scratchA));
                sawSequence = true;
            }
            else if (reader.ValueTextEquals("ShardId"u8))
            {
                Next(ref reader);
                shard = RecordFormat.ParseShardIndex(Value(ref reader, ref _scratchC));
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        if (!sawSequence || shard < 0)
        {
            throw new JsonException("PutRecord answer lacks SequenceNumber or ShardId");
        }

        return (shard, hash);
    }

    /// <summary>Parses a GetRecords answer, handing each record to <paramref name="sink"/>.</summary>
    public GetRecordsSummary ParseGetRecords(ReadOnlySpan<byte> json, IGetRecordsSink sink)
    {
        (int count, string? next, long behind, List<string>? children, _) = ParseRecords(json, sink, "NextShardIterator"u8);
        return new GetRecordsSummary(count, next, behind, (IReadOnlyList<string>?)children ?? []);
    }

    /// <summary>
    /// Parses a SubscribeToShardEvent (<c>Records</c>, <c>ContinuationSequenceNumber</c>, <c>MillisBehindLatest</c>,
    /// <c>ChildShards</c> at top level), handing each record to <paramref name="sink"/>.
    /// </summary>
    public SubscribeEventSummary ParseSubscribeToShardEvent(ReadOnlySpan<byte> json, IGetRecordsSink sink)
    {
        (int count, string? continuation, long behind, List<string>? children, bool hasChildren) = ParseRecords(json, sink, "ContinuationSequenceNumber"u8);
        return new SubscribeEventSummary(count, continuation, behind, (IReadOnlyList<string>?)children ?? [], hasChildren);
    }

    private (int Count, string? Position, long Behind, List<string>? Children, bool HasChildren) ParseRecords(
        ReadOnlySpan<byte> json, IGetRecordsSink sink, ReadOnlySpan<byte> positionName)
    {
        int count = 0;
        bool hasChildren = false;
        string? next = null;
        long behind = -1;
        List<string>? children = null;
        var reader = new Utf8JsonReader(json);
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Records"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                while (Next(ref reader) == JsonTokenType.StartObject)
                {
                    ReadOnlySpan<byte> seq = default, data = default, key = default;
                    while (Next(ref reader) == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("SequenceNumber"u8))
                        {
                            Next(ref reader);
                            seq = Value(ref reader, ref _scratchA);
                        }
                        else if (reader.ValueTextEquals("Data"u8))
                        {
                            Next(ref reader);
                            data = Value(ref reader, ref _scratchB);
                        }
                        else if (reader.ValueTextEquals("PartitionKey"u8))
                        {
                            Next(ref reader);
                            key = Value(ref reader, ref _scratchC);
                        }
                        else
                        {
                            Next(ref reader);
                            reader.Skip();
                        }
                    }

                    count++;
                    sink.OnRecord(seq, data, key);
                }
            }
            else if (reader.ValueTextEquals(positionName))
            {
                Next(ref reader);
                next = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            }
            else if (reader.ValueTextEquals("MillisBehindLatest"u8))
            {
                Next(ref reader);
                behind = reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : -1;
            }
            else if (reader.ValueTextEquals("ChildShards"u8))
            {
                Next(ref reader);
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    hasChildren = true;
                    while (Next(ref reader) == JsonTokenType.StartObject)
                    {
                        while (Next(ref reader) == JsonTokenType.PropertyName)
                        {
                            if (reader.ValueTextEquals("ShardId"u8))
                            {
                                Next(ref reader);
                                (children ??= []).Add(reader.GetString() ?? "");
                            }
                            else
                            {
                                Next(ref reader);
                                reader.Skip();
                            }
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        return (count, next, behind, children, hasChildren);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("truncated JSON answer");
        }

        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type)
        {
            throw new JsonException($"expected {type}, found {reader.TokenType} at byte {reader.TokenStartIndex}");
        }
    }

    /// <summary>The current string value's UTF-8 bytes, unescaped into <paramref name="scratch"/> only when needed.</summary>
    private static ReadOnlySpan<byte> Value(scoped ref Utf8JsonReader reader, ref byte[] scratch)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected a string, found {reader.TokenType} at byte {reader.TokenStartIndex}");
        }

        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        if (scratch.Length < reader.ValueSpan.Length)
        {
            scratch = new byte[reader.ValueSpan.Length];
        }

        int written = reader.CopyString(scratch);
        return scratch.AsSpan(0, written);
    }
}
