"""boto3: PutRecord(s), every iterator type, GetRecords paging, resharding (split, merge, UpdateShardCount),
ShardFilter types, and reading back across a split/merge with ChildShards at the shard end."""

import base64
import datetime
import hashlib
import time

from kit import ACCOUNT, HASH_MAX, SEQ_RE, Run, not_found, shard_id

r = Run("python/records")
s = r.name("rec")
uniform = r.name("uniform")
missing = r.name("missing")
HALF = 2**127  # shard 0 of a 2-shard stream is [0, 2^127-1]
SPLIT_AT = 2**126


def md5_key(pk):
    return int.from_bytes(hashlib.md5(pk.encode()).digest(), "big")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def next_second_after(t):
    """Sleeps until the first whole second after t (plus 50 ms) and returns the time then."""
    target = t.replace(microsecond=0) + datetime.timedelta(seconds=1, milliseconds=50)
    time.sleep(max(0.0, (target - now()).total_seconds()))
    return now()


put = {}  # shard id -> list of (seq, data, pk) in put order
shard_end_seq = {}

with r.section("setup"):
    r.create(s, 2)
    r.eq("MD5('a') routing key", md5_key("a"), 16955237001963240173058271559858726497)
    created_at = now()

with r.section("PutRecord"):
    seqs = []
    for i in range(4):
        res = r.kin.put_record(StreamName=s, Data=f"a-{i}".encode(), PartitionKey="a")
        seqs.append(res["SequenceNumber"])
        put.setdefault(res["ShardId"], []).append((res["SequenceNumber"], f"a-{i}".encode(), "a"))
        time.sleep(0.01)
    r.eq("partition key 'a' goes to shard 0 (MD5 below 2^127)", list(put.keys()), [shard_id(0)])
    r.check("sequence numbers are decimal strings", all(SEQ_RE.match(x) for x in seqs), seqs)
    r.check("sequence numbers increase within a shard", all(int(a) < int(b) for a, b in zip(seqs, seqs[1:])), seqs)
    res = r.kin.put_record(StreamName=s, Data=b"explicit-max", PartitionKey="a", ExplicitHashKey=str(HASH_MAX))
    r.eq("ExplicitHashKey 2^128-1 goes to shard 1", res["ShardId"], shard_id(1))
    put.setdefault(res["ShardId"], []).append((res["SequenceNumber"], b"explicit-max", "a"))
    res = r.kin.put_record(StreamName=s, Data=b"explicit-zero", PartitionKey="zzz", ExplicitHashKey="0")
    r.eq("ExplicitHashKey 0 goes to shard 0", res["ShardId"], shard_id(0))
    put[shard_id(0)].append((res["SequenceNumber"], b"explicit-zero", "zzz"))
    last = res["SequenceNumber"]
    res = r.kin.put_record(StreamName=s, Data=b"ordered", PartitionKey="a", SequenceNumberForOrdering=last)
    r.check("SequenceNumberForOrdering: new number is greater", int(res["SequenceNumber"]) > int(last), (last, res["SequenceNumber"]))
    put[shard_id(0)].append((res["SequenceNumber"], b"ordered", "a"))
    r.check("EncryptionType absent (AWS omits it for an unencrypted stream)", "EncryptionType" not in res, res.get("EncryptionType"))
    res = r.kin.put_record(StreamName=s, Data=b"old-form-ordering", PartitionKey="a", SequenceNumberForOrdering="12345")
    r.eq("SequenceNumberForOrdering 12345 (AWS reads it as a version-0 number) is accepted", res["ShardId"], shard_id(0))
    put[shard_id(0)].append((res["SequenceNumber"], b"old-form-ordering", "a"))
    r.expect_error("ExplicitHashKey 2^128", lambda: r.raw.put_record(StreamName=s, Data=b"x", PartitionKey="a", ExplicitHashKey=str(2**128)),
                   "InvalidArgumentException",
                   message=f"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {2**128}")
    version3 = str(int("20000000000000000000000000000000000000000000003", 16))
    r.expect_error("SequenceNumberForOrdering with an unknown version", lambda: r.raw.put_record(StreamName=s, Data=b"x", PartitionKey="a", SequenceNumberForOrdering=version3),
                   "InvalidArgumentException",
                   message=f"ExclusiveMinimumSequenceNumber {version3} used in PutRecord on stream {s} under account {ACCOUNT} is invalid.")
    r.expect_error("PutRecord over 1 MiB", lambda: r.raw.put_record(StreamName=s, Data=b"x" * 1048577, PartitionKey="a"),
                   "ValidationException",
                   message="1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]' at 'data' "
                           "failed to satisfy constraint: Member must have length less than or equal to 1048576")
    r.expect_error("PartitionKey of 257 characters", lambda: r.raw.put_record(StreamName=s, Data=b"x", PartitionKey="k" * 257),
                   "ValidationException",
                   message=f"1 validation error detected: Value '{'k' * 257}' at 'partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256")
    r.expect_error("PutRecord missing stream", lambda: r.raw.put_record(StreamName=missing, Data=b"x", PartitionKey="a"),
                   "ResourceNotFoundException", message=not_found(missing))

