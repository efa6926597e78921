"""boto3's S3 client against Eddy's S3 API with --auth on: signed requests with the right key pass (path and
virtual-host style, a presigned GET), a wrong secret, an unknown key and a key without s3:PutObject are refused with
S3's codes.

Usage: s3_auth.py ENDPOINT BUCKET_PREFIX KEY SECRET READER_KEY READER_SECRET. Prints the summary line the test reads.
"""
import sys
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import localhost_resolver  # noqa: F401  (bucket.localhost → 127.0.0.1)

endpoint, prefix, key, secret, reader_key, reader_secret = sys.argv[1:7]


def client(style, url, key_id, secret_key):
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key_id,
                        aws_secret_access_key=secret_key,
                        config=Config(signature_version="s3v4", s3={"addressing_style": style}, retries={"max_attempts": 1}))


def error_code(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("no error")


port = endpoint.rsplit(":", 1)[1].rstrip("/")
checks = 0
for style, url in (("path", endpoint), ("virtual", "http://localhost:" + port)):
    s3 = client(style, url, key, secret)
    bucket = f"{prefix}-{style}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a/1.txt", Body=b"one" * 1000, ContentType="text/plain")
    assert s3.get_object(Bucket=bucket, Key="a/1.txt")["Body"].read() == b"one" * 1000
    presigned = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "a/1.txt"}, ExpiresIn=300)
    assert "X-Amz-Signature=" in presigned, presigned
    with urllib.request.urlopen(presigned) as answer:
        assert answer.read() == b"one" * 1000
    checks += 1

    wrong = client(style, url, key, secret + "x")
    assert error_code(lambda: wrong.get_object(Bucket=bucket, Key="a/1.txt")) == ("SignatureDoesNotMatch", 403)
    assert error_code(lambda: wrong.put_object(Bucket=bucket, Key="a/2.txt", Body=b"two")) == ("SignatureDoesNotMatch", 403)
    unknown = client(style, url, "AKIDNOBODY", secret)
    assert error_code(lambda: unknown.list_objects_v2(Bucket=bucket)) == ("InvalidAccessKeyId", 403)
    reader = client(style, url, reader_key, reader_secret)
    assert reader.get_object(Bucket=bucket, Key="a/1.txt")["Body"].read() == b"one" * 1000
    assert error_code(lambda: reader.put_object(Bucket=bucket, Key="a/3.txt", Body=b"three")) == ("AccessDenied", 403)
    assert error_code(lambda: s3.head_object(Bucket=bucket, Key="a/2.txt")) == ("404", 404)
    checks += 1

    s3.delete_object(Bucket=bucket, Key="a/1.txt")
    s3.delete_bucket(Bucket=bucket)
print(f"# s3_auth.py: {checks} checks passed, 0 failed")
