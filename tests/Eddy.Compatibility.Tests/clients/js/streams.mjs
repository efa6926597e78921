// JS SDK v3: stream lifecycle, describe/list with pagination, retention, tags, deletion and their errors.
import * as K from "@aws-sdk/client-kinesis";
import { ACCOUNT, REGION, Run, SEQ_RE, VALIDATION_STREAM_NAME, evenRanges, notFound, range, shardId, streamArn } from "./kit.mjs";

const r = new Run("js/streams");
const prov = r.name("prov");
const od = r.name("od");
const tagged = r.name("tagged");
const doomed = r.name("doomed");
const missing = r.name("missing");
const ids = (shards) => shards.map((x) => x.ShardId);

await r.section("CreateStream (provisioned, 3 shards)", async () => {
  await r.call("CreateStream", { StreamName: prov, ShardCount: 3 });
  const first = await r.summary(prov);
  r.check("CreateStream: new stream is CREATING (or already ACTIVE)", ["CREATING", "ACTIVE"].includes(first.StreamStatus), first.StreamStatus);
  await r.waitStatus(prov);
  r.ok("stream becomes ACTIVE");
});

await r.section("CreateStream (ON_DEMAND)", async () => {
  await r.call("CreateStream", { StreamName: od, StreamModeDetails: { StreamMode: "ON_DEMAND" } });
  const s = await r.waitStatus(od);
  r.eq("on-demand: StreamModeDetails", s.StreamModeDetails, { StreamMode: "ON_DEMAND" });
  r.eq("on-demand: starts with 4 open shards", s.OpenShardCount, 4);
});

await r.section("CreateStream with Tags", async () => {
  await r.create(tagged, 1, { Tags: { created: "at-create", team: "eddy" } });
  const tags = (await r.call("ListTagsForStream", { StreamName: tagged })).Tags;
  r.eq("CreateStream Tags are listed", tags, [{ Key: "created", Value: "at-create" }, { Key: "team", Value: "eddy" }]);
});

await r.section("CreateStream errors", async () => {
  await r.expectError("CreateStream existing name", "CreateStream", { StreamName: prov, ShardCount: 1 }, "ResourceInUseException",
    { message: `Stream ${prov} under account ${ACCOUNT} already exists.` });
  await r.expectError("CreateStream 'x y'", "CreateStream", { StreamName: "x y", ShardCount: 1 }, "ValidationException",
    { message: VALIDATION_STREAM_NAME });
  const limits = await r.call("DescribeLimits");
  const extra = limits.ShardLimit + 1;
  await r.expectError(`CreateStream with ${extra} shards (over the shard limit)`, "CreateStream", { StreamName: r.name("huge"), ShardCount: extra },
    "LimitExceededException", { prefix: `This request would exceed the shard limit for the account ${ACCOUNT} in ${REGION}.` });
});

await r.section("DescribeStream", async () => {
  const d = (await r.call("DescribeStream", { StreamName: prov })).StreamDescription;
  r.eq("StreamName", d.StreamName, prov);
  r.eq("StreamARN", d.StreamARN, streamArn(prov));
  r.eq("StreamStatus", d.StreamStatus, "ACTIVE");
  r.eq("StreamModeDetails", d.StreamModeDetails, { StreamMode: "PROVISIONED" });
  r.eq("RetentionPeriodHours", d.RetentionPeriodHours, 24);
  r.eq("HasMoreShards", d.HasMoreShards, false);
  r.eq("EnhancedMonitoring", d.EnhancedMonitoring, [{ ShardLevelMetrics: [] }]);
  r.check("StreamCreationTimestamp is a recent Date", d.StreamCreationTimestamp instanceof Date && Math.abs(Date.now() - d.StreamCreationTimestamp) < 600000, d.StreamCreationTimestamp);
  r.eq("shard ids", ids(d.Shards), [0, 1, 2].map(shardId));
  r.eq("hash key ranges split evenly", d.Shards.map(range), evenRanges(3));
  r.check("open shards have a StartingSequenceNumber and no EndingSequenceNumber",
    d.Shards.every((x) => SEQ_RE.test(x.SequenceNumberRange.StartingSequenceNumber) && x.SequenceNumberRange.EndingSequenceNumber === undefined), d.Shards);
  const byArn = (await r.call("DescribeStream", { StreamARN: streamArn(prov) })).StreamDescription;
  r.eq("DescribeStream by StreamARN", byArn.StreamName, prov);
});

