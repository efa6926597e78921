// JS SDK v3: PutRecord(s), every iterator type, GetRecords paging, split/merge/UpdateShardCount, ShardFilter
// types, and reading back across a split with ChildShards at the shard end.
import { createHash } from "node:crypto";
import { ACCOUNT, HASH_MAX, Run, SEQ_RE, notFound, range, shardId, sleep, text, utf8 } from "./kit.mjs";

const r = new Run("js/records");
const s = r.name("rec");
const uniform = r.name("uniform");
const missing = r.name("missing");
const HALF = 2n ** 127n;
const SPLIT_AT = 2n ** 126n;
const md5Key = (pk) => BigInt("0x" + createHash("md5").update(pk, "utf8").digest("hex"));
const put = new Map(); // shard id -> [{seq, data, pk}]
const remember = (shard, seq, data, pk) => {
  if (!put.has(shard)) put.set(shard, []);
  put.get(shard).push({ seq, data: text(data), pk });
};
const seqs = (list) => list.map((x) => x.SequenceNumber ?? x.seq);
let mark;

await r.section("setup", async () => {
  await r.create(s, 2);
  r.eq("MD5('pk-a') routing key", md5Key("pk-a"), 37734456349525827306212900493151175156n);
});

await r.section("PutRecord", async () => {
  for (let i = 0; i < 4; i++) {
    const res = await r.call("PutRecord", { StreamName: s, Data: utf8(`a-${i}`), PartitionKey: "a" });
    remember(res.ShardId, res.SequenceNumber, utf8(`a-${i}`), "a");
  }
  const first = put.get(shardId(0)) ?? [];
  r.eq("partition key 'a' goes to shard 0", [...put.keys()], [shardId(0)]);
  r.check("sequence numbers are increasing decimal strings",
    first.every((x) => SEQ_RE.test(x.seq)) && first.every((x, i) => i === 0 || BigInt(first[i - 1].seq) < BigInt(x.seq)), seqs(first));
  let res = await r.call("PutRecord", { StreamName: s, Data: utf8("explicit-max"), PartitionKey: "a", ExplicitHashKey: String(HASH_MAX) });
  r.eq("ExplicitHashKey 2^128-1 goes to shard 1", res.ShardId, shardId(1));
  remember(res.ShardId, res.SequenceNumber, utf8("explicit-max"), "a");
  const last = res.SequenceNumber;
  res = await r.call("PutRecord", { StreamName: s, Data: utf8("ordered"), PartitionKey: "zz", ExplicitHashKey: String(HASH_MAX), SequenceNumberForOrdering: last });
  r.check("SequenceNumberForOrdering: new number is greater", BigInt(res.SequenceNumber) > BigInt(last), [last, res.SequenceNumber]);
  remember(res.ShardId, res.SequenceNumber, utf8("ordered"), "zz");
  await r.expectError("ExplicitHashKey 2^128", "PutRecord", { StreamName: s, Data: utf8("x"), PartitionKey: "a", ExplicitHashKey: String(2n ** 128n) },
    "InvalidArgumentException", { message: `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${2n ** 128n}` });
  await r.expectError("PutRecord missing stream", "PutRecord", { StreamName: missing, Data: utf8("x"), PartitionKey: "a" }, "ResourceNotFoundException",
    { message: notFound(missing) });
});

await r.section("PutRecords", async () => {
  const entries = [
    { Data: utf8("batch-0"), PartitionKey: "a" },
    { Data: utf8("batch-1"), PartitionKey: "b", ExplicitHashKey: String(HASH_MAX - 1n) },
    { Data: new Uint8Array(0), PartitionKey: "a" },
    { Data: utf8("batch-3"), PartitionKey: "pk-a" },
  ];
  const res = await r.call("PutRecords", { StreamName: s, Records: entries });
  r.eq("FailedRecordCount", res.FailedRecordCount, 0);
  r.eq("per-record ShardId", res.Records.map((x) => x.ShardId), [shardId(0), shardId(1), shardId(0), shardId(0)]);
  r.check("per-record SequenceNumber, no ErrorCode", res.Records.every((x) => SEQ_RE.test(x.SequenceNumber ?? "") && x.ErrorCode === undefined), res.Records);
  res.Records.forEach((x, i) => remember(x.ShardId, x.SequenceNumber, entries[i].Data, entries[i].PartitionKey));
  await r.expectError("PutRecords with no entries", "PutRecords", { StreamName: s, Records: [] }, "ValidationException",
    { message: "1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1" });
});

await r.section("GetShardIterator TRIM_HORIZON + GetRecords", async () => {
  const it = await r.iterator(s, shardId(0), "TRIM_HORIZON");
  const resp = await r.call("GetRecords", { ShardIterator: it });
  r.eq("all shard-0 records in order with data and key", resp.Records.map((x) => ({ seq: x.SequenceNumber, data: text(x.Data), pk: x.PartitionKey })), put.get(shardId(0)));
  r.check("ApproximateArrivalTimestamp is a Date on every record", resp.Records.every((x) => x.ApproximateArrivalTimestamp instanceof Date), resp.Records);
  r.eq("MillisBehindLatest 0 when caught up", resp.MillisBehindLatest, 0);
  r.check("NextShardIterator and no ChildShards on an open shard", typeof resp.NextShardIterator === "string" && !resp.ChildShards?.length, resp);
});

