// JS SDK v3: consumers, encryption, enhanced monitoring, limits, account settings, capacity mode,
// max record size, warm throughput and resource policies.
import * as K from "@aws-sdk/client-kinesis";
import { ACCOUNT, ALL_METRICS, Run, notFound, shardId, streamArn, text, utf8 } from "./kit.mjs";

const r = new Run("js/admin");
const cons = r.name("cons");
const enc = r.name("enc");
const mode = r.name("mode");
const od = r.name("warm-od");
const pol = r.name("policy");
const missing = r.name("missing");
const sorted = (xs) => [...(xs ?? [])].sort();

await r.section("consumers", async () => {
  await r.create(cons, 1);
  const arn = streamArn(cons);
  const c1 = (await r.call("RegisterStreamConsumer", { StreamARN: arn, ConsumerName: "c1" })).Consumer;
  r.eq("RegisterStreamConsumer: name and CREATING", [c1.ConsumerName, c1.ConsumerStatus], ["c1", "CREATING"]);
  r.check("ConsumerARN is <stream ARN>/consumer/<name>:<epoch seconds>", new RegExp(`^${arn.replaceAll(".", "\\.")}/consumer/c1:\\d+$`).test(c1.ConsumerARN), c1.ConsumerARN);
  r.check("ConsumerCreationTimestamp is a Date", c1.ConsumerCreationTimestamp instanceof Date, c1);
  await r.expectError("RegisterStreamConsumer same name", "RegisterStreamConsumer", { StreamARN: arn, ConsumerName: "c1" }, "ResourceInUseException");
  const d = await r.waitConsumer(c1.ConsumerARN);
  r.eq("ConsumerDescription.StreamARN", d.StreamARN, arn);
  const byName = (await r.call("DescribeStreamConsumer", { StreamARN: arn, ConsumerName: "c1" })).ConsumerDescription;
  r.eq("DescribeStreamConsumer by StreamARN + ConsumerName", byName.ConsumerARN, c1.ConsumerARN);
  const c2 = (await r.call("RegisterStreamConsumer", { StreamARN: arn, ConsumerName: "c2", Tags: { k: "v" } })).Consumer;
  await r.waitConsumer(c2.ConsumerARN);
  r.eq("ListTagsForResource on a consumer", (await r.call("ListTagsForResource", { ResourceARN: c2.ConsumerARN })).Tags, [{ Key: "k", Value: "v" }]);
  const names = [];
  let pages = 0;
  for await (const page of K.paginateListStreamConsumers({ client: r.kin, pageSize: 1 }, { StreamARN: arn })) {
    pages++;
    names.push(...page.Consumers.map((x) => x.ConsumerName));
  }
  r.eq("paginateListStreamConsumers (pageSize 1)", [sorted(names), pages >= 2], [["c1", "c2"], true]);
  r.eq("DescribeStreamSummary ConsumerCount", (await r.summary(cons)).ConsumerCount, 2);
  await r.call("DeregisterStreamConsumer", { ConsumerARN: c1.ConsumerARN });
  await r.call("DeregisterStreamConsumer", { StreamARN: arn, ConsumerName: "c2" });
  await r.waitConsumerGone(c1.ConsumerARN);
  await r.waitConsumerGone(c2.ConsumerARN);
  r.eq("ListStreamConsumers after deregistering", (await r.call("ListStreamConsumers", { StreamARN: arn })).Consumers, []);
  await r.expectError("DescribeStreamConsumer unknown", "DescribeStreamConsumer", { StreamARN: arn, ConsumerName: "c1" }, "ResourceNotFoundException");
  await r.expectError("RegisterStreamConsumer on a missing stream", "RegisterStreamConsumer", { StreamARN: streamArn(missing), ConsumerName: "c" }, "ResourceNotFoundException");
});

await r.section("encryption", async () => {
  await r.create(enc, 1);
  await r.call("StartStreamEncryption", { StreamName: enc, EncryptionType: "KMS", KeyId: "alias/aws/kinesis" });
  let s = await r.waitStatus(enc);
  r.eq("encrypted: EncryptionType/KeyId", [s.EncryptionType, s.KeyId], ["KMS", "alias/aws/kinesis"]);
  const res = await r.call("PutRecord", { StreamName: enc, Data: utf8("secret"), PartitionKey: "k" });
  r.eq("PutRecord reports KMS", res.EncryptionType, "KMS");
  const recs = (await r.call("GetRecords", { ShardIterator: await r.iterator(enc, shardId(0), "TRIM_HORIZON") })).Records;
  r.eq("GetRecords: data and EncryptionType", recs.map((x) => [text(x.Data), x.EncryptionType]), [["secret", "KMS"]]);
  await r.call("StopStreamEncryption", { StreamName: enc, EncryptionType: "KMS", KeyId: "alias/aws/kinesis" });
  s = await r.waitStatus(enc);
  r.check("after stop: EncryptionType NONE", (s.EncryptionType ?? "NONE") === "NONE", s.EncryptionType);
  await r.expectError("StopStreamEncryption on a missing stream", "StopStreamEncryption", { StreamName: missing, EncryptionType: "KMS", KeyId: "alias/aws/kinesis" },
    "ResourceNotFoundException", { message: notFound(missing) });
});

