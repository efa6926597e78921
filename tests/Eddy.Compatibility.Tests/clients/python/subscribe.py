"""boto3: SubscribeToShard (enhanced fan-out over HTTP/1.1 chunked event streams) while a writer puts records
concurrently and the stream is split: every record arrives once, in order per partition key, parents before
children (following ChildShards at each shard end); plus the subscription error cases."""

import threading
import time

from kit import Run, shard_id

r = Run("python/subscribe")
s = r.name("efo")

with r.section("setup"):
    r.create(s, 2)
    arn = r.summary(s)["StreamARN"]
    consumer = r.kin.register_stream_consumer(StreamARN=arn, ConsumerName="efo-app")["Consumer"]
    r.eq("new consumer is CREATING", consumer["ConsumerStatus"], "CREATING")
    deadline = time.monotonic() + 30
    while r.kin.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])["ConsumerDescription"]["ConsumerStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError("consumer never became ACTIVE")
        time.sleep(0.1)
    carn = consumer["ConsumerARN"]

acked = {}            # data -> shard id
writer_done = threading.Event()
lock = threading.Lock()
received = {}         # shard id -> [(data, key)]
ended = {}            # shard id -> child shard ids (shard end seen)
problems = []


def writer():
    n = 0
    stop = time.monotonic() + 3.0
    while time.monotonic() < stop:
        batch = [{"Data": str(n + i).encode(), "PartitionKey": f"k{(n + i) % 10}"} for i in range(20)]
        res = r.kin.put_records(StreamName=s, Records=batch)
        with lock:
            for rec, out in zip(batch, res["Records"]):
                acked[rec["Data"].decode()] = out["ShardId"]
        n += 20
        time.sleep(0.02)
    writer_done.set()


def subscriber(shard):
    """Reads one shard from TRIM_HORIZON to its end (closed) or until every acknowledged record of it arrived."""
    got = received.setdefault(shard, [])
    continuation = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        position = {"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": continuation} if continuation else {"Type": "TRIM_HORIZON"}
        stream = r.kin.subscribe_to_shard(ConsumerARN=carn, ShardId=shard, StartingPosition=position)["EventStream"]
        for event in stream:
            e = event["SubscribeToShardEvent"]
            got.extend((x["Data"].decode(), x["PartitionKey"]) for x in e["Records"])
            if e.get("ChildShards"):
                if e.get("ContinuationSequenceNumber"):
                    problems.append(f"{shard}: shard-end event carries a ContinuationSequenceNumber")
                ended[shard] = [c["ShardId"] for c in e["ChildShards"]]
                stream.close()
                return
            continuation = e["ContinuationSequenceNumber"]
            with lock:
                expected = sum(1 for v in acked.values() if v == shard)
            if writer_done.is_set() and len(got) >= expected:
                stream.close()
                return
    problems.append(f"{shard}: did not finish within 60 s")


with r.section("subscribe while writing and splitting"):
    threads = [threading.Thread(target=subscriber, args=(shard_id(i),)) for i in range(2)]
    for t in threads:
        t.start()
    w = threading.Thread(target=writer)
    w.start()
    time.sleep(1.0)
    r.kin.split_shard(StreamName=s, ShardToSplit=shard_id(0), NewStartingHashKey=str(2**126))
    r.wait_status(s)
    for t in threads:
        t.join(90)
    w.join(30)
    r.eq("shard 0 ended with its two children", ended.get(shard_id(0)), [shard_id(2), shard_id(3)])
    children = [threading.Thread(target=subscriber, args=(c,)) for c in ended.get(shard_id(0), [])]
    for t in children:
        t.start()
    for t in children:
        t.join(90)
    r.eq("no problems reported by subscribers", problems, [])
    all_records = [x for shard in received.values() for x in shard]
    datas = [d for d, _ in all_records]
    r.eq("every acknowledged record arrived", sorted(set(datas), key=int), sorted(acked, key=int))
    r.eq("no record arrived twice", len(datas), len(set(datas)))
    r.check("records reached the children after the split", any(received.get(shard_id(i)) for i in (2, 3)), {k: len(v) for k, v in received.items()})
    # per key, parent (shard 0) records come before child records, and counters increase
    ordered = received.get(shard_id(0), []) + received.get(shard_id(2), []) + received.get(shard_id(3), []) + received.get(shard_id(1), [])
    per_key = {}
    for d, k in ordered:
        per_key.setdefault(k, []).append(int(d))
    r.check("every partition key is in order across the split", all(v == sorted(v) for v in per_key.values()),
            {k: v[:20] for k, v in per_key.items() if v != sorted(v)})

with r.section("errors"):
    r.expect_error("second subscription within 5 s", lambda: [
        r.raw.subscribe_to_shard(ConsumerARN=carn, ShardId=shard_id(1), StartingPosition={"Type": "LATEST"}),
        r.raw.subscribe_to_shard(ConsumerARN=carn, ShardId=shard_id(1), StartingPosition={"Type": "LATEST"})],
        "ResourceInUseException")
    r.expect_error("unknown consumer", lambda: r.raw.subscribe_to_shard(
        ConsumerARN=arn + "/consumer/nobody:1", ShardId=shard_id(1), StartingPosition={"Type": "LATEST"}), "ResourceNotFoundException")
    r.expect_error("unknown shard", lambda: r.raw.subscribe_to_shard(
        ConsumerARN=carn, ShardId=shard_id(9), StartingPosition={"Type": "LATEST"}), "ResourceNotFoundException")
    r.expect_error("AT_SEQUENCE_NUMBER without a number", lambda: r.raw.subscribe_to_shard(
        ConsumerARN=carn, ShardId=shard_id(1), StartingPosition={"Type": "AT_SEQUENCE_NUMBER"}), "InvalidArgumentException")

with r.section("cleanup"):
    r.kin.delete_stream(StreamName=s, EnforceConsumerDeletion=True)

r.finish()