with r.section("PutRecords"):
    entries = [
        {"Data": b"batch-0", "PartitionKey": "a"},
        {"Data": b"batch-1", "PartitionKey": "b", "ExplicitHashKey": str(HASH_MAX - 1)},
        {"Data": b"", "PartitionKey": "a"},
        {"Data": bytes(range(256)), "PartitionKey": "binary", "ExplicitHashKey": str(HALF)},
        {"Data": "ünïcödé ✓".encode(), "PartitionKey": "ключ"},
    ]
    res = r.kin.put_records(StreamName=s, Records=entries)
    r.eq("FailedRecordCount", res["FailedRecordCount"], 0)
    r.check("PutRecords: EncryptionType absent (unencrypted stream)", "EncryptionType" not in res, res.get("EncryptionType"))
    r.eq("one result per entry", len(res["Records"]), len(entries))
    expected_shards = [shard_id(0), shard_id(1), shard_id(0), shard_id(1), shard_id(0 if md5_key("ключ") < HALF else 1)]
    r.eq("per-record ShardId", [x.get("ShardId") for x in res["Records"]], expected_shards)
    r.check("per-record SequenceNumber, no ErrorCode", all(SEQ_RE.match(x.get("SequenceNumber", "")) and "ErrorCode" not in x for x in res["Records"]), res["Records"])
    for e, x in zip(entries, res["Records"]):
        put.setdefault(x["ShardId"], []).append((x["SequenceNumber"], e["Data"], e["PartitionKey"]))
    s0 = [int(x["SequenceNumber"]) for x in res["Records"] if x["ShardId"] == shard_id(0)]
    r.check("same-shard entries numbered in array order", s0 == sorted(s0), s0)
    r.expect_error("PutRecords with no entries", lambda: r.raw.put_records(StreamName=s, Records=[]),
                   "ValidationException",
                   message="1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")
    too_many = r.expect_error("PutRecords with 501 entries", lambda: r.raw.put_records(StreamName=s, Records=[{"Data": b"x", "PartitionKey": "a"}] * 501),
                              "ValidationException", pattern=r"^1 validation error detected: Value '.*' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500$")
    r.expect_error("PutRecords missing stream", lambda: r.raw.put_records(StreamName=missing, Records=[{"Data": b"x", "PartitionKey": "a"}]),
                   "ResourceNotFoundException", message=not_found(missing))

shard0 = put.get(shard_id(0), [])

