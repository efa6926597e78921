"""boto3 against Eddy's TLS port: verify=<Eddy's exported PEM> works, verify=False works, and the default trust
store refuses the self-signed certificate (so verification really happens).

Run as `python3 tls.py <https-endpoint> <name-prefix> <eddy.pem>`; prints "ok"/"FAIL" lines like the other scenarios.
"""

import sys

import boto3
from botocore.config import Config
from botocore.exceptions import SSLError

from kit import REGION, SEQ_RE, Run, shard_id

if len(sys.argv) < 4:
    print(f"usage: {sys.argv[0]} HTTPS_ENDPOINT NAME_PREFIX CA_BUNDLE_PEM", file=sys.stderr)
    sys.exit(2)

r = Run("py/tls")
pem = sys.argv[3]


def client(verify):
    return boto3.client(
        "kinesis",
        endpoint_url=r.endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        verify=verify,
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=60),
    )


trusted = client(pem)
stream = r.name("tls")

with r.section("endpoint"):
    r.check("the endpoint is https", r.endpoint.startswith("https://"), r.endpoint)

with r.section("verify=<exported PEM>"):
    out = trusted.list_streams()
    r.check("ListStreams", isinstance(out.get("StreamNames"), list), out)
    trusted.create_stream(StreamName=stream, ShardCount=1)
    trusted.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})
    r.ok("CreateStream, then ACTIVE")
    entries = [{"Data": f"tls-{i}".encode(), "PartitionKey": f"k{i}"} for i in range(50)]
    put = trusted.put_records(StreamName=stream, Records=entries)
    r.eq("PutRecords FailedRecordCount", put["FailedRecordCount"], 0)
    r.check("a sequence number per record", all(SEQ_RE.match(x.get("SequenceNumber", "")) for x in put["Records"]), put["Records"][:2])
    it = trusted.get_shard_iterator(StreamName=stream, ShardId=shard_id(0), ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = trusted.get_records(ShardIterator=it)["Records"]
    r.eq("GetRecords returns them in order", [x["Data"] for x in got], [e["Data"] for e in entries])

with r.section("verify=False"):
    out = client(False).describe_stream_summary(StreamName=stream)
    r.eq("DescribeStreamSummary without verification", out["StreamDescriptionSummary"]["StreamName"], stream)

with r.section("default trust store"):
    try:
        client(None).list_streams()
        r.fail("the self-signed certificate is refused without the PEM", "the call succeeded")
    except SSLError as e:
        r.ok(f"the self-signed certificate is refused without the PEM ({type(e).__name__})")

with r.section("clean up"):
    trusted.delete_stream(StreamName=stream)
    r.ok("DeleteStream")

r.finish()
