// Ingest and read-back throughput with the AWS SDK for JavaScript v3 as the client, the way an application sees
// Kinesis: PutRecords of --batch records of --record-size bytes, --concurrency calls in flight, --shards shards, for
// --duration seconds; then every shard read from TRIM_HORIZON with GetRecords, checking that every acknowledged record
// came back once. Bounded: it stops by itself.
//
//   node sdk-bench.mjs --endpoint http://127.0.0.1:4567 [--shards 4] [--record-size 1024] [--batch 500]
//                      [--concurrency 4] [--duration 10]
import {
  KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand, ListShardsCommand,
  GetShardIteratorCommand, GetRecordsCommand, DeleteStreamCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Agent } from "node:http";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
  (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const endpoint = args.endpoint ?? "http://127.0.0.1:4567";
const shards = Number(args.shards ?? 4);
const recordSize = Number(args["record-size"] ?? 1024);
const batch = Number(args.batch ?? 500);
const concurrency = Number(args.concurrency ?? 4);
const duration = Number(args.duration ?? 10);
const stream = `sdk-bench-${Date.now()}`;

const client = new KinesisClient({
  endpoint, region: "us-east-1",
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  // HTTP/1.1 keep-alive: the SDK's default handler for this client speaks HTTP/2.
  requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency + shards }) }),
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes, seconds) => (bytes / 1048576 / seconds).toFixed(1);

await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
for (let i = 0; i < 600; i++) {
  const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  if (s.StreamDescriptionSummary.StreamStatus === "ACTIVE") break;
  await sleep(100);
}

// --- ingest -------------------------------------------------------------------------------------------------
let acked = 0;
let next = 0;
const deadline = Date.now() + duration * 1000;
const started = process.hrtime.bigint();
async function producer() {
  while (Date.now() < deadline) {
    const records = [];
    for (let i = 0; i < batch; i++) {
      const data = Buffer.alloc(recordSize, 120);
      data.writeUInt32BE(next, 0);
      records.push({ Data: data, PartitionKey: `k${next % 1000}` });
      next++;
    }
    const r = await client.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
    acked += records.length - r.FailedRecordCount;
  }
}
await Promise.all(Array.from({ length: concurrency }, producer));
const putSeconds = Number(process.hrtime.bigint() - started) / 1e9;

// --- read back ------------------------------------------------------------------------------------------------
const readStarted = process.hrtime.bigint();
const seen = new Set();
let read = 0;
let readBytes = 0;
const { Shards } = await client.send(new ListShardsCommand({ StreamName: stream }));
await Promise.all(Shards.map(async (shard) => {
  let { ShardIterator: it } = await client.send(new GetShardIteratorCommand({
    StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }));
  for (let calls = 0; it && calls < 100000; calls++) {
    const r = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10000 }));
    for (const rec of r.Records) {
      seen.add(Buffer.from(rec.Data).readUInt32BE(0));
      readBytes += rec.Data.length;
    }
    read += r.Records.length;
    if (r.Records.length === 0 && r.MillisBehindLatest === 0) break;
    it = r.NextShardIterator;
  }
}));
const readSeconds = Number(process.hrtime.bigint() - readStarted) / 1e9;

await client.send(new DeleteStreamCommand({ StreamName: stream }));
const result = {
  ingest: { records: acked, seconds: +putSeconds.toFixed(2), recordsPerSecond: Math.round(acked / putSeconds), mibPerSecond: +mib(acked * recordSize, putSeconds) },
  readBack: { records: read, distinct: seen.size, seconds: +readSeconds.toFixed(2), recordsPerSecond: Math.round(read / readSeconds), mibPerSecond: +mib(readBytes, readSeconds) },
};
console.log(JSON.stringify(result, null, 2));
process.exit(read === acked && seen.size === acked ? 0 : 1);