with r.section("GetShardIterator TRIM_HORIZON + GetRecords"):
    it = r.iterator(s, shard_id(0), "TRIM_HORIZON")
    r.check("iterator is a 1..512 char string", isinstance(it, str) and 1 <= len(it) <= 512, it)
    resp = r.kin.get_records(ShardIterator=it)
    got = [(x["SequenceNumber"], x["Data"], x["PartitionKey"]) for x in resp["Records"]]
    r.eq("all shard-0 records in order with data and key", got, shard0)
    r.check("ApproximateArrivalTimestamp on every record",
            all(isinstance(x.get("ApproximateArrivalTimestamp"), datetime.datetime) and abs((x["ApproximateArrivalTimestamp"] - now()).total_seconds()) < 600 for x in resp["Records"]),
            [x.get("ApproximateArrivalTimestamp") for x in resp["Records"]])
    r.eq("MillisBehindLatest 0 when caught up", resp.get("MillisBehindLatest"), 0)
    r.check("NextShardIterator on an open shard", bool(resp.get("NextShardIterator")), resp.get("NextShardIterator"))
    r.check("no ChildShards on an open shard", not resp.get("ChildShards"), resp.get("ChildShards"))
    again = r.kin.get_records(ShardIterator=it)
    r.eq("an iterator can be reused", len(again["Records"]), len(shard0))
    empty = r.kin.get_records(ShardIterator=resp["NextShardIterator"])
    r.eq("NextShardIterator at the tip returns no records", empty["Records"], [])

with r.section("GetRecords Limit and NextShardIterator"):
    it = r.iterator(s, shard_id(0), "TRIM_HORIZON")
    seen, calls = [], 0
    while it and calls < 20:
        resp = r.kin.get_records(ShardIterator=it, Limit=2)
        calls += 1
        r.check(f"Limit=2 call {calls} returns at most 2", len(resp["Records"]) <= 2, len(resp["Records"]))
        r.check(f"Limit=2 call {calls} MillisBehindLatest is a non-negative integer", isinstance(resp.get("MillisBehindLatest"), int) and resp["MillisBehindLatest"] >= 0, resp.get("MillisBehindLatest"))
        seen.extend(x["SequenceNumber"] for x in resp["Records"])
        it = resp.get("NextShardIterator")
        if not resp["Records"]:
            break
    r.eq("paging with Limit=2 sees every record once", seen, [x[0] for x in shard0])
    r.expect_error("GetRecords Limit=0", lambda: r.raw.get_records(ShardIterator=r.iterator(s, shard_id(0), "TRIM_HORIZON"), Limit=0),
                   "ValidationException",
                   message="1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")

