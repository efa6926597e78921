"""boto3 firehose: every operation of the Firehose API, the defaults AWS fills in, and the errors."""

import re
import time

import boto3
from botocore.config import Config

from kit import ACCOUNT, REGION, Run

r = Run("python/firehose")
common = dict(endpoint_url=r.endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
fh = boto3.client("firehose", config=Config(retries={"mode": "standard", "max_attempts": 6}), **common)
raw = boto3.client("firehose", config=Config(retries={"mode": "standard", "total_max_attempts": 1}, parameter_validation=False), **common)
ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose"
plain, ext, src, missing = r.name("plain"), r.name("ext"), r.name("src"), r.name("missing")
DEST = "destinationId-000000000001"


def arn(name):
    return f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{name}"


def wait_active(name, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        d = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        if d["DeliveryStreamStatus"] == "ACTIVE" or time.monotonic() > deadline:
            return d
        time.sleep(0.05)


def expect(name, call, code, message=None):
    try:
        out = call()
    except raw.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        msg = e.response["Error"].get("Message")
        if got != code:
            return r.fail(name, f"expected {code}, got {got}: {msg}")
        if message is not None and msg != message:
            return r.fail(name, f"{got} message: expected {message!r}, got {msg!r}")
        return r.ok(f"{name} -> {got}")
    r.fail(name, f"expected {code}, but the call succeeded: {out}")


with r.section("CreateDeliveryStream with the deprecated S3 shape: AWS's defaults"):
    out = fh.create_delivery_stream(DeliveryStreamName=plain, S3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b"})
    r.eq("CreateDeliveryStream: ARN", out["DeliveryStreamARN"], arn(plain))
    d = fh.describe_delivery_stream(DeliveryStreamName=plain)["DeliveryStreamDescription"]
    r.check("status CREATING or ACTIVE", d["DeliveryStreamStatus"] in ("CREATING", "ACTIVE"), d["DeliveryStreamStatus"])
    r.eq("then ACTIVE", wait_active(plain)["DeliveryStreamStatus"], "ACTIVE")
    r.eq("VersionId starts at 1", d["VersionId"], "1")
    r.eq("DeliveryStreamType defaults to DirectPut", d["DeliveryStreamType"], "DirectPut")
    dest = d["Destinations"][0]
    r.eq("DestinationId", dest["DestinationId"], DEST)
    s3 = dest["S3DestinationDescription"]
    r.eq("default BufferingHints", s3["BufferingHints"], {"SizeInMBs": 5, "IntervalInSeconds": 300})
    r.eq("default CompressionFormat", s3["CompressionFormat"], "UNCOMPRESSED")
    r.eq("default EncryptionConfiguration", s3["EncryptionConfiguration"], {"NoEncryptionConfig": "NoEncryption"})
    r.check("described as ExtendedS3 too", "ExtendedS3DestinationDescription" in dest, dest.keys())
    r.eq("HasMoreDestinations", d["HasMoreDestinations"], False)
    expect("CreateDeliveryStream: the name exists", lambda: raw.create_delivery_stream(
        DeliveryStreamName=plain, S3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b"}), "ResourceInUseException")

with r.section("CreateDeliveryStream with ExtendedS3, prefixes, GZIP, tags"):
    fh.create_delivery_stream(
        DeliveryStreamName=ext,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b", "Prefix": "p/!{timestamp:yyyy/MM/dd}/",
            "ErrorOutputPrefix": "e/!{firehose:error-output-type}/", "CompressionFormat": "GZIP",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
        },
        Tags=[{"Key": "team", "Value": "eddy"}],
    )
    wait_active(ext)
    e = fh.describe_delivery_stream(DeliveryStreamName=ext)["DeliveryStreamDescription"]["Destinations"][0]["ExtendedS3DestinationDescription"]
    r.eq("Prefix as configured", e["Prefix"], "p/!{timestamp:yyyy/MM/dd}/")
    r.eq("CompressionFormat as configured", e["CompressionFormat"], "GZIP")
    expect("a Prefix with expressions needs an ErrorOutputPrefix", lambda: raw.create_delivery_stream(
        DeliveryStreamName=r.name("bad"), ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b", "Prefix": "!{timestamp:yyyy}/"}),
        "InvalidArgumentException")
    expect("no destination", lambda: raw.create_delivery_stream(DeliveryStreamName=r.name("none")), "InvalidArgumentException")
    expect("an unknown compression", lambda: raw.create_delivery_stream(
        DeliveryStreamName=r.name("zz"), ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b", "CompressionFormat": "LZ4"}),
        "InvalidArgumentException")

with r.section("ListDeliveryStreams"):
    names = fh.list_delivery_streams(Limit=10000)["DeliveryStreamNames"]
    r.check("both listed", plain in names and ext in names, names)
    r.eq("sorted", names, sorted(names))
    page = fh.list_delivery_streams(Limit=1, ExclusiveStartDeliveryStreamName=ext)
    r.check("ExclusiveStartDeliveryStreamName: strictly after", all(n > ext for n in page["DeliveryStreamNames"]), page)

with r.section("PutRecord and PutRecordBatch"):
    one = fh.put_record(DeliveryStreamName=ext, Record={"Data": b"hello\n"})
    r.check("PutRecord: RecordId", isinstance(one.get("RecordId"), str) and one["RecordId"], one)
    r.eq("PutRecord: Encrypted", one.get("Encrypted"), False)
    batch = fh.put_record_batch(DeliveryStreamName=ext, Records=[{"Data": b"x%d\n" % i} for i in range(500)])
    r.eq("PutRecordBatch: FailedPutCount", batch["FailedPutCount"], 0)
    r.eq("PutRecordBatch: one response per record", len(batch["RequestResponses"]), 500)
    r.eq("RecordIds are unique", len({x["RecordId"] for x in batch["RequestResponses"]}), 500)
    expect("501 records", lambda: raw.put_record_batch(DeliveryStreamName=ext, Records=[{"Data": b"x"}] * 501), "InvalidArgumentException")
    expect("500 x 9000 bytes (over 4 MiB)", lambda: raw.put_record_batch(DeliveryStreamName=ext, Records=[{"Data": b"y" * 9000}] * 500), "InvalidArgumentException")
    expect("a record over 1000 KiB", lambda: raw.put_record(DeliveryStreamName=ext, Record={"Data": b"z" * 1_024_001}), "InvalidArgumentException")
    expect("PutRecord: unknown delivery stream", lambda: raw.put_record(DeliveryStreamName=missing, Record={"Data": b"x"}),
           "ResourceNotFoundException", f"Firehose {missing} under account {ACCOUNT} not found.")

with r.section("UpdateDestination"):
    fh.update_destination(DeliveryStreamName=ext, CurrentDeliveryStreamVersionId="1", DestinationId=DEST,
                          ExtendedS3DestinationUpdate={"BufferingHints": {"SizeInMBs": 2, "IntervalInSeconds": 60}})
    d = fh.describe_delivery_stream(DeliveryStreamName=ext)["DeliveryStreamDescription"]
    e = d["Destinations"][0]["ExtendedS3DestinationDescription"]
    r.eq("VersionId + 1", d["VersionId"], "2")
    r.eq("merged: new hints", e["BufferingHints"], {"SizeInMBs": 2, "IntervalInSeconds": 60})
    r.eq("merged: old compression kept", e["CompressionFormat"], "GZIP")
    r.check("LastUpdateTimestamp set", "LastUpdateTimestamp" in d, d.keys())
    expect("a stale version", lambda: raw.update_destination(DeliveryStreamName=ext, CurrentDeliveryStreamVersionId="1", DestinationId=DEST,
                                                             ExtendedS3DestinationUpdate={"Prefix": "q/"}), "ConcurrentModificationException")
    expect("an unknown destination id", lambda: raw.update_destination(DeliveryStreamName=ext, CurrentDeliveryStreamVersionId="2",
                                                                      DestinationId="destinationId-000000000009", ExtendedS3DestinationUpdate={"Prefix": "q/"}),
           "InvalidArgumentException")

with r.section("Tags"):
    fh.tag_delivery_stream(DeliveryStreamName=ext, Tags=[{"Key": "a", "Value": "1"}, {"Key": "team", "Value": "firehose"}])
    tags = fh.list_tags_for_delivery_stream(DeliveryStreamName=ext)
    r.eq("tags upserted, in key order", tags["Tags"], [{"Key": "a", "Value": "1"}, {"Key": "team", "Value": "firehose"}])
    page = fh.list_tags_for_delivery_stream(DeliveryStreamName=ext, Limit=1)
    r.eq("Limit 1: HasMoreTags", (len(page["Tags"]), page["HasMoreTags"]), (1, True))
    after = fh.list_tags_for_delivery_stream(DeliveryStreamName=ext, ExclusiveStartTagKey="a")
    r.eq("ExclusiveStartTagKey", [t["Key"] for t in after["Tags"]], ["team"])
    fh.untag_delivery_stream(DeliveryStreamName=ext, TagKeys=["a", "unknown"])
    r.eq("untagged (unknown keys ignored)", fh.list_tags_for_delivery_stream(DeliveryStreamName=ext)["Tags"], [{"Key": "team", "Value": "firehose"}])
    expect("more than 50 tags", lambda: raw.tag_delivery_stream(DeliveryStreamName=ext, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)]),
           "LimitExceededException")

with r.section("Server-side encryption"):
    fh.start_delivery_stream_encryption(DeliveryStreamName=ext, DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"})
    enc = fh.describe_delivery_stream(DeliveryStreamName=ext)["DeliveryStreamDescription"]["DeliveryStreamEncryptionConfiguration"]
    r.eq("encryption ENABLED", (enc["Status"], enc.get("KeyType")), ("ENABLED", "AWS_OWNED_CMK"))
    r.eq("puts say Encrypted", fh.put_record(DeliveryStreamName=ext, Record={"Data": b"e\n"})["Encrypted"], True)
    fh.stop_delivery_stream_encryption(DeliveryStreamName=ext)
    enc = fh.describe_delivery_stream(DeliveryStreamName=ext)["DeliveryStreamDescription"]["DeliveryStreamEncryptionConfiguration"]
    r.eq("encryption DISABLED", enc["Status"], "DISABLED")
    expect("CUSTOMER_MANAGED_CMK without a key", lambda: raw.start_delivery_stream_encryption(
        DeliveryStreamName=ext, DeliveryStreamEncryptionConfigurationInput={"KeyType": "CUSTOMER_MANAGED_CMK"}), "InvalidArgumentException")

with r.section("KinesisStreamAsSource"):
    stream = r.name("kds")
    r.create(stream, 1)
    r.wait_status(stream)
    stream_arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"
    fh.create_delivery_stream(DeliveryStreamName=src, DeliveryStreamType="KinesisStreamAsSource",
                              KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
                              ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b"})
    d = wait_active(src)
    r.eq("type", d["DeliveryStreamType"], "KinesisStreamAsSource")
    r.eq("source described", d["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"], stream_arn)
    expect("PutRecord is refused", lambda: raw.put_record(DeliveryStreamName=src, Record={"Data": b"x"}), "InvalidArgumentException")
    r.check("ListDeliveryStreams filters by type", fh.list_delivery_streams(DeliveryStreamType="KinesisStreamAsSource")["DeliveryStreamNames"] == [src],
            fh.list_delivery_streams(DeliveryStreamType="KinesisStreamAsSource"))
    expect("a source stream that does not exist", lambda: raw.create_delivery_stream(
        DeliveryStreamName=r.name("nosrc"), DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn + "-nope", "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b"}), "InvalidArgumentException")

with r.section("Delivery into the embedded bucket store, read back over the S3 API"):
    s3 = boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 6}), **common)
    bucket = r.name("bucket").lower()
    s3.create_bucket(Bucket=bucket)

    def objects(prefix, want, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
            data = b"".join(s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in sorted(keys))
            if len(data) >= want or time.monotonic() > deadline:
                return keys, data
            time.sleep(0.05)

    direct = r.name("direct")
    fh.create_delivery_stream(DeliveryStreamName=direct, ExtendedS3DestinationConfiguration={
        "RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": "direct/", "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}})
    wait_active(direct)
    fh.put_record_batch(DeliveryStreamName=direct, Records=[{"Data": b"hello\n"}] * 3)
    keys, data = objects("direct/", 18)
    r.eq("DirectPut: the records, concatenated", data, b"hello\n" * 3)
    r.check("DirectPut: key layout", all(re.match(rf"^direct/\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{direct}-1-\d{{4}}(-\d{{2}}){{5}}-[0-9a-f-]{{36}}$", k) for k in keys), keys)

    source = r.name("kds-src")
    r.create(source, 2)
    r.wait_status(source)
    fromkds = r.name("fromkds")
    fh.create_delivery_stream(DeliveryStreamName=fromkds, DeliveryStreamType="KinesisStreamAsSource",
                              KinesisStreamSourceConfiguration={"KinesisStreamARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{source}", "RoleARN": ROLE},
                              ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": "kds/",
                                                                  "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}})
    wait_active(fromkds)
    for i in range(10):
        r.kin.put_record(StreamName=source, PartitionKey=f"k{i}", Data=b"r%d\n" % i)
    keys, data = objects("kds/", 30)
    r.eq("KinesisStreamAsSource: every record of every shard, once", sorted(data.decode().split()), sorted(f"r{i}" for i in range(10)))
    fh.delete_delivery_stream(DeliveryStreamName=fromkds)
    fh.delete_delivery_stream(DeliveryStreamName=direct)

with r.section("DescribeDeliveryStream / DeleteDeliveryStream"):
    expect("Describe: unknown", lambda: raw.describe_delivery_stream(DeliveryStreamName=missing), "ResourceNotFoundException",
           f"Firehose {missing} under account {ACCOUNT} not found.")
    for name in (plain, ext, src):
        fh.delete_delivery_stream(DeliveryStreamName=name)
    try:
        status = fh.describe_delivery_stream(DeliveryStreamName=plain)["DeliveryStreamDescription"]["DeliveryStreamStatus"]
    except fh.exceptions.ResourceNotFoundException:
        status = "gone"
    r.check("right after DeleteDeliveryStream: DELETING (or already gone)", status in ("DELETING", "gone"), status)
    deadline = time.monotonic() + 30
    while {plain, ext, src} & set(fh.list_delivery_streams(Limit=10000)["DeliveryStreamNames"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    r.check("deleted streams are gone", not ({plain, ext, src} & set(fh.list_delivery_streams(Limit=10000)["DeliveryStreamNames"])), "still listed")
    expect("Delete: unknown", lambda: raw.delete_delivery_stream(DeliveryStreamName=missing), "ResourceNotFoundException")

r.finish()
