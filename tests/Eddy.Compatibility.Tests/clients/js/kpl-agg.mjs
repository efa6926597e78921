// KPL aggregation interop with the npm module aws-kinesis-agg, run by Eddy.Compatibility.Tests (KplAggregationInteropTests).
//
//   node kpl-agg.mjs read  ENDPOINT STREAM        every record of every shard, de-aggregated by aws-kinesis-agg
//                                                 (checksums verified), as one JSON array on stdout:
//                                                 [{shardId, sequenceNumber, subSequenceNumber, partitionKey, explicitHashKey, data}]
//   node kpl-agg.mjs write ENDPOINT STREAM COUNT  COUNT user records ("node-<i>", "node record <i>"; every third with an
//                                                 explicit hash key) aggregated by aws-kinesis-agg and put with PutRecord;
//                                                 prints [{shardId, sequenceNumber, partitionKey, explicitHashKey}] per put
// data is base64. Exit 1 with a message on stderr on any error.

import { createRequire } from "node:module";
import * as K from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const require = createRequire(import.meta.url);
const agg = require("aws-kinesis-agg");

const [mode, endpoint, stream, count] = process.argv.slice(2);
const client = new K.KinesisClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  requestHandler: new NodeHttpHandler(),
});

async function read() {
  const out = [];
  const shards = (await client.send(new K.ListShardsCommand({ StreamName: stream }))).Shards;
  for (const shard of shards) {
    let iterator = (await client.send(new K.GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    for (let reads = 0; iterator && reads < 1000; reads++) {
      const page = await client.send(new K.GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records) {
        const kinesisRecord = {
          partitionKey: record.PartitionKey,
          sequenceNumber: record.SequenceNumber,
          data: Buffer.from(record.Data).toString("base64"),
        };
        const users = await new Promise((resolve, reject) =>
          agg.deaggregateSync(kinesisRecord, true, (err, userRecords) => (err ? reject(err) : resolve(userRecords))));
        for (const u of users) {
          out.push({
            shardId: shard.ShardId,
            sequenceNumber: u.sequenceNumber,
            subSequenceNumber: u.subSequenceNumber ?? 0,
            partitionKey: u.partitionKey,
            explicitHashKey: u.explicitPartitionKey ?? null,
            data: u.data,
          });
        }
      }
      if (page.Records.length === 0 && page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

async function write() {
  const n = Number(count);
  const records = [...Array(n).keys()].map((i) => ({
    partitionKey: `node-${i}`,
    ...(i % 3 === 0 ? { explicitHashKey: String(BigInt(i) * 10n ** 30n) } : {}),
    data: Buffer.from(`node record ${i}`),
  }));
  const puts = [];
  await new Promise((resolve, reject) => {
    agg.aggregate(
      records,
      (encoded, callback) => {
        const input = { StreamName: stream, PartitionKey: encoded.partitionKey, Data: encoded.data };
        if (encoded.ExplicitHashKey) input.ExplicitHashKey = encoded.ExplicitHashKey;
        client.send(new K.PutRecordCommand(input)).then(
          (result) => {
            puts.push({ shardId: result.ShardId, sequenceNumber: result.SequenceNumber, partitionKey: input.PartitionKey, explicitHashKey: input.ExplicitHashKey ?? null });
            callback(null, result);
          },
          (err) => { callback(err); reject(err); });
      },
      () => resolve(),
      (err) => reject(err));
  });
  return puts;
}

try {
  const result = mode === "read" ? await read() : mode === "write" ? await write() : null;
  if (result === null) throw new Error(`unknown mode ${mode}`);
  process.stdout.write(JSON.stringify(result) + "\n");
} catch (e) {
  console.error(e?.stack ?? String(e));
  process.exit(1);
}
