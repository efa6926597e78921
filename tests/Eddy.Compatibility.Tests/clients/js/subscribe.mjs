// AWS SDK for JavaScript v3 SubscribeToShardCommand with the client's DEFAULT request handler (NodeHttp2Handler:
// HTTP/2 with prior knowledge on http://, ALPN h2 on https://). A writer puts records while the stream is split;
// subscribers read every shard parent-first (following ChildShards) and must see every record once, in order per key.
//
//   node subscribe.mjs ENDPOINT_URL [NAME_PREFIX]      (for https, trust the server with NODE_EXTRA_CA_CERTS=<pem>)
import * as K from "@aws-sdk/client-kinesis";
import { Run, shardId, sleep } from "./kit.mjs";

const r = new Run("js/subscribe");
// The default handler, on purpose: this is what an application given only an endpoint uses.
const h2 = new K.KinesisClient({ endpoint: r.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
const s = r.name("efo");
let consumerArn;

await r.section("setup over HTTP/2", async () => {
  await h2.send(new K.CreateStreamCommand({ StreamName: s, ShardCount: 2 }));
  for (let i = 0; i < 300; i++) {
    const d = await h2.send(new K.DescribeStreamSummaryCommand({ StreamName: s }));
    if (d.StreamDescriptionSummary.StreamStatus === "ACTIVE") break;
    await sleep(50);
  }
  const arn = (await h2.send(new K.DescribeStreamSummaryCommand({ StreamName: s }))).StreamDescriptionSummary.StreamARN;
  consumerArn = (await h2.send(new K.RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "efo-js" }))).Consumer.ConsumerARN;
  for (let i = 0; i < 300; i++) {
    const c = await h2.send(new K.DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    if (c.ConsumerDescription.ConsumerStatus === "ACTIVE") break;
    await sleep(50);
  }
  r.ok("stream and consumer ACTIVE over the default (HTTP/2) handler");
});

const acked = new Map(); // data -> shard id
let writerDone = false;
const received = new Map(); // shard id -> [{data, key}]
const ended = new Map(); // shard id -> child ids
const problems = [];

async function writer() {
  let n = 0;
  const stop = Date.now() + 3000;
  while (Date.now() < stop) {
    const records = Array.from({ length: 20 }, (_, i) => ({ Data: new TextEncoder().encode(String(n + i)), PartitionKey: `k${(n + i) % 10}` }));
    const out = await h2.send(new K.PutRecordsCommand({ StreamName: s, Records: records }));
    out.Records.forEach((o, i) => acked.set(String(n + i), o.ShardId));
    n += 20;
    await sleep(20);
  }
  writerDone = true;
}

async function subscriber(shard) {
  const got = received.get(shard) ?? [];
  received.set(shard, got);
  let continuation;
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const StartingPosition = continuation ? { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: continuation } : { Type: "TRIM_HORIZON" };
    const abort = new AbortController();
    const out = await h2.send(new K.SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shard, StartingPosition }), { abortSignal: abort.signal });
    try {
      for await (const event of out.EventStream) {
        const e = event.SubscribeToShardEvent;
        if (!e) continue;
        for (const rec of e.Records) got.push({ data: new TextDecoder().decode(rec.Data), key: rec.PartitionKey });
        if (e.ChildShards?.length) {
          if (e.ContinuationSequenceNumber) problems.push(`${shard}: shard-end event carries a ContinuationSequenceNumber`);
          ended.set(shard, e.ChildShards.map((c) => c.ShardId));
          abort.abort();
          return;
        }
        continuation = e.ContinuationSequenceNumber;
        const expected = [...acked.values()].filter((v) => v === shard).length;
        if (writerDone && got.length >= expected) {
          abort.abort();
          return;
        }
      }
    } catch (e) {
      if (e.name !== "AbortError") throw e;
      return;
    }
  }
  problems.push(`${shard}: did not finish within 60 s`);
}

await r.section("subscribe over HTTP/2 while writing and splitting", async () => {
  const roots = [subscriber(shardId(0)), subscriber(shardId(1))];
  const w = writer();
  await sleep(1000);
  await h2.send(new K.SplitShardCommand({ StreamName: s, ShardToSplit: shardId(0), NewStartingHashKey: String(2n ** 126n) }));
  for (let i = 0; i < 300; i++) {
    const d = await h2.send(new K.DescribeStreamSummaryCommand({ StreamName: s }));
    if (d.StreamDescriptionSummary.StreamStatus === "ACTIVE") break;
    await sleep(50);
  }
  await w;
  await Promise.all(roots);
  r.eq("shard 0 ended with its two children", ended.get(shardId(0)), [shardId(2), shardId(3)]);
  await Promise.all((ended.get(shardId(0)) ?? []).map(subscriber));
  r.eq("no problems reported by subscribers", problems, []);
  const all = [...received.values()].flat();
  const datas = all.map((x) => x.data);
  r.eq("every acknowledged record arrived", [...new Set(datas)].sort((a, b) => a - b), [...acked.keys()].sort((a, b) => a - b));
  r.eq("no record arrived twice", datas.length, new Set(datas).size);
  r.check("records reached the children after the split", [2, 3].some((i) => received.get(shardId(i))?.length > 0));
  const ordered = [0, 2, 3, 1].flatMap((i) => received.get(shardId(i)) ?? []);
  const perKey = new Map();
  for (const { data, key } of ordered) perKey.set(key, [...(perKey.get(key) ?? []), Number(data)]);
  r.check("every partition key is in order across the split", [...perKey.values()].every((v) => v.every((x, i) => i === 0 || v[i - 1] < x)));
});

await r.section("cleanup", async () => {
  await h2.send(new K.DeleteStreamCommand({ StreamName: s, EnforceConsumerDeletion: true }));
});

h2.destroy();
r.finish();
