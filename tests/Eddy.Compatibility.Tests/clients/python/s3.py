"""boto3's S3 client against Eddy's S3 API, path style and virtual-host style (bucket.localhost).

Usage: s3.py ENDPOINT BUCKET_PREFIX. *.localhost is mapped to 127.0.0.1 in this process (the machine's resolver may
not know it). Prints the summary line the test reads at the end; any failed check raises.
"""
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import localhost_resolver  # noqa: F401  (bucket.localhost → 127.0.0.1)

endpoint, prefix = sys.argv[1], sys.argv[2]


def client(style, url):
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(s3={"addressing_style": style}))


def error_code(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("no error")


port = endpoint.rsplit(":", 1)[1].rstrip("/")
for style, url in (("path", endpoint), ("virtual", "http://localhost:" + port)):
    s3 = client(style, url)
    bucket = f"{prefix}-{style}"
    s3.create_bucket(Bucket=bucket)
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.head_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a/1.txt", Body=b"one", ContentType="text/plain", Metadata={"k": "v"})
    s3.put_object(Bucket=bucket, Key="a/2.txt", Body=b"two")
    s3.put_object(Bucket=bucket, Key="b/x y+z.txt", Body=b"three")
    got = s3.get_object(Bucket=bucket, Key="a/1.txt")
    assert got["Body"].read() == b"one"
    assert got["ContentType"] == "text/plain" and got["Metadata"] == {"k": "v"}, got
    assert s3.get_object(Bucket=bucket, Key="a/2.txt", Range="bytes=1-")["Body"].read() == b"wo"
    head = s3.head_object(Bucket=bucket, Key="b/x y+z.txt")
    assert head["ContentLength"] == 5
    listing = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in listing["CommonPrefixes"]] == ["a/", "b/"], listing
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 1}):
        keys += [o["Key"] for o in page.get("Contents", [])]
    assert keys == ["a/1.txt", "a/2.txt", "b/x y+z.txt"], keys
    v1 = s3.list_objects(Bucket=bucket, Prefix="a/")
    assert [o["Key"] for o in v1["Contents"]] == ["a/1.txt", "a/2.txt"]
    assert error_code(lambda: s3.get_object(Bucket=bucket, Key="missing")) == ("NoSuchKey", 404)
    assert error_code(lambda: s3.head_object(Bucket=bucket, Key="missing")) == ("404", 404)
    assert error_code(lambda: s3.list_objects_v2(Bucket=bucket + "-none")) == ("NoSuchBucket", 404)
    assert error_code(lambda: s3.delete_bucket(Bucket=bucket)) == ("BucketNotEmpty", 409)
    s3.copy_object(Bucket=bucket, Key="c/copy.txt", CopySource={"Bucket": bucket, "Key": "a/1.txt"})
    assert s3.get_object(Bucket=bucket, Key="c/copy.txt")["Body"].read() == b"one"
    deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys + ["c/copy.txt"]]})
    assert len(deleted["Deleted"]) == 4, deleted
    s3.delete_bucket(Bucket=bucket)
    assert error_code(lambda: s3.head_bucket(Bucket=bucket)) == ("404", 404)
print("# s3.py: 2 checks passed, 0 failed")
