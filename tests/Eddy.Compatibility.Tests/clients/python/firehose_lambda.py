"""boto3: a delivery stream with a Lambda processor (the function `upper`, mapped by `eddy serve --function`), its
records read back over the S3 API: Ok records delivered transformed, Dropped ones gone, ProcessingFailed ones in
processing-failed/ as AWS's JSON lines.

Usage: firehose_lambda.py ENDPOINT_URL NAME_PREFIX. The function uppercases a record, drops "drop", fails "fail".
"""
import base64
import json
import time

import boto3
from botocore.config import Config

from kit import ACCOUNT, REGION, Run

r = Run("python/firehose_lambda")
common = dict(endpoint_url=r.endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
fh = boto3.client("firehose", config=Config(retries={"mode": "standard", "max_attempts": 6}), **common)
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **common)
bucket, name = r.name("bucket"), r.name("lambda")
LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:upper"

with r.section("CreateDeliveryStream with a Lambda processor; records in"):
    s3.create_bucket(Bucket=bucket)
    fh.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration={
        "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose",
        "BucketARN": f"arn:aws:s3:::{bucket}",
        "Prefix": "out/",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
        "ProcessingConfiguration": {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": [
            {"ParameterName": "LambdaArn", "ParameterValue": LAMBDA},
            {"ParameterName": "NumberOfRetries", "ParameterValue": "0"}]}]},
    })
    r.eq("described processor", fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["Destinations"][0]
         ["ExtendedS3DestinationDescription"]["ProcessingConfiguration"]["Processors"][0]["Type"], "Lambda")
    out = fh.put_record_batch(DeliveryStreamName=name, Records=[{"Data": d} for d in (b"a\n", b"drop\n", b"fail\n", b"b\n")])
    r.eq("PutRecordBatch FailedPutCount", out["FailedPutCount"], 0)

with r.section("The delivered object and the processing-failed object, over the S3 API"):
    deadline = time.monotonic() + 30
    keys = []
    while time.monotonic() < deadline:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        if len(keys) >= 2:
            break
        time.sleep(0.1)
    delivered = [k for k in keys if k.startswith("out/") and not k.startswith("out/processing-failed/")]
    failed = [k for k in keys if k.startswith("out/processing-failed/")]
    r.eq("two objects", len(keys), 2)
    r.eq("one delivered object", len(delivered), 1)
    r.eq("one processing-failed object", len(failed), 1)
    if delivered:
        r.check("delivered key layout", delivered[0].startswith("out/") and f"/{name}-1-" in delivered[0], delivered[0])
        r.eq("delivered: Ok records transformed, Dropped gone", s3.get_object(Bucket=bucket, Key=delivered[0])["Body"].read(), b"A\nB\n")
    if failed:
        lines = s3.get_object(Bucket=bucket, Key=failed[0])["Body"].read().decode().splitlines()
        r.eq("one failed record", len(lines), 1)
        doc = json.loads(lines[0])
        r.eq("error fields", list(doc), ["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "rawData", "lambdaArn"])
        r.eq("errorCode", doc["errorCode"], "Lambda.ProcessingFailedStatus")
        r.eq("rawData", base64.b64decode(doc["rawData"]), b"fail\n")
        r.eq("lambdaArn", doc["lambdaArn"], LAMBDA)

r.finish()
