"""boto3: a delivery stream with a Redshift destination whose cluster is a PostgreSQL the test started, its staged
object and COPY manifest read back over the S3 API. The test checks the rows in PostgreSQL afterwards.

Usage: firehose_redshift.py ENDPOINT_URL NAME_PREFIX JDBC_URL USERNAME PASSWORD TABLE
"""
import gzip
import json
import sys
import time
import urllib.request

import boto3
from botocore.config import Config

from kit import ACCOUNT, REGION, Run

r = Run("python/firehose_redshift")
jdbc, user, password, table = sys.argv[3:7]
common = dict(endpoint_url=r.endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
fh = boto3.client("firehose", config=Config(retries={"mode": "standard", "max_attempts": 6}), **common)
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **common)
bucket, name = r.name("stage"), r.name("redshift")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose"


def redshift(copy_options, compression="GZIP", url=None):
    return {
        "RoleARN": ROLE,
        "ClusterJDBCURL": url or jdbc,
        "CopyCommand": {"DataTableName": table, "DataTableColumns": "id,name,amount", "CopyOptions": copy_options},
        "Username": user,
        "Password": password,
        "S3Configuration": {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": "stage/",
                            "CompressionFormat": compression, "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}},
    }


with r.section("Configurations Eddy cannot run are refused"):
    s3.create_bucket(Bucket=bucket)
    r.expect_error("unknown COPY option", lambda: fh.create_delivery_stream(
        DeliveryStreamName=r.name("bad1"), RedshiftDestinationConfiguration=redshift("FIXEDWIDTH 'id:3' GZIP")),
        "InvalidArgumentException", prefix="CopyOptions 'FIXEDWIDTH 'id:3' GZIP' cannot be run by Eddy: FIXEDWIDTH")
    r.expect_error("ZIP intermediate", lambda: fh.create_delivery_stream(
        DeliveryStreamName=r.name("bad2"), RedshiftDestinationConfiguration=redshift("JSON 'auto'", compression="ZIP")),
        "InvalidArgumentException", prefix="Compression format ZIP is not supported")
    r.expect_error("not a JDBC URL", lambda: fh.create_delivery_stream(
        DeliveryStreamName=r.name("bad3"), RedshiftDestinationConfiguration=redshift("JSON 'auto' GZIP", url="jdbc:mysql://127.0.0.1:1/db")),
        "InvalidArgumentException", prefix="1 validation error detected: Value 'jdbc:mysql://127.0.0.1:1/db' at")

with r.section("CreateDeliveryStream to PostgreSQL; Describe shows AWS's defaults, never the password"):
    fh.create_delivery_stream(DeliveryStreamName=name, RedshiftDestinationConfiguration=redshift("json 'auto' gzip timeformat 'auto' region 'us-east-1'"))
    d = fh.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["Destinations"][0]["RedshiftDestinationDescription"]
    r.eq("ClusterJDBCURL", d["ClusterJDBCURL"], jdbc)
    r.eq("RetryOptions default", d["RetryOptions"], {"DurationInSeconds": 3600})
    r.eq("S3BackupMode default", d["S3BackupMode"], "Disabled")
    r.check("no Password", "Password" not in d, d)
    r.eq("intermediate bucket", d["S3DestinationDescription"]["BucketARN"], f"arn:aws:s3:::{bucket}")
    records = [{"id": 1, "name": "ann", "amount": 2.5}, {"id": 2, "name": "bob", "amount": 10}, {"id": 3, "name": None, "extra": "x"}]
    out = fh.put_record_batch(DeliveryStreamName=name, Records=[{"Data": (json.dumps(x) + "\n").encode()} for x in records])
    r.eq("PutRecordBatch FailedPutCount", out["FailedPutCount"], 0)

with r.section("Delivered: the staged object and its manifest, over the S3 API"):
    deadline = time.monotonic() + 60
    delivered = 0
    while time.monotonic() < deadline and delivered < 3:
        with urllib.request.urlopen(r.endpoint + "/_eddy/firehose/metrics") as answer:
            delivered = next((m["DeliveryRecords"] for m in json.load(answer) if m["DeliveryStreamName"] == name), 0)
        time.sleep(0.1)
    r.eq("DeliveryRecords", delivered, 3)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    staged = [k for k in keys if k.endswith(".gz")]
    manifests = [k for k in keys if k.startswith("stage/manifests/")]
    r.eq("one staged object and one manifest", (len(staged), len(manifests), len(keys)), (1, 1, 2))
    if staged and manifests:
        r.check("staged key layout", staged[0].startswith("stage/") and f"/{name}-1-" in staged[0], staged[0])
        r.eq("manifest key", manifests[0], "stage/manifests/" + staged[0][len("stage/"):-len(".gz")])
        body = gzip.decompress(s3.get_object(Bucket=bucket, Key=staged[0])["Body"].read())
        r.eq("staged object: the records, GZIP", body, b"".join((json.dumps(x) + "\n").encode() for x in records))
        manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifests[0])["Body"].read())
        r.eq("manifest", manifest, {"entries": [{"url": f"s3://{bucket}/{staged[0]}", "mandatory": True}]})

r.finish()
