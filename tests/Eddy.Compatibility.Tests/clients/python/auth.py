"""boto3 against an Eddy started with --auth on: the right keys pass, a wrong secret, an unknown key and a key whose
policy does not allow the action are refused with AWS's error codes.

Usage: python3 auth.py ENDPOINT_URL STREAM ADMIN_KEY ADMIN_SECRET READER_KEY READER_SECRET
Prints "ok <check>" or "FAIL <check>: <why>" per check and "# auth: N checks passed, M failed"; exits 1 on a failure.
"""

import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, stream, admin_key, admin_secret, reader_key, reader_secret = sys.argv[1:7]
passed = failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {why}")


def client(key, secret):
    return boto3.client(
        "kinesis",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def error_of(call):
    try:
        call()
        return None, None
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")


admin = client(admin_key, admin_secret)
try:
    admin.create_stream(StreamName=stream, ShardCount=1)
    admin.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    names = admin.list_streams()["StreamNames"]
    check("right keys: create_stream and list_streams", stream in names, f"{stream} not in {names}")
    put = admin.put_record(StreamName=stream, Data=b"hello", PartitionKey="k")
    check("right keys: put_record", "SequenceNumber" in put, str(put))
    iterator = admin.get_shard_iterator(StreamName=stream, ShardId=put["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = admin.get_records(ShardIterator=iterator)["Records"]
    check("right keys: get_records reads the record back", [r["Data"] for r in records] == [b"hello"], str(records))
except ClientError as e:
    check("right keys", False, str(e))

code, message = error_of(lambda: client(admin_key, "not-the-secret").list_streams())
check("wrong secret: InvalidSignatureException", code == "InvalidSignatureException", f"{code}: {message}")

code, message = error_of(lambda: client("AKIDNOBODY", admin_secret).list_streams())
check("unknown key: UnrecognizedClientException", code == "UnrecognizedClientException", f"{code}: {message}")

reader = client(reader_key, reader_secret)
code, message = error_of(lambda: reader.put_record(StreamName=stream, Data=b"x", PartitionKey="k"))
check(
    "reader key: put_record is AccessDeniedException",
    code == "AccessDeniedException" and "is not authorized to perform: kinesis:PutRecord" in message,
    f"{code}: {message}",
)
try:
    shard = admin.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = reader.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = reader.get_records(ShardIterator=iterator)["Records"]
    check("reader key: get_shard_iterator and get_records are allowed", len(records) == 1, str(records))
except ClientError as e:
    check("reader key: get_shard_iterator and get_records are allowed", False, str(e))

print(f"# auth: {passed} checks passed, {failed} failed")
sys.exit(1 if failed else 0)