await r.section("enhanced monitoring", async () => {
  let res = await r.call("EnableEnhancedMonitoring", { StreamName: enc, ShardLevelMetrics: ["IncomingRecords", "IteratorAgeMilliseconds"] });
  r.eq("enable: names, current, desired", [res.StreamName, res.StreamARN, res.CurrentShardLevelMetrics, sorted(res.DesiredShardLevelMetrics)],
    [enc, streamArn(enc), [], ["IncomingRecords", "IteratorAgeMilliseconds"]]);
  res = await r.call("EnableEnhancedMonitoring", { StreamName: enc, ShardLevelMetrics: ["ALL"] });
  r.eq("enable ALL expands to the seven metrics", sorted(res.DesiredShardLevelMetrics), ALL_METRICS);
  res = await r.call("DisableEnhancedMonitoring", { StreamName: enc, ShardLevelMetrics: ["ALL"] });
  r.eq("disable ALL", [sorted(res.CurrentShardLevelMetrics), res.DesiredShardLevelMetrics], [ALL_METRICS, []]);
  await r.expectError("DisableEnhancedMonitoring on a missing stream", "DisableEnhancedMonitoring", { StreamName: missing, ShardLevelMetrics: ["ALL"] },
    "ResourceNotFoundException", { message: notFound(missing) });
});

await r.section("limits, account settings, warm throughput", async () => {
  const limits = await r.call("DescribeLimits");
  r.check("DescribeLimits fields", Number.isInteger(limits.ShardLimit) && limits.ShardLimit > 0 && Number.isInteger(limits.OpenShardCount)
    && Number.isInteger(limits.OnDemandStreamCount) && Number.isInteger(limits.OnDemandStreamCountLimit) && limits.OnDemandStreamCountLimit > 0, limits);
  const before = await r.call("DescribeAccountSettings");
  r.check("DescribeAccountSettings answers", ["ENABLED", "DISABLED", "ENABLED_UNTIL_EARLIEST_ALLOWED_END"].includes(before.MinimumThroughputBillingCommitment?.Status ?? "DISABLED"), before);
  let res = await r.call("UpdateAccountSettings", { MinimumThroughputBillingCommitment: { Status: "ENABLED" } });
  r.eq("UpdateAccountSettings ENABLED", res.MinimumThroughputBillingCommitment?.Status, "ENABLED");
  r.check("StartedAt is a Date", res.MinimumThroughputBillingCommitment?.StartedAt instanceof Date, res);
  await r.call("CreateStream", { StreamName: od, StreamModeDetails: { StreamMode: "ON_DEMAND" } });
  await r.waitStatus(od);
  res = await r.call("UpdateStreamWarmThroughput", { StreamName: od, WarmThroughputMiBps: 50 });
  r.eq("UpdateStreamWarmThroughput response", [res.StreamName, res.StreamARN, res.WarmThroughput?.TargetMiBps], [od, streamArn(od), 50]);
  const s = await r.waitStatus(od);
  r.eq("summary WarmThroughput.TargetMiBps", s.WarmThroughput?.TargetMiBps, 50);
  res = await r.call("UpdateAccountSettings", { MinimumThroughputBillingCommitment: { Status: "DISABLED" } });
  r.eq("disabling within the first 24 h", res.MinimumThroughputBillingCommitment?.Status, "ENABLED_UNTIL_EARLIEST_ALLOWED_END");
});

await r.section("UpdateStreamMode / UpdateMaxRecordSize", async () => {
  await r.create(mode, 1);
  await r.call("UpdateStreamMode", { StreamARN: streamArn(mode), StreamModeDetails: { StreamMode: "ON_DEMAND" } });
  let s = await r.waitStatus(mode, "ACTIVE", "ON_DEMAND");
  r.eq("now ON_DEMAND", s.StreamModeDetails.StreamMode, "ON_DEMAND");
  await r.expectError("MergeShards on an on-demand stream", "MergeShards", { StreamName: mode, ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1) }, "ValidationException");
  await r.call("UpdateStreamMode", { StreamARN: streamArn(mode), StreamModeDetails: { StreamMode: "PROVISIONED" } });
  s = await r.waitStatus(mode, "ACTIVE", "PROVISIONED");
  r.eq("back to PROVISIONED", s.StreamModeDetails.StreamMode, "PROVISIONED");
  await r.call("UpdateMaxRecordSize", { StreamARN: streamArn(mode), MaxRecordSizeInKiB: 3072 });
  s = await r.waitStatus(mode);
  r.eq("summary MaxRecordSizeInKiB", s.MaxRecordSizeInKiB, 3072);
  await r.expectError("UpdateMaxRecordSize above 10240", "UpdateMaxRecordSize", { StreamARN: streamArn(mode), MaxRecordSizeInKiB: 20480 }, "ValidationException",
    { message: "1 validation error detected: Value '20480' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less than or equal to 10240" });
});

await r.section("resource policies", async () => {
  await r.create(pol, 1);
  const arn = streamArn(pol);
  const doc = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "AllowDescribe", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kinesis:DescribeStreamSummary", Resource: arn }],
  });
  await r.call("PutResourcePolicy", { ResourceARN: arn, Policy: doc });
  const got = await r.call("GetResourcePolicy", { ResourceARN: arn });
  r.eq("GetResourcePolicy returns the policy", JSON.parse(got.Policy), JSON.parse(doc));
  await r.call("DeleteResourcePolicy", { ResourceARN: arn });
  try {
    const after = await r.rawCall("GetResourcePolicy", { ResourceARN: arn });
    r.check("after delete: no policy", [undefined, "", "{}"].includes(after.Policy), after);
  } catch (e) {
    r.check("after delete: no policy (ResourceNotFoundException)", e.name === "ResourceNotFoundException", `${e.name}: ${e.message}`);
  }
  await r.expectError("DeleteResourcePolicy on a missing stream", "DeleteResourcePolicy", { ResourceARN: streamArn(missing) }, "ResourceNotFoundException");
});

r.finish();
