// JS SDK v3 (@aws-sdk/client-firehose): every Firehose operation, the defaults AWS fills in, and the errors.
import * as F from "@aws-sdk/client-firehose";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { ACCOUNT, REGION, Run, utf8 } from "./kit.mjs";

const r = new Run("js/firehose");
const common = {
  endpoint: r.endpoint,
  region: REGION,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 60000 }),
};
const fh = new F.FirehoseClient({ ...common, maxAttempts: 6 });
const raw = new F.FirehoseClient({ ...common, maxAttempts: 1 });
const ROLE = `arn:aws:iam::${ACCOUNT}:role/firehose`;
const DEST = "destinationId-000000000001";
const name = r.name("s3");
const missing = r.name("missing");
const call = async (client, op, input) => {
  const out = await client.send(new F[`${op}Command`](input));
  delete out.$metadata;
  return out;
};
const expect = async (label, op, input, code) => {
  try {
    const out = await call(raw, op, input);
    r.fail(label, `expected ${code}, but the call succeeded: ${JSON.stringify(out)}`);
  } catch (e) {
    r.check(`${label} -> ${e.name}`, e.name === code && e.$metadata?.httpStatusCode === 400, `expected ${code}, got ${e.name} (HTTP ${e.$metadata?.httpStatusCode}): ${e.message}`);
  }
};

await r.section("Create, Describe, List", async () => {
  const created = await call(fh, "CreateDeliveryStream", {
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: "arn:aws:s3:::b", CompressionFormat: "Snappy" },
    Tags: [{ Key: "team", Value: "eddy" }],
  });
  r.eq("ARN", created.DeliveryStreamARN, `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${name}`);
  let d = (await call(fh, "DescribeDeliveryStream", { DeliveryStreamName: name })).DeliveryStreamDescription;
  for (let i = 0; i < 600 && d.DeliveryStreamStatus !== "ACTIVE"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    d = (await call(fh, "DescribeDeliveryStream", { DeliveryStreamName: name })).DeliveryStreamDescription;
  }
  r.eq("ACTIVE", d.DeliveryStreamStatus, "ACTIVE");
  r.eq("VersionId", d.VersionId, "1");
  r.check("CreateTimestamp is a Date", d.CreateTimestamp instanceof Date, d.CreateTimestamp);
  const e = d.Destinations[0].ExtendedS3DestinationDescription;
  r.eq("default BufferingHints", e.BufferingHints, { SizeInMBs: 5, IntervalInSeconds: 300 });
  r.eq("CompressionFormat as configured", e.CompressionFormat, "Snappy");
  const list = await call(fh, "ListDeliveryStreams", { Limit: 10000 });
  r.check("listed", list.DeliveryStreamNames.includes(name), list);
  await expect("the name exists", "CreateDeliveryStream", { DeliveryStreamName: name, ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: "arn:aws:s3:::b" } }, "ResourceInUseException");
  await expect("Describe: unknown", "DescribeDeliveryStream", { DeliveryStreamName: missing }, "ResourceNotFoundException");
});

await r.section("PutRecord, PutRecordBatch", async () => {
  const one = await call(fh, "PutRecord", { DeliveryStreamName: name, Record: { Data: utf8("hello\n") } });
  r.check("RecordId", typeof one.RecordId === "string" && one.RecordId.length > 0, one);
  const batch = await call(fh, "PutRecordBatch", { DeliveryStreamName: name, Records: [...Array(500).keys()].map((i) => ({ Data: utf8(`r${i}\n`) })) });
  r.eq("FailedPutCount", batch.FailedPutCount, 0);
  r.eq("one response per record", batch.RequestResponses.length, 500);
  await expect("501 records", "PutRecordBatch", { DeliveryStreamName: name, Records: [...Array(501).keys()].map(() => ({ Data: utf8("x") })) }, "InvalidArgumentException");
});

await r.section("UpdateDestination, tags, encryption", async () => {
  await call(fh, "UpdateDestination", { DeliveryStreamName: name, CurrentDeliveryStreamVersionId: "1", DestinationId: DEST, ExtendedS3DestinationUpdate: { Prefix: "v2/" } });
  const d = (await call(fh, "DescribeDeliveryStream", { DeliveryStreamName: name })).DeliveryStreamDescription;
  r.eq("VersionId 2", d.VersionId, "2");
  r.eq("Prefix merged", d.Destinations[0].ExtendedS3DestinationDescription.Prefix, "v2/");
  await expect("stale version", "UpdateDestination", { DeliveryStreamName: name, CurrentDeliveryStreamVersionId: "1", DestinationId: DEST, ExtendedS3DestinationUpdate: { Prefix: "v3/" } }, "ConcurrentModificationException");
  await call(fh, "TagDeliveryStream", { DeliveryStreamName: name, Tags: [{ Key: "a", Value: "1" }] });
  r.eq("tags", (await call(fh, "ListTagsForDeliveryStream", { DeliveryStreamName: name })).Tags, [{ Key: "a", Value: "1" }, { Key: "team", Value: "eddy" }]);
  await call(fh, "UntagDeliveryStream", { DeliveryStreamName: name, TagKeys: ["a"] });
  r.eq("untagged", (await call(fh, "ListTagsForDeliveryStream", { DeliveryStreamName: name })).Tags, [{ Key: "team", Value: "eddy" }]);
  await call(fh, "StartDeliveryStreamEncryption", { DeliveryStreamName: name, DeliveryStreamEncryptionConfigurationInput: { KeyType: "AWS_OWNED_CMK" } });
  r.eq("encryption ENABLED", (await call(fh, "DescribeDeliveryStream", { DeliveryStreamName: name })).DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration.Status, "ENABLED");
  await call(fh, "StopDeliveryStreamEncryption", { DeliveryStreamName: name });
  r.eq("encryption DISABLED", (await call(fh, "DescribeDeliveryStream", { DeliveryStreamName: name })).DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration.Status, "DISABLED");
});

await r.section("DeleteDeliveryStream", async () => {
  await call(fh, "DeleteDeliveryStream", { DeliveryStreamName: name });
  for (let i = 0; i < 600 && (await call(fh, "ListDeliveryStreams", { Limit: 10000 })).DeliveryStreamNames.includes(name); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  r.check("gone from the list", !(await call(fh, "ListDeliveryStreams", { Limit: 10000 })).DeliveryStreamNames.includes(name), "still listed");
  await expect("Delete: unknown", "DeleteDeliveryStream", { DeliveryStreamName: missing }, "ResourceNotFoundException");
});

fh.destroy();
raw.destroy();
r.finish();