with r.section("AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER"):
    target = shard0[2][0]
    at = r.kin.get_records(ShardIterator=r.iterator(s, shard_id(0), "AT_SEQUENCE_NUMBER", StartingSequenceNumber=target))["Records"]
    r.eq("AT_SEQUENCE_NUMBER starts at that record", [x["SequenceNumber"] for x in at], [x[0] for x in shard0[2:]])
    after = r.kin.get_records(ShardIterator=r.iterator(s, shard_id(0), "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=target))["Records"]
    r.eq("AFTER_SEQUENCE_NUMBER starts after it", [x["SequenceNumber"] for x in after], [x[0] for x in shard0[3:]])
    other = put[shard_id(1)][0][0]
    r.expect_error("sequence number of another shard", lambda: r.raw.get_shard_iterator(StreamName=s, ShardId=shard_id(0), ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=other),
                   "InvalidArgumentException",
                   message=f"Invalid StartingSequenceNumber. It encodes {shard_id(1)}, while it was used in a call to a shard with {shard_id(0)}")
    r.expect_error("AT_SEQUENCE_NUMBER without StartingSequenceNumber", lambda: r.raw.get_shard_iterator(StreamName=s, ShardId=shard_id(0), ShardIteratorType="AT_SEQUENCE_NUMBER"),
                   "InvalidArgumentException",
                   message="Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber.")
    r.expect_error("TRIM_HORIZON with StartingSequenceNumber", lambda: r.raw.get_shard_iterator(StreamName=s, ShardId=shard_id(0), ShardIteratorType="TRIM_HORIZON", StartingSequenceNumber=target),
                   "InvalidArgumentException",
                   message="Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified TRIM_HORIZON and also a StartingSequenceNumber.")

with r.section("LATEST"):
    it = r.iterator(s, shard_id(0), "LATEST")
    r.eq("LATEST: nothing yet", r.kin.get_records(ShardIterator=it)["Records"], [])
    res = r.kin.put_record(StreamName=s, Data=b"after-latest", PartitionKey="a")
    put[shard_id(0)].append((res["SequenceNumber"], b"after-latest", "a"))
    got = r.kin.get_records(ShardIterator=it)["Records"]
    r.eq("LATEST: records written after the call are returned", [x["Data"] for x in got], [b"after-latest"])

with r.section("AT_TIMESTAMP"):
    # botocore sends whole seconds, so the mark is taken just after a second boundary that follows the
    # earlier records; the later records arrive after it.
    mark = next_second_after(now())
    late = []
    for i in range(2):
        res = r.kin.put_record(StreamName=s, Data=f"late-{i}".encode(), PartitionKey="a")
        late.append(res["SequenceNumber"])
        put[shard_id(0)].append((res["SequenceNumber"], f"late-{i}".encode(), "a"))
    got = r.kin.get_records(ShardIterator=r.iterator(s, shard_id(0), "AT_TIMESTAMP", Timestamp=mark))["Records"]
    r.eq("AT_TIMESTAMP returns records arriving at/after the time", [x["SequenceNumber"] for x in got], late)
    got = r.kin.get_records(ShardIterator=r.iterator(s, shard_id(0), "AT_TIMESTAMP", Timestamp=created_at - datetime.timedelta(hours=1)))["Records"]
    r.eq("AT_TIMESTAMP before the first record = trim horizon", [x["SequenceNumber"] for x in got], [x[0] for x in put[shard_id(0)]])
    r.expect_error("AT_TIMESTAMP without Timestamp", lambda: r.raw.get_shard_iterator(StreamName=s, ShardId=shard_id(0), ShardIteratorType="AT_TIMESTAMP"),
                   "InvalidArgumentException",
                   message="Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
    r.expect_error("AT_TIMESTAMP in the future", lambda: r.raw.get_shard_iterator(StreamName=s, ShardId=shard_id(0), ShardIteratorType="AT_TIMESTAMP", Timestamp=now() + datetime.timedelta(hours=1)),
                   "InvalidArgumentException",
                   prefix="The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ")

with r.section("iterator errors"):
    lenient = r.kin.get_records(ShardIterator=r.iterator(s, "shardId-1", "TRIM_HORIZON"))["Records"]
    r.eq("shard ids are parsed leniently ('shardId-1' is shard 1)", [x["SequenceNumber"] for x in lenient], [x[0] for x in put[shard_id(1)]])
    r.expect_error("GetShardIterator unknown shard", lambda: r.raw.get_shard_iterator(StreamName=s, ShardId=shard_id(99), ShardIteratorType="TRIM_HORIZON"),
                   "ResourceNotFoundException",
                   message=f"Shard {shard_id(99)} in stream {s} under account {ACCOUNT} does not exist")
    r.expect_error("GetShardIterator missing stream names the shard", lambda: r.raw.get_shard_iterator(StreamName=missing, ShardId="x-0005", ShardIteratorType="TRIM_HORIZON"),
                   "ResourceNotFoundException",
                   message=f"Shard {shard_id(5)} in stream {missing} under account {ACCOUNT} does not exist")
    r.expect_error("GetShardIterator unparseable shard id (parsed before the stream is looked up)",
                   lambda: r.raw.get_shard_iterator(StreamName=missing, ShardId="2.14E4", ShardIteratorType="TRIM_HORIZON"),
                   "ResourceNotFoundException",
                   message=f"Could not find shard 2.14E4 in stream {missing} under account {ACCOUNT}.")
    it = r.iterator(s, shard_id(0), "TRIM_HORIZON")
    raw = base64.b64decode(it)
    r.check("iterator shape: base64 of 00 00 00 00 00 00 00 01 and an encrypted blob, 152 + 16k bytes (AWS's shape)",
            raw[:8] == bytes([0] * 7 + [1]) and len(raw) >= 152 and (len(raw) - 152) % 16 == 0 and base64.b64encode(raw).decode() == it, (len(it), raw[:8].hex()))
    quoted = r.kin.get_records(ShardIterator=f'"{it}"')["Records"]
    r.eq("an iterator wrapped in double quotes is accepted", [x["SequenceNumber"] for x in quoted], [x[0] for x in put[shard_id(0)]])
    mid = len(it) // 2
    tampered = it[:mid] + ("A" if it[mid] != "A" else "B") + it[mid + 1:]
    # ExpiredIteratorException needs a 5-minute-old iterator; a tampered one must be refused instead.
    r.expect_error("GetRecords with a tampered iterator", lambda: r.raw.get_records(ShardIterator=tampered),
                   "InvalidArgumentException", message="Invalid ShardIterator.")
    r.expect_error("GetRecords with a garbage iterator", lambda: r.raw.get_records(ShardIterator="bm90LWFuLWl0ZXJhdG9y"),
                   "InvalidArgumentException", message="Invalid ShardIterator.")

split_done = now()
with r.section("SplitShard"):
    r.expect_error("SplitShard at the shard's start", lambda: r.raw.split_shard(StreamName=s, ShardToSplit=shard_id(0), NewStartingHashKey="0"),
                   "InvalidArgumentException",
                   message=f"NewStartingHashKey 0 used in SplitShard() on shard {shard_id(0)} in stream {s} under account {ACCOUNT} is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey {HALF - 1}.")
    r.expect_error("SplitShard unknown shard", lambda: r.raw.split_shard(StreamName=s, ShardToSplit=shard_id(99), NewStartingHashKey=str(SPLIT_AT)),
                   "ResourceNotFoundException",
                   message=f"Could not find shard {shard_id(99)} in stream {s} under account {ACCOUNT}.")
    r.kin.split_shard(StreamName=s, ShardToSplit=shard_id(0), NewStartingHashKey=str(SPLIT_AT))
    r.expect_error("SplitShard while UPDATING", lambda: r.raw.split_shard(StreamName=s, ShardToSplit=shard_id(1), NewStartingHashKey=str(HALF + 2**100)),
                   "ResourceInUseException",
                   message=f"Stream {s} under account {ACCOUNT} not ACTIVE, instead in state UPDATING")
    r.wait_status(s)
    split_done = now()
    shards = {x["ShardId"]: x for x in r.kin.describe_stream(StreamName=s)["StreamDescription"]["Shards"]}
    r.eq("shards after split", sorted(shards), [shard_id(i) for i in range(4)])
    parent = shards.get(shard_id(0), {})
    r.check("parent is closed (EndingSequenceNumber)", "EndingSequenceNumber" in parent.get("SequenceNumberRange", {}), parent)
    rng = lambda sh: (int(sh["HashKeyRange"]["StartingHashKey"]), int(sh["HashKeyRange"]["EndingHashKey"]))  # noqa: E731
    r.eq("child A", (shards[shard_id(2)].get("ParentShardId"), rng(shards[shard_id(2)])), (shard_id(0), (0, SPLIT_AT - 1)))
    r.eq("child B", (shards[shard_id(3)].get("ParentShardId"), rng(shards[shard_id(3)])), (shard_id(0), (SPLIT_AT, HALF - 1)))
    last_parent_seq = max(int(x[0]) for x in put[shard_id(0)])
    r.check("children's sequence numbers start above the parent's",
            all(int(shards[c]["SequenceNumberRange"]["StartingSequenceNumber"]) > last_parent_seq for c in (shard_id(2), shard_id(3))),
            [shards[c]["SequenceNumberRange"] for c in (shard_id(2), shard_id(3))])
    r.eq("DescribeStreamSummary OpenShardCount", r.summary(s)["OpenShardCount"], 3)
    res = r.kin.put_record(StreamName=s, Data=b"post-split-a", PartitionKey="a")
    r.eq("writes after the split go to the child", res["ShardId"], shard_id(2))
    put.setdefault(res["ShardId"], []).append((res["SequenceNumber"], b"post-split-a", "a"))
    res = r.kin.put_record(StreamName=s, Data=b"post-split-b", PartitionKey="a", ExplicitHashKey=str(SPLIT_AT + 5))
    r.eq("explicit hash key above the split point goes to child B", res["ShardId"], shard_id(3))
    put.setdefault(res["ShardId"], []).append((res["SequenceNumber"], b"post-split-b", "a"))

with r.section("read back across the split"):
    records, end, responses = r.read_shard(s, shard_id(0), until_end=True)
    r.eq("parent: every record exactly once, in order", [x["SequenceNumber"] for x in records], [x[0] for x in put[shard_id(0)]])
    r.check("parent end: no NextShardIterator", not end.get("NextShardIterator"), end.get("NextShardIterator"))
    children = sorted(end.get("ChildShards") or [], key=lambda c: c["ShardId"])
    r.eq("parent end: ChildShards", [(c["ShardId"], c["ParentShards"], rng(c)) for c in children],
         [(shard_id(2), [shard_id(0)], (0, SPLIT_AT - 1)), (shard_id(3), [shard_id(0)], (SPLIT_AT, HALF - 1))])
    r.check("ChildShards only at the shard end", all(not x.get("ChildShards") for x in responses[:-1]), [x.get("ChildShards") for x in responses])
    child_a, _, _ = r.read_shard(s, shard_id(2))
    r.eq("child A holds the post-split records", [x["Data"] for x in child_a], [b"post-split-a"])
    a_keys = [x["Data"] for x in records + child_a if x["PartitionKey"] == "a"]
    r.eq("partition key 'a' reads back in write order across the split", a_keys, [x[1] for x in put[shard_id(0)] + put[shard_id(2)] if x[2] == "a"])
    latest_closed = r.kin.get_records(ShardIterator=r.iterator(s, shard_id(0), "LATEST"))
    r.check("LATEST on a closed shard gives the shard end at once",
            latest_closed["Records"] == [] and not latest_closed.get("NextShardIterator") and len(latest_closed.get("ChildShards") or []) == 2, latest_closed)

with r.section("ListShards ShardFilter"):
    # whole seconds again: a mark a full second after the split finished, past a second boundary
    after_split = next_second_after(split_done + datetime.timedelta(seconds=1))
    ids = lambda **kw: sorted(x["ShardId"] for x in r.kin.list_shards(StreamName=s, **kw)["Shards"])  # noqa: E731
    r.eq("no filter (closed and open)", ids(), [shard_id(i) for i in range(4)])
    r.eq("AT_LATEST: open shards", ids(ShardFilter={"Type": "AT_LATEST"}), [shard_id(1), shard_id(2), shard_id(3)])
    r.eq("AT_TRIM_HORIZON: shards open at the trim horizon", ids(ShardFilter={"Type": "AT_TRIM_HORIZON"}), [shard_id(0), shard_id(1)])
    r.eq("FROM_TRIM_HORIZON: everything retained", ids(ShardFilter={"Type": "FROM_TRIM_HORIZON"}), [shard_id(i) for i in range(4)])
    r.eq("AFTER_SHARD_ID", ids(ShardFilter={"Type": "AFTER_SHARD_ID", "ShardId": shard_id(1)}), [shard_id(2), shard_id(3)])
    r.eq("AT_TIMESTAMP before the split", ids(ShardFilter={"Type": "AT_TIMESTAMP", "Timestamp": mark}), [shard_id(0), shard_id(1)])
    r.eq("AT_TIMESTAMP after the split", ids(ShardFilter={"Type": "AT_TIMESTAMP", "Timestamp": after_split}), [shard_id(1), shard_id(2), shard_id(3)])
    r.eq("FROM_TIMESTAMP before the split", ids(ShardFilter={"Type": "FROM_TIMESTAMP", "Timestamp": mark}), [shard_id(i) for i in range(4)])
    r.eq("FROM_TIMESTAMP after the split", ids(ShardFilter={"Type": "FROM_TIMESTAMP", "Timestamp": after_split}), [shard_id(1), shard_id(2), shard_id(3)])

with r.section("MergeShards"):
    r.expect_error("MergeShards of non-adjacent shards", lambda: r.raw.merge_shards(StreamName=s, ShardToMerge=shard_id(1), AdjacentShardToMerge=shard_id(2)),
                   "InvalidArgumentException",
                   message=f"Shards {shard_id(1)} and {shard_id(2)} in stream {s} under account {ACCOUNT} are not an adjacent pair of shards eligible for merging")
    r.expect_error("MergeShards unknown shard", lambda: r.raw.merge_shards(StreamName=s, ShardToMerge=shard_id(2), AdjacentShardToMerge=shard_id(99)),
                   "ResourceNotFoundException",
                   message=f"Could not find shard {shard_id(99)} in stream {s} under account {ACCOUNT}.")
    r.kin.merge_shards(StreamName=s, ShardToMerge=shard_id(2), AdjacentShardToMerge=shard_id(3))
    r.wait_status(s)
    shards = {x["ShardId"]: x for x in r.kin.list_shards(StreamName=s)["Shards"]}
    merged = shards.get(shard_id(4), {})
    r.eq("merged child", (merged.get("ParentShardId"), merged.get("AdjacentParentShardId"), rng(merged) if merged else None),
         (shard_id(2), shard_id(3), (0, HALF - 1)))
    res = r.kin.put_record(StreamName=s, Data=b"post-merge", PartitionKey="a")
    r.eq("writes after the merge go to the merged shard", res["ShardId"], shard_id(4))
    for parent_id in (shard_id(2), shard_id(3)):
        _, end, _ = r.read_shard(s, parent_id, until_end=True)
        kids = end.get("ChildShards") or []
        r.eq(f"{parent_id} end: ChildShards lists the merged shard with both parents",
             [(c["ShardId"], sorted(c["ParentShards"]), rng(c)) for c in kids], [(shard_id(4), [shard_id(2), shard_id(3)], (0, HALF - 1))])
    got, _, _ = r.read_shard(s, shard_id(4))
    r.eq("merged shard holds the new record", [x["Data"] for x in got], [b"post-merge"])

with r.section("UpdateShardCount"):
    r.create(uniform, 2)
    res = r.kin.update_shard_count(StreamName=uniform, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    r.eq("response", (res.get("StreamName"), res.get("CurrentShardCount"), res.get("TargetShardCount")), (uniform, 2, 4))
    r.wait_status(uniform)
    r.eq("OpenShardCount after scaling", r.summary(uniform)["OpenShardCount"], 4)
    open_shards = sorted((rng(x), x) for x in r.kin.list_shards(StreamName=uniform, ShardFilter={"Type": "AT_LATEST"})["Shards"])
    ranges = [x[0] for x in open_shards]
    r.check("open shards tile the hash key space", ranges and ranges[0][0] == 0 and ranges[-1][1] == HASH_MAX
            and all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:])), ranges)
    r.check("new shards have parents", all(x[1].get("ParentShardId") for x in open_shards), [x[1] for x in open_shards])
    counts = [x[1] - x[0] + 1 for x in ranges]
    r.check("ranges are (near) equal", max(counts) - min(counts) <= 2**128 // 100, counts)

r.finish()