await r.section("GetRecords Limit and NextShardIterator", async () => {
  let it = await r.iterator(s, shardId(0), "TRIM_HORIZON");
  const seen = [];
  for (let i = 0; i < 20 && it; i++) {
    const resp = await r.call("GetRecords", { ShardIterator: it, Limit: 2 });
    if (resp.Records.length > 2) r.fail("Limit=2", `got ${resp.Records.length} records`);
    seen.push(...seqs(resp.Records));
    it = resp.NextShardIterator;
    if (!resp.Records.length) break;
  }
  r.eq("paging with Limit=2 sees every record once", seen, seqs(put.get(shardId(0))));
});

await r.section("AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER / LATEST / AT_TIMESTAMP", async () => {
  const shard0 = put.get(shardId(0));
  const target = shard0[2].seq;
  const at = (await r.call("GetRecords", { ShardIterator: await r.iterator(s, shardId(0), "AT_SEQUENCE_NUMBER", { StartingSequenceNumber: target }) })).Records;
  r.eq("AT_SEQUENCE_NUMBER", seqs(at), seqs(shard0.slice(2)));
  const after = (await r.call("GetRecords", { ShardIterator: await r.iterator(s, shardId(0), "AFTER_SEQUENCE_NUMBER", { StartingSequenceNumber: target }) })).Records;
  r.eq("AFTER_SEQUENCE_NUMBER", seqs(after), seqs(shard0.slice(3)));
  const latest = await r.iterator(s, shardId(0), "LATEST");
  r.eq("LATEST: nothing yet", (await r.call("GetRecords", { ShardIterator: latest })).Records, []);
  await sleep(20);
  mark = new Date();
  await sleep(20);
  const res = await r.call("PutRecord", { StreamName: s, Data: utf8("after-mark"), PartitionKey: "a" });
  remember(res.ShardId, res.SequenceNumber, utf8("after-mark"), "a");
  r.eq("LATEST: records written after the call are returned", (await r.call("GetRecords", { ShardIterator: latest })).Records.map((x) => text(x.Data)), ["after-mark"]);
  const ts = (await r.call("GetRecords", { ShardIterator: await r.iterator(s, shardId(0), "AT_TIMESTAMP", { Timestamp: mark }) })).Records;
  r.eq("AT_TIMESTAMP (millisecond precision)", ts.map((x) => text(x.Data)), ["after-mark"]);
  await r.expectError("AT_TIMESTAMP without Timestamp", "GetShardIterator", { StreamName: s, ShardId: shardId(0), ShardIteratorType: "AT_TIMESTAMP" },
    "InvalidArgumentException", { message: "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter." });
  await r.expectError("AFTER_SEQUENCE_NUMBER without StartingSequenceNumber", "GetShardIterator", { StreamName: s, ShardId: shardId(0), ShardIteratorType: "AFTER_SEQUENCE_NUMBER" },
    "InvalidArgumentException", { message: "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AFTER_SEQUENCE_NUMBER and no StartingSequenceNumber." });
  await r.expectError("LATEST with StartingSequenceNumber", "GetShardIterator", { StreamName: s, ShardId: shardId(0), ShardIteratorType: "LATEST", StartingSequenceNumber: target },
    "InvalidArgumentException", { message: "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified LATEST and also a StartingSequenceNumber." });
  await r.expectError("GetShardIterator unknown shard", "GetShardIterator", { StreamName: s, ShardId: shardId(42), ShardIteratorType: "TRIM_HORIZON" },
    "ResourceNotFoundException", { message: `Shard ${shardId(42)} in stream ${s} under account ${ACCOUNT} does not exist` });
  const it = await r.iterator(s, shardId(0), "TRIM_HORIZON");
  const mid = it.length >> 1;
  const tampered = it.slice(0, mid) + (it[mid] === "A" ? "B" : "A") + it.slice(mid + 1);
  // ExpiredIteratorException needs a 5-minute-old iterator; a tampered one must be refused instead.
  await r.expectError("GetRecords with a tampered iterator", "GetRecords", { ShardIterator: tampered }, "InvalidArgumentException", { message: "Invalid ShardIterator." });
});