await r.section("DescribeStream pagination", async () => {
  const p1 = (await r.call("DescribeStream", { StreamName: prov, Limit: 1 })).StreamDescription;
  r.eq("Limit=1", [ids(p1.Shards), p1.HasMoreShards], [[shardId(0)], true]);
  const p2 = (await r.call("DescribeStream", { StreamName: prov, Limit: 1, ExclusiveStartShardId: shardId(0) })).StreamDescription;
  r.eq("ExclusiveStartShardId", [ids(p2.Shards), p2.HasMoreShards], [[shardId(1)], true]);
  const p3 = (await r.call("DescribeStream", { StreamName: prov, Limit: 10, ExclusiveStartShardId: shardId(1) })).StreamDescription;
  r.eq("last page", [ids(p3.Shards), p3.HasMoreShards], [[shardId(2)], false]);
});

await r.section("DescribeStreamSummary", async () => {
  const s = await r.summary(prov);
  r.eq("OpenShardCount", s.OpenShardCount, 3);
  r.eq("ConsumerCount", s.ConsumerCount, 0);
  r.eq("StreamARN", s.StreamARN, streamArn(prov));
  r.eq("StreamModeDetails", s.StreamModeDetails, { StreamMode: "PROVISIONED" });
  r.eq("RetentionPeriodHours", s.RetentionPeriodHours, 24);
  r.eq("EnhancedMonitoring", s.EnhancedMonitoring, [{ ShardLevelMetrics: [] }]);
  await r.expectError("DescribeStreamSummary missing stream", "DescribeStreamSummary", { StreamName: missing }, "ResourceNotFoundException",
    { message: notFound(missing) });
});

await r.section("ListStreams", async () => {
  const names = [];
  let pages = 0;
  for await (const page of K.paginateListStreams({ client: r.kin, pageSize: 1 }, {})) {
    pages++;
    names.push(...page.StreamNames);
  }
  r.check("paginateListStreams (pageSize 1) sees all our streams", [prov, od, tagged].every((n) => names.includes(n)), names);
  r.check("paginator made several calls", pages >= 3, pages);
  r.eq("names are sorted", names, [...names].sort());
  const one = await r.call("ListStreams", { Limit: 1 });
  r.eq("Limit=1", [one.StreamNames.length, one.HasMoreStreams, typeof one.NextToken], [1, true, "string"]);
  r.check("StreamSummaries match StreamNames", one.StreamSummaries?.length === 1 && one.StreamSummaries[0].StreamName === one.StreamNames[0]
    && one.StreamSummaries[0].StreamARN === streamArn(one.StreamNames[0]) && one.StreamSummaries[0].StreamStatus !== undefined, one.StreamSummaries);
  const next = await r.call("ListStreams", { NextToken: one.NextToken, Limit: 1 });
  r.check("NextToken continues after the first name", next.StreamNames.length === 1 && next.StreamNames[0] > one.StreamNames[0], next.StreamNames);
  const after = (await r.call("ListStreams", { ExclusiveStartStreamName: od })).StreamNames;
  r.check("ExclusiveStartStreamName", after.every((n) => n > od) && after.includes(prov), after);
});

await r.section("ListShards", async () => {
  const p1 = await r.call("ListShards", { StreamName: prov, MaxResults: 2 });
  r.eq("MaxResults=2", ids(p1.Shards), [shardId(0), shardId(1)]);
  r.check("NextToken present", typeof p1.NextToken === "string", p1);
  const p2 = await r.call("ListShards", { NextToken: p1.NextToken });
  r.eq("NextToken page", [ids(p2.Shards), p2.NextToken], [[shardId(2)], undefined]);
  r.eq("by StreamARN", (await r.call("ListShards", { StreamARN: streamArn(prov) })).Shards.length, 3);
  r.eq("ExclusiveStartShardId", ids((await r.call("ListShards", { StreamName: prov, ExclusiveStartShardId: shardId(0) })).Shards), [shardId(1), shardId(2)]);
  await r.expectError("ListShards without StreamName or NextToken", "ListShards", {}, "InvalidArgumentException",
    { message: "Either NextToken or StreamName should be provided." });
  await r.expectError("ListShards with StreamName and NextToken", "ListShards", { StreamName: prov, NextToken: p1.NextToken }, "InvalidArgumentException",
    { message: "NextToken and StreamName cannot be provided together." });
  await r.expectError("ListShards missing stream", "ListShards", { StreamName: missing }, "ResourceNotFoundException", { message: notFound(missing) });
});

