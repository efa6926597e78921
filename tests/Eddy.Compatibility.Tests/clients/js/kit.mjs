// Shared helpers for the AWS SDK for JavaScript v3 scenarios run by Eddy.Compatibility.Tests.
//
// Each scenario is run as `node <script>.mjs <endpoint-url> <name-prefix>` against a real Eddy server.
// It prints one line per check ("ok   <check>" or "FAIL <check>: <why>") and exits 1 if any check failed.
// A section that throws is reported as one failure and the script goes on with the next section.

import * as K from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { isDeepStrictEqual, inspect } from "node:util";

export const ACCOUNT = "000000000000";
export const REGION = "us-east-1";
export const HASH_MAX = 2n ** 128n - 1n;
export const SEQ_RE = /^(0|[1-9]\d{0,128})$/;
export const VALIDATION_STREAM_NAME =
  "1 validation error detected: Value 'x y' at 'streamName' failed to satisfy constraint: " +
  "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+";
export const ALL_METRICS = [
  "IncomingBytes",
  "IncomingRecords",
  "OutgoingBytes",
  "OutgoingRecords",
  "WriteProvisionedThroughputExceeded",
  "ReadProvisionedThroughputExceeded",
  "IteratorAgeMilliseconds",
].sort();

export const notFound = (stream) => `Stream ${stream} under account ${ACCOUNT} not found.`;
export const streamArn = (stream) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${stream}`;
export const shardId = (i) => `shardId-${String(i).padStart(12, "0")}`;
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const utf8 = (s) => new TextEncoder().encode(s);
export const text = (bytes) => new TextDecoder().decode(bytes);
export const range = (x) => [BigInt(x.HashKeyRange.StartingHashKey), BigInt(x.HashKeyRange.EndingHashKey)];
export const evenRanges = (n) => {
  const step = 2n ** 128n / BigInt(n);
  return [...Array(n).keys()].map((i) => [BigInt(i) * step, i === n - 1 ? HASH_MAX : (BigInt(i) + 1n) * step - 1n]);
};
const show = (v) => inspect(v, { depth: 6, breakLength: Infinity, maxArrayLength: 30, maxStringLength: 300 });

export class Run {
  constructor(scenario) {
    if (process.argv.length < 3) {
      console.error(`usage: node ${process.argv[1]} ENDPOINT_URL [NAME_PREFIX]`);
      process.exit(2);
    }
    this.scenario = scenario;
    this.endpoint = process.argv[2];
    this.prefix = process.argv[3] ?? `js${Date.now() % 100000}`;
    const common = {
      endpoint: this.endpoint,
      region: REGION,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      // HTTP/1.1: the SDK's default Node handler is HTTP/1.1 too, but pin it explicitly.
      requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 60000 }),
    };
    // Normal client: retries like an application (rate limits, 5xx). Error client: no retries.
    this.kin = new K.KinesisClient({ ...common, maxAttempts: 6 });
    this.raw = new K.KinesisClient({ ...common, maxAttempts: 1 });
    this.passed = 0;
    this.failures = [];
    this.started = Date.now();
    console.log(`# ${scenario}: @aws-sdk/client-kinesis against ${this.endpoint}, prefix ${this.prefix}`);
  }

  name(suffix) {
    return `${this.prefix}-${suffix}`;
  }

  /** Calls operation `op` (e.g. "CreateStream") with the normal client. */
  async call(op, input = {}) {
    const out = await this.kin.send(new K[`${op}Command`](input));
    delete out.$metadata;
    return out;
  }

  /** Calls operation `op` with the no-retry client. */
  async rawCall(op, input = {}) {
    const out = await this.raw.send(new K[`${op}Command`](input));
    delete out.$metadata;
    return out;
  }

  ok(name) {
    this.passed++;
    console.log(`ok   ${name}`);
  }

  fail(name, why) {
    this.failures.push(name);
    console.log(`FAIL ${name}: ${String(why).replaceAll("\n", "\n     ")}`);
  }

  check(name, condition, detail) {
    if (condition) this.ok(name);
    else this.fail(name, detail === undefined ? "condition was false" : typeof detail === "string" ? detail : show(detail));
    return !!condition;
  }

  eq(name, actual, expected) {
    return this.check(name, isDeepStrictEqual(actual, expected), `expected ${show(expected)}, got ${show(actual)}`);
  }

  /** Expects `op` (no-retry client) to fail with `code` (or one of opts.codes) and, if given, the exact
   * opts.message, a message opts.prefix or a regular expression opts.pattern. */
  async expectError(name, op, input, code, opts = {}) {
    let out;
    try {
      out = await this.rawCall(op, input);
    } catch (e) {
      const wanted = opts.codes ?? [code];
      const got = e.name;
      const msg = e.message;
      const status = e.$metadata?.httpStatusCode;
      if (!wanted.includes(got)) return this.fail(name, `expected ${wanted.join(" or ")}, got ${got} (HTTP ${status}): ${show(msg)}`);
      if (opts.message !== undefined && msg !== opts.message) return this.fail(name, `${got} message: expected ${show(opts.message)}, got ${show(msg)}`);
      if (opts.prefix !== undefined && !String(msg).startsWith(opts.prefix)) return this.fail(name, `${got} message: expected to start with ${show(opts.prefix)}, got ${show(msg)}`);
      if (opts.pattern !== undefined && !opts.pattern.test(String(msg))) return this.fail(name, `${got} message: expected to match ${opts.pattern}, got ${show(msg)}`);
      if (status !== 400) return this.fail(name, `${got}: expected HTTP 400, got ${status}`);
      return this.ok(`${name} -> ${got}`);
    }
    return this.fail(name, `expected ${code}, but the call succeeded: ${show(out)}`);
  }

  async section(name, body) {
    console.log(`## ${name}`);
    try {
      await body();
    } catch (e) {
      const where = (e.stack ?? "").split("\n").filter((l) => l.includes("file://") && !l.includes("node_modules")).slice(0, 3).join("\n");
      this.fail(`${name} (section aborted)`, `unexpected ${e.name}: ${show(e.message)}${e.$metadata ? ` (HTTP ${e.$metadata.httpStatusCode})` : ""}\n${where}`);
    }
  }

  finish() {
    const took = ((Date.now() - this.started) / 1000).toFixed(1);
    console.log(`# ${this.scenario}: ${this.passed} checks passed, ${this.failures.length} failed in ${took} s`);
    this.kin.destroy();
    this.raw.destroy();
    process.exit(this.failures.length ? 1 : 0);
  }

  // ---- helpers ---------------------------------------------------------------------------------------
  async summary(stream) {
    return (await this.call("DescribeStreamSummary", { StreamName: stream })).StreamDescriptionSummary;
  }

  async waitStatus(stream, status = "ACTIVE", mode = undefined, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      last = await this.summary(stream);
      if (last.StreamStatus === status && (mode === undefined || last.StreamModeDetails?.StreamMode === mode)) return last;
      await sleep(50);
    }
    throw new Error(`stream ${stream} did not reach ${status}; last summary ${show(last)}`);
  }

  async waitGone(stream, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        await this.summary(stream);
      } catch (e) {
        if (e.name === "ResourceNotFoundException") return;
        throw e;
      }
      await sleep(50);
    }
    throw new Error(`stream ${stream} was not deleted`);
  }

  async create(stream, shards = 1, extra = {}) {
    const input = { StreamName: stream, ...extra };
    if (!extra.StreamModeDetails) input.ShardCount = shards;
    await this.call("CreateStream", input);
    return this.waitStatus(stream);
  }

  async waitConsumer(consumerArn, status = "ACTIVE", timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      last = (await this.call("DescribeStreamConsumer", { ConsumerARN: consumerArn })).ConsumerDescription;
      if (last.ConsumerStatus === status) return last;
      await sleep(50);
    }
    throw new Error(`consumer ${consumerArn} did not reach ${status}; last ${show(last)}`);
  }

  async waitConsumerGone(consumerArn, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        await this.call("DescribeStreamConsumer", { ConsumerARN: consumerArn });
      } catch (e) {
        if (e.name === "ResourceNotFoundException") return;
        throw e;
      }
      await sleep(50);
    }
    throw new Error(`consumer ${consumerArn} was not deregistered`);
  }

  async iterator(stream, shard, type, extra = {}) {
    return (await this.call("GetShardIterator", { StreamName: stream, ShardId: shard, ShardIteratorType: type, ...extra })).ShardIterator;
  }

  /** Reads a shard until NextShardIterator is absent (untilEnd) or an empty caught-up response. */
  async readShard(stream, shard, { type = "TRIM_HORIZON", untilEnd = false, extra = {}, maxCalls = 50 } = {}) {
    let it = await this.iterator(stream, shard, type, extra);
    const records = [];
    const responses = [];
    for (let i = 0; i < maxCalls; i++) {
      const resp = await this.call("GetRecords", { ShardIterator: it });
      responses.push(resp);
      records.push(...resp.Records);
      it = resp.NextShardIterator;
      if (!it || (!untilEnd && resp.Records.length === 0 && (resp.MillisBehindLatest ?? 0) === 0)) break;
    }
    return { records, end: responses.at(-1), responses };
  }
}
