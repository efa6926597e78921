"""boto3: Firehose dynamic partitioning and a Kinesis stream source, read back over the S3 API.

1. A delivery stream with DynamicPartitioningConfiguration and a MetadataExtraction (jq) query: one object per
   partition under `customer_id=<id>/year=<yyyy>/`, records that are not JSON under the error output
   `errors/partitioning-failed/`; the configuration rules (ErrorOutputPrefix mandatory, never disabled).
2. A KinesisStreamAsSource delivery stream with a Lambda processor (the function `meta`, mapped by `eddy serve
   --function`; the test checks what it received): a plain record and a KPL aggregate (kpl-kcl.md §1's test vector)
   put to the stream arrive de-aggregated.

Usage: firehose_dynamic.py ENDPOINT_URL NAME_PREFIX.
"""
import base64
import json
import re
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from kit import ACCOUNT, REGION, Run

r = Run("python/firehose_dynamic")
common = dict(endpoint_url=r.endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
fh = boto3.client("firehose", config=Config(retries={"mode": "standard", "max_attempts": 6}), **common)
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **common)
ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
bucket, parted, fromkds, source = r.name("bucket"), r.name("parted"), r.name("fromkds"), r.name("src")
QUERY = '{customer_id:.customer_id,year:.event_timestamp|strftime("%Y")}'


def partitioned(prefix="customer_id=!{partitionKeyFromQuery:customer_id}/year=!{partitionKeyFromQuery:year}/", error="errors/!{firehose:error-output-type}/"):
    config = {
        "RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": prefix,
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
        "DynamicPartitioningConfiguration": {"Enabled": True},
        "ProcessingConfiguration": {"Enabled": True, "Processors": [
            {"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": QUERY},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]},
            {"Type": "AppendDelimiterToRecord", "Parameters": [{"ParameterName": "Delimiter", "ParameterValue": "\\n"}]}]},
    }
    if error is not None:
        config["ErrorOutputPrefix"] = error
    return config


def wait_active(name, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        d = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        if d["DeliveryStreamStatus"] == "ACTIVE":
            return d
        time.sleep(0.05)
    return d


def objects(prefix, records, timeout=30.0):
    """Keys under prefix and their lines, once `records` lines have arrived (or the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
        lines = {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read().decode().splitlines() for k in keys}
        if sum(len(v) for v in lines.values()) >= records or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def refused(name, call, message):
    try:
        call()
    except ClientError as e:
        err = e.response["Error"]
        r.check(f"{name} -> InvalidArgumentException", err["Code"] == "InvalidArgumentException" and err["Message"] == message, err)
        return
    r.fail(name, "the call succeeded")


with r.section("Dynamic partitioning: the configuration rules"):
    s3.create_bucket(Bucket=bucket)
    refused("partitioning without ErrorOutputPrefix", lambda: fh.create_delivery_stream(
        DeliveryStreamName=r.name("noerr"), ExtendedS3DestinationConfiguration=partitioned(error=None)),
        "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.")
    refused("partitioning with a Prefix without partition keys", lambda: fh.create_delivery_stream(
        DeliveryStreamName=r.name("nokeys"), ExtendedS3DestinationConfiguration=partitioned(prefix="plain/")),
        "When dynamic partitioning is enabled, Prefix must contain at least one partition key expression "
        "(!{partitionKeyFromQuery:KEY} or !{partitionKeyFromLambda:KEY}).")
    fh.create_delivery_stream(DeliveryStreamName=parted, ExtendedS3DestinationConfiguration=partitioned())
    d = wait_active(parted)
    dp = d["Destinations"][0]["ExtendedS3DestinationDescription"]["DynamicPartitioningConfiguration"]
    r.eq("Describe: DynamicPartitioningConfiguration with the default retry", dp, {"Enabled": True, "RetryOptions": {"DurationInSeconds": 300}})
    refused("UpdateDestination disabling partitioning", lambda: fh.update_destination(
        DeliveryStreamName=parted, CurrentDeliveryStreamVersionId="1", DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"DynamicPartitioningConfiguration": {"Enabled": False}}),
        "Dynamic partitioning cannot be disabled once it is enabled.")

with r.section("Dynamic partitioning: records in, partitioned keys listed over S3"):
    records = [
        {"customer_id": "1234567890", "type": {"device": "mobile"}, "event_timestamp": 1565382027},
        {"customer_id": "42", "event_timestamp": 1700000000},
        {"customer_id": "1234567890", "event_timestamp": 1565382028},
    ]
    out = fh.put_record_batch(DeliveryStreamName=parted, Records=[{"Data": json.dumps(x).encode()} for x in records] + [{"Data": b"not json"}])
    r.eq("PutRecordBatch FailedPutCount", out["FailedPutCount"], 0)
    lines = objects("", 4)
    by_partition = {}
    for key, content in lines.items():
        if key.startswith("errors/"):
            continue
        m = re.match(rf"^(customer_id=[^/]+/year=\d{{4}}/){parted}-1-\d{{4}}(-\d{{2}}){{5}}-{UUID}$", key)
        r.check(f"partitioned key layout: {key}", m is not None, key)
        if m:
            by_partition.setdefault(m.group(1), []).extend(json.loads(x)["event_timestamp"] for x in content)
    r.eq("records by partition", {k: sorted(v) for k, v in by_partition.items()},
         {"customer_id=1234567890/year=2019/": [1565382027, 1565382028], "customer_id=42/year=2023/": [1700000000]})
    errors = [k for k in lines if k.startswith("errors/")]
    r.check("one error object under errors/partitioning-failed/",
            len(errors) == 1 and re.match(rf"^errors/partitioning-failed/{parted}-1-\d{{4}}(-\d{{2}}){{5}}-{UUID}$", errors[0]), errors)
    if errors:
        doc = json.loads(lines[errors[0]][0])
        r.eq("error record: errorCode", doc["errorCode"], "DynamicPartitioning.MetadataExtractionFailed")
        r.eq("error record: rawData", base64.b64decode(doc["rawData"]), b"not json")

with r.section("KinesisStreamAsSource: kinesisRecordMetadata and KPL de-aggregation through a Lambda processor"):
    r.create(source, 1)
    r.wait_status(source)
    source_arn = r.summary(source)["StreamARN"]
    fh.create_delivery_stream(DeliveryStreamName=fromkds, DeliveryStreamType="KinesisStreamAsSource",
                              KinesisStreamSourceConfiguration={"KinesisStreamARN": source_arn, "RoleARN": ROLE},
                              ExtendedS3DestinationConfiguration={
                                  "RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": "kds/",
                                  "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
                                  "ProcessingConfiguration": {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": [
                                      {"ParameterName": "LambdaArn", "ParameterValue": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:meta"}]}]}})
    wait_active(fromkds)
    # kpl-kcl.md §1's test vector: ("pk-a", "hello"), ("pk-b", "world"), ("pk-a", "!").
    aggregate = base64.b64decode("84mawgoEcGstYQoEcGstYhoJCAAaBWhlbGxvGgkIARoFd29ybGQaBQgAGgEh8ugKrg0t7te4+yiAtUFtMg==")
    r.kin.put_record(StreamName=source, PartitionKey="pk-plain", Data=b"plain")
    r.kin.put_record(StreamName=source, PartitionKey="outer", Data=aggregate)
    lines = objects("kds/", 4)
    r.eq("delivered: the plain record and the aggregate's user records", sorted(x for v in lines.values() for x in v), sorted(["plain", "hello", "world", "!"]))

r.finish()