await r.section("Retention period", async () => {
  await r.call("IncreaseStreamRetentionPeriod", { StreamName: prov, RetentionPeriodHours: 48 });
  r.eq("IncreaseStreamRetentionPeriod 48", (await r.summary(prov)).RetentionPeriodHours, 48);
  await r.call("DecreaseStreamRetentionPeriod", { StreamName: prov, RetentionPeriodHours: 36 });
  r.eq("DecreaseStreamRetentionPeriod 36", (await r.summary(prov)).RetentionPeriodHours, 36);
  await r.expectError("Decrease below 24 h", "DecreaseStreamRetentionPeriod", { StreamName: prov, RetentionPeriodHours: 23 }, "InvalidArgumentException",
    { message: "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short." });
  await r.expectError("Decrease to more than current", "DecreaseStreamRetentionPeriod", { StreamName: prov, RetentionPeriodHours: 100 }, "InvalidArgumentException",
    { message: `Requested retention period (100 hours) for stream ${prov} can not be longer than existing retention period (36 hours). Use IncreaseRetentionPeriod API.` });
  await r.expectError("Increase to less than current", "IncreaseStreamRetentionPeriod", { StreamName: prov, RetentionPeriodHours: 30 }, "InvalidArgumentException",
    { message: `Requested retention period (30 hours) for stream ${prov} can not be shorter than existing retention period (36 hours). Use DecreaseRetentionPeriod API.` });
  await r.call("DecreaseStreamRetentionPeriod", { StreamName: prov, RetentionPeriodHours: 24 });
  r.eq("back to 24 h", (await r.summary(prov)).RetentionPeriodHours, 24);
});

await r.section("Stream tags", async () => {
  await r.call("AddTagsToStream", { StreamName: prov, Tags: { team: "data", env: "test", cost: "42" } });
  const t = await r.call("ListTagsForStream", { StreamName: prov });
  r.eq("ListTagsForStream sorted by key", [t.Tags, t.HasMoreTags],
    [[{ Key: "cost", Value: "42" }, { Key: "env", Value: "test" }, { Key: "team", Value: "data" }], false]);
  const t1 = await r.call("ListTagsForStream", { StreamName: prov, Limit: 1 });
  r.eq("Limit=1", [t1.Tags, t1.HasMoreTags], [[{ Key: "cost", Value: "42" }], true]);
  const t2 = await r.call("ListTagsForStream", { StreamName: prov, ExclusiveStartTagKey: "cost" });
  r.eq("ExclusiveStartTagKey", t2.Tags.map((x) => x.Key), ["env", "team"]);
  await r.call("RemoveTagsFromStream", { StreamName: prov, TagKeys: ["cost", "not-there"] });
  r.eq("RemoveTagsFromStream", (await r.call("ListTagsForStream", { StreamName: prov })).Tags.map((x) => x.Key), ["env", "team"]);
  await r.call("TagResource", { ResourceARN: streamArn(prov), Tags: { via: "arn" } });
  const res = (await r.call("ListTagsForResource", { ResourceARN: streamArn(prov) })).Tags;
  r.eq("TagResource + ListTagsForResource share the stream's tags", Object.fromEntries(res.map((x) => [x.Key, x.Value])), { env: "test", team: "data", via: "arn" });
  await r.call("UntagResource", { ResourceARN: streamArn(prov), TagKeys: ["via", "team"] });
  r.eq("UntagResource", (await r.call("ListTagsForStream", { StreamName: prov })).Tags.map((x) => x.Key), ["env"]);
  await r.expectError("AddTagsToStream missing stream", "AddTagsToStream", { StreamName: missing, Tags: { a: "b" } }, "ResourceNotFoundException",
    { message: notFound(missing) });
});

await r.section("DeleteStream", async () => {
  await r.create(doomed, 1);
  const consumer = (await r.call("RegisterStreamConsumer", { StreamARN: streamArn(doomed), ConsumerName: "keeper" })).Consumer;
  await r.waitConsumer(consumer.ConsumerARN);
  await r.expectError("DeleteStream with a consumer and no EnforceConsumerDeletion", "DeleteStream", { StreamName: doomed }, "ResourceInUseException");
  await r.call("DeleteStream", { StreamName: doomed, EnforceConsumerDeletion: true });
  r.ok("DeleteStream EnforceConsumerDeletion=true accepted");
  await r.waitGone(doomed);
  r.ok("stream with consumer is gone");
  await r.expectError("DescribeStream after delete", "DescribeStream", { StreamName: doomed }, "ResourceNotFoundException", { message: notFound(doomed) });
  await r.call("DeleteStream", { StreamARN: streamArn(tagged) });
  await r.waitGone(tagged);
  r.ok("DeleteStream by StreamARN");
  await r.expectError("DeleteStream missing stream", "DeleteStream", { StreamName: missing }, "ResourceNotFoundException", { message: notFound(missing) });
});

r.finish();
