// JS SDK v3 against an Eddy started with --auth on, over its default HTTP/2 handler (which signs `:authority`, not
// `host`, and declares X-Amz-Content-Sha256) and over HTTP/1.1: the right keys pass, a wrong secret is refused.
//
// Usage: node auth.mjs ENDPOINT_URL STREAM ADMIN_KEY ADMIN_SECRET
// Prints "ok <check>" or "FAIL <check>: <why>" per check and "# auth: N checks passed, M failed"; exits 1 on a failure.
import * as K from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const [endpoint, stream, key, secret] = process.argv.slice(2, 6);
let passed = 0;
let failed = 0;
const check = (name, ok, why = "") => {
  if (ok) passed++;
  else failed++;
  console.log(ok ? `ok   ${name}` : `FAIL ${name}: ${why}`);
};
const client = (secretAccessKey, http1) =>
  new K.KinesisClient({
    endpoint,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: { accessKeyId: key, secretAccessKey },
    ...(http1 ? { requestHandler: new NodeHttpHandler() } : {}),
  });

for (const [transport, http1] of [["HTTP/2", false], ["HTTP/1.1", true]]) {
  const admin = client(secret, http1);
  const name = `${stream}-${http1 ? "h1" : "h2"}`;
  try {
    await admin.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const names = (await admin.send(new K.ListStreamsCommand({}))).StreamNames;
    check(`${transport} right keys: CreateStream and ListStreams`, names.includes(name), JSON.stringify(names));
    const put = await admin.send(new K.PutRecordCommand({ StreamName: name, Data: new TextEncoder().encode("hello"), PartitionKey: "k" }));
    const iterator = (await admin.send(new K.GetShardIteratorCommand({ StreamName: name, ShardId: put.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    const records = (await admin.send(new K.GetRecordsCommand({ ShardIterator: iterator }))).Records;
    check(`${transport} right keys: PutRecord and GetRecords`, records.length === 1 && new TextDecoder().decode(records[0].Data) === "hello", JSON.stringify(records));
  } catch (e) {
    check(`${transport} right keys`, false, `${e.name}: ${e.message}`);
  } finally {
    admin.destroy();
  }

  const wrong = client("not-the-secret", http1);
  try {
    await wrong.send(new K.ListStreamsCommand({}));
    check(`${transport} wrong secret: InvalidSignatureException`, false, "the call succeeded");
  } catch (e) {
    check(`${transport} wrong secret: InvalidSignatureException`, e.name === "InvalidSignatureException", `${e.name}: ${e.message}`);
  } finally {
    wrong.destroy();
  }
}

console.log(`# auth: ${passed} checks passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