await r.section("SplitShard and read-back across it", async () => {
  await r.expectError("SplitShard at the shard's end", "SplitShard", { StreamName: s, ShardToSplit: shardId(0), NewStartingHashKey: String(HALF - 1n) },
    "InvalidArgumentException",
    { message: `NewStartingHashKey ${HALF - 1n} used in SplitShard() on shard ${shardId(0)} in stream ${s} under account ${ACCOUNT} is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey ${HALF - 1n}.` });
  await r.call("SplitShard", { StreamName: s, ShardToSplit: shardId(0), NewStartingHashKey: String(SPLIT_AT) });
  await r.expectError("MergeShards while UPDATING", "MergeShards", { StreamName: s, ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1) },
    "ResourceInUseException", { message: `Stream ${s} under account ${ACCOUNT} not ACTIVE, instead in state UPDATING` });
  await r.waitStatus(s);
  const res = await r.call("PutRecord", { StreamName: s, Data: utf8("post-split"), PartitionKey: "a" });
  r.eq("writes after the split go to the child", res.ShardId, shardId(2));
  remember(res.ShardId, res.SequenceNumber, utf8("post-split"), "a");
  const { records, end, responses } = await r.readShard(s, shardId(0), { untilEnd: true });
  r.eq("parent: every record exactly once, in order", seqs(records), seqs(put.get(shardId(0))));
  r.eq("parent end: no NextShardIterator", end.NextShardIterator, undefined);
  r.eq("parent end: ChildShards",
    (end.ChildShards ?? []).map((c) => [c.ShardId, c.ParentShards, range(c)]).sort(),
    [[shardId(2), [shardId(0)], [0n, SPLIT_AT - 1n]], [shardId(3), [shardId(0)], [SPLIT_AT, HALF - 1n]]]);
  r.check("ChildShards only at the shard end", responses.slice(0, -1).every((x) => !x.ChildShards?.length), responses.map((x) => x.ChildShards));
  const child = await r.readShard(s, shardId(2));
  const aKeys = [...records, ...child.records].filter((x) => x.PartitionKey === "a").map((x) => text(x.Data));
  r.eq("partition key 'a' reads back in write order across the split", aKeys,
    [...put.get(shardId(0)), ...put.get(shardId(2))].filter((x) => x.pk === "a").map((x) => x.data));
});

await r.section("ListShards ShardFilter", async () => {
  const list = async (filter) => (await r.call("ListShards", { StreamName: s, ShardFilter: filter })).Shards.map((x) => x.ShardId).sort();
  r.eq("AT_LATEST", await list({ Type: "AT_LATEST" }), [1, 2, 3].map(shardId));
  r.eq("AT_TRIM_HORIZON", await list({ Type: "AT_TRIM_HORIZON" }), [0, 1].map(shardId));
  r.eq("FROM_TRIM_HORIZON", await list({ Type: "FROM_TRIM_HORIZON" }), [0, 1, 2, 3].map(shardId));
  r.eq("AFTER_SHARD_ID", await list({ Type: "AFTER_SHARD_ID", ShardId: shardId(1) }), [2, 3].map(shardId));
  r.eq("AT_TIMESTAMP before the split", await list({ Type: "AT_TIMESTAMP", Timestamp: mark }), [0, 1].map(shardId));
  r.eq("FROM_TIMESTAMP before the split", await list({ Type: "FROM_TIMESTAMP", Timestamp: mark }), [0, 1, 2, 3].map(shardId));
});

await r.section("MergeShards", async () => {
  await r.expectError("MergeShards of non-adjacent shards", "MergeShards", { StreamName: s, ShardToMerge: shardId(3), AdjacentShardToMerge: shardId(2) },
    "InvalidArgumentException", { message: `Shards ${shardId(3)} and ${shardId(2)} in stream ${s} under account ${ACCOUNT} are not an adjacent pair of shards eligible for merging` });
  await r.call("MergeShards", { StreamName: s, ShardToMerge: shardId(2), AdjacentShardToMerge: shardId(3) });
  await r.waitStatus(s);
  const merged = (await r.call("ListShards", { StreamName: s, ShardFilter: { Type: "AT_LATEST" } })).Shards.find((x) => x.ShardId === shardId(4));
  r.eq("merged child", merged && [merged.ParentShardId, merged.AdjacentParentShardId, range(merged)], [shardId(2), shardId(3), [0n, HALF - 1n]]);
  const { end } = await r.readShard(s, shardId(3), { untilEnd: true });
  r.eq("adjacent parent end: ChildShards", (end.ChildShards ?? []).map((c) => [c.ShardId, [...c.ParentShards].sort()]), [[shardId(4), [shardId(2), shardId(3)]]]);
});

await r.section("UpdateShardCount", async () => {
  await r.create(uniform, 4);
  const res = await r.call("UpdateShardCount", { StreamName: uniform, TargetShardCount: 2, ScalingType: "UNIFORM_SCALING" });
  r.eq("response", [res.StreamName, res.CurrentShardCount, res.TargetShardCount], [uniform, 4, 2]);
  await r.waitStatus(uniform);
  const open = (await r.call("ListShards", { StreamName: uniform, ShardFilter: { Type: "AT_LATEST" } })).Shards.map(range).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  r.check("two open shards tile the hash key space", open.length === 2 && open[0][0] === 0n && open[1][1] === HASH_MAX && open[0][1] + 1n === open[1][0], open);
});

r.finish();
