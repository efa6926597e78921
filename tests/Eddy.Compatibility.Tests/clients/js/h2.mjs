// JS SDK v3 with NO requestHandler: the Kinesis client's default is NodeHttp2Handler, which speaks HTTP/2 straight
// away — prior-knowledge h2c on an http:// endpoint, ALPN h2 on https:// (trust Eddy's certificate with
// NODE_EXTRA_CA_CERTS=<eddy.pem>) — and, with the client's default disableConcurrentStreams, opens a new
// connection for every request. CreateStream, PutRecords, GetRecords (and back) over that handler only.
//
// Run as `node h2.mjs <endpoint-url> <name-prefix>`; prints "ok"/"FAIL" lines like the other scenarios.
import http2 from "node:http2";
import * as K from "@aws-sdk/client-kinesis";
import { REGION, Run, SEQ_RE, shardId, sleep, text, utf8 } from "./kit.mjs";

// Count the HTTP/2 sessions (connections) the SDK opens and remember how each was negotiated.
const sessions = [];
const connect = http2.connect;
http2.connect = (...args) => {
  const session = connect(...args);
  const entry = { alpn: undefined, error: undefined };
  sessions.push(entry);
  session.once("connect", () => (entry.alpn = session.alpnProtocol));
  session.once("error", (e) => (entry.error = e));
  return session;
};

const r = new Run("js/h2");
const tls = r.endpoint.startsWith("https:");
const expectedAlpn = tls ? "h2" : "h2c";
// Nothing but the endpoint, region and credentials: every transport setting is the SDK's default.
const kin = new K.KinesisClient({ endpoint: r.endpoint, region: REGION, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
const call = async (op, input = {}) => {
  const out = await kin.send(new K[`${op}Command`](input));
  delete out.$metadata;
  return out;
};
const s = r.name("h2");

await r.section("default request handler", async () => {
  const handler = kin.config.requestHandler;
  r.eq("the Kinesis client's default handler is NodeHttp2Handler", handler?.constructor?.name, "NodeHttp2Handler");
  r.eq("its protocol is h2", handler?.metadata?.handlerProtocol, "h2");
});

await r.section("CreateStream over HTTP/2", async () => {
  await call("CreateStream", { StreamName: s, ShardCount: 2 });
  let status;
  for (let i = 0; i < 200 && status !== "ACTIVE"; i++) {
    status = (await call("DescribeStreamSummary", { StreamName: s })).StreamDescriptionSummary.StreamStatus;
    if (status !== "ACTIVE") await sleep(50);
  }
  r.eq("stream becomes ACTIVE", status, "ACTIVE");
});

const sent = new Map(); // shard id -> [{seq, data}]
await r.section("PutRecords over HTTP/2", async () => {
  for (let batch = 0; batch < 3; batch++) {
    const entries = [...Array(100).keys()].map((i) => ({ Data: utf8(`h2-${batch}-${i}`), PartitionKey: `key-${batch}-${i}` }));
    const res = await call("PutRecords", { StreamName: s, Records: entries });
    r.eq(`batch ${batch}: FailedRecordCount`, res.FailedRecordCount, 0);
    r.check(`batch ${batch}: a sequence number per record`, res.Records.length === 100 && res.Records.every((x) => SEQ_RE.test(x.SequenceNumber ?? "")), res.Records.slice(0, 3));
    res.Records.forEach((x, i) => {
      if (!sent.has(x.ShardId)) sent.set(x.ShardId, []);
      sent.get(x.ShardId).push({ seq: x.SequenceNumber, data: text(entries[i].Data) });
    });
  }
  const big = new Uint8Array(900 * 1024).fill(7); // one large body: HTTP/2 flow control must not stall it
  const res = await call("PutRecords", { StreamName: s, Records: [0, 1, 2, 3, 4].map((i) => ({ Data: big, PartitionKey: `big-${i}` })) });
  r.eq("5 × 900 KiB in one call: FailedRecordCount", res.FailedRecordCount, 0);
  res.Records.forEach((x) => {
    if (!sent.has(x.ShardId)) sent.set(x.ShardId, []);
    sent.get(x.ShardId).push({ seq: x.SequenceNumber, data: `big:${big.length}` });
  });
});

await r.section("GetRecords over HTTP/2", async () => {
  for (const shard of [shardId(0), shardId(1)]) {
    let it = (await call("GetShardIterator", { StreamName: s, ShardId: shard, ShardIteratorType: "TRIM_HORIZON" })).ShardIterator;
    const got = [];
    for (let i = 0; i < 20 && it; i++) {
      const resp = await call("GetRecords", { ShardIterator: it });
      got.push(...resp.Records.map((x) => ({ seq: x.SequenceNumber, data: x.Data.length > 1000 ? `big:${x.Data.length}` : text(x.Data) })));
      if (resp.Records.length === 0 && (resp.MillisBehindLatest ?? 0) === 0) break;
      it = resp.NextShardIterator;
    }
    r.eq(`${shard}: every record back, in order`, got, sent.get(shard) ?? []);
  }
});

await r.section("concurrent calls", async () => {
  const results = await Promise.all([...Array(20).keys()].map((i) => call("PutRecord", { StreamName: s, Data: utf8(`c-${i}`), PartitionKey: `c-${i}` })));
  r.check("20 PutRecord calls at once all succeed", results.every((x) => SEQ_RE.test(x.SequenceNumber ?? "")), results.slice(0, 2));
});

await r.section("DeleteStream over HTTP/2", async () => {
  await call("DeleteStream", { StreamName: s });
  r.ok("DeleteStream");
});

await r.section("connections", async () => {
  r.check("the SDK opened HTTP/2 sessions", sessions.length > 0, sessions.length);
  const wrong = sessions.filter((x) => x.alpn !== expectedAlpn);
  r.check(`every session negotiated ${expectedAlpn}`, wrong.length === 0, wrong.slice(0, 3));
  const failed = sessions.filter((x) => x.error);
  r.check("no session failed", failed.length === 0, failed.slice(0, 3).map((x) => String(x.error)));
  console.log(`# ${sessions.length} HTTP/2 connections (${expectedAlpn}) for the calls above`);
});

kin.destroy();
r.finish();
