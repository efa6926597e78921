"""Shared helpers for the boto3 scenarios run by Eddy.Compatibility.Tests.

Each scenario script is run as `python3 <script> <endpoint-url> <name-prefix>` against a real Eddy server.
It prints one line per check ("ok   <check>" or "FAIL <check>: <why>") and exits 1 if any check failed.
A section that raises an unexpected exception is reported as one failure and the script goes on with
the next section, so a single run lists every deviation it can see.
"""

import contextlib
import datetime
import re
import sys
import time
import traceback

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
REGION = "us-east-1"
HASH_MAX = 2**128 - 1
SEQ_RE = re.compile(r"^(0|[1-9]\d{0,128})$")
VALIDATION_STREAM_NAME = (
    "1 validation error detected: Value 'x y' at 'streamName' failed to satisfy constraint: "
    "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
)
ALL_METRICS = {
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
}


def not_found(stream):
    return f"Stream {stream} under account {ACCOUNT} not found."


def stream_arn(stream):
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"


def shard_id(i):
    return f"shardId-{i:012d}"


def even_ranges(n):
    step = 2**128 // n
    return [(i * step, HASH_MAX if i == n - 1 else (i + 1) * step - 1) for i in range(n)]


class Run:
    def __init__(self, scenario):
        if len(sys.argv) < 2:
            print(f"usage: {sys.argv[0]} ENDPOINT_URL [NAME_PREFIX]", file=sys.stderr)
            sys.exit(2)
        self.scenario = scenario
        self.endpoint = sys.argv[1]
        self.prefix = sys.argv[2] if len(sys.argv) > 2 else f"py{int(time.time()) % 100000}"
        common = dict(
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        # The normal client retries like an application would (rate limits, 5xx).
        self.kin = boto3.client(
            "kinesis",
            config=Config(retries={"mode": "standard", "max_attempts": 6}, connect_timeout=5, read_timeout=60),
            **common,
        )
        # The error client never retries and skips botocore's own parameter checks, so the server's
        # answer to an invalid request is what the check sees.
        self.raw = boto3.client(
            "kinesis",
            config=Config(
                retries={"mode": "standard", "total_max_attempts": 1},
                parameter_validation=False,
                connect_timeout=5,
                read_timeout=60,
            ),
            **common,
        )
        self.passed = 0
        self.skipped = 0
        self.failures = []
        self.started = time.monotonic()
        self.model = self.kin.meta.service_model
        print(f"# {scenario}: boto3 {boto3.__version__} (botocore {botocore.__version__}) against {self.endpoint}, prefix {self.prefix}")

    # ---- what the installed botocore models --------------------------------------------------------
    # Debian 12's python3-boto3 (botocore 1.29) predates ten Kinesis operations and several members
    # (StreamARN inputs, ListStreams NextToken/StreamSummaries, Tags on CreateStream, ...). Checks that
    # need them are reported as "skip" there instead of failing; with a current botocore nothing is skipped.
    def has(self, *names):
        """True if every name is modelled: "Operation" or "Shape.Member"."""
        for n in names:
            if "." in n:
                shape, member = n.split(".", 1)
                try:
                    if member not in self.model.shape_for(shape).members:
                        return False
                except Exception:  # noqa: BLE001 - unknown shape
                    return False
            elif n not in self.model.operation_names:
                return False
        return True

    def needs(self, what, *names):
        """Returns True if the installed botocore models `names`; otherwise prints a skip line for `what`."""
        if self.has(*names):
            return True
        missing = [n for n in names if not self.has(n)]
        self.skipped += 1
        print(f"skip {what}: botocore {botocore.__version__} does not model {', '.join(missing)}")
        return False

    # ---- reporting -------------------------------------------------------------------------------
    def ok(self, name):
        self.passed += 1
        print(f"ok   {name}")

    def fail(self, name, why):
        self.failures.append(name)
        why = str(why).replace("\n", "\n     ")
        print(f"FAIL {name}: {why}")

    def check(self, name, condition, detail=""):
        if condition:
            self.ok(name)
        else:
            self.fail(name, detail or "condition was false")
        return bool(condition)

    def eq(self, name, actual, expected):
        return self.check(name, actual == expected, f"expected {expected!r}, got {actual!r}")

    def expect_error(self, name, call, code, message=None, prefix=None, pattern=None, codes=None):
        """Runs call() (a lambda using self.raw) and checks that it fails with `code` (or one of `codes`)
        and, if given, the exact `message`, a message `prefix` or a regular expression `pattern`."""
        try:
            result = call()
        except ClientError as e:
            err = e.response.get("Error", {})
            got_code, got_msg = err.get("Code"), err.get("Message")
            wanted = codes or [code]
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if got_code not in wanted:
                self.fail(name, f"expected {' or '.join(wanted)}, got {got_code} (HTTP {status}): {got_msg!r}")
                return e
            if message is not None and got_msg != message:
                self.fail(name, f"{got_code} message: expected {message!r}, got {got_msg!r}")
                return e
            if prefix is not None and not (got_msg or "").startswith(prefix):
                self.fail(name, f"{got_code} message: expected to start with {prefix!r}, got {got_msg!r}")
                return e
            if pattern is not None and not re.search(pattern, got_msg or ""):
                self.fail(name, f"{got_code} message: expected to match {pattern!r}, got {got_msg!r}")
                return e
            self.ok(f"{name} -> {got_code}")
            return e
        except Exception as e:  # noqa: BLE001 - reported as a failure
            self.fail(name, f"expected {code}, got {type(e).__name__}: {e}")
            return e
        meta = result.pop("ResponseMetadata", None) if isinstance(result, dict) else None
        self.fail(name, f"expected {code}, but the call succeeded: {result!r}")
        return meta

    @contextlib.contextmanager
    def section(self, name):
        print(f"## {name}")
        try:
            yield
        except ClientError as e:
            err = e.response.get("Error", {})
            self.fail(f"{name} (section aborted)", f"unexpected {err.get('Code')}: {err.get('Message')!r} in {e.operation_name}\n{where(e)}")
        except Exception as e:  # noqa: BLE001 - reported as a failure
            self.fail(f"{name} (section aborted)", f"{type(e).__name__}: {e}\n{where(e)}")

    def finish(self):
        took = time.monotonic() - self.started
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        print(f"# {self.scenario}: {self.passed} checks passed, {len(self.failures)} failed{skipped} in {took:.1f} s")
        sys.exit(1 if self.failures else 0)

    # ---- helpers -------------------------------------------------------------------------------------
    def name(self, suffix):
        return f"{self.prefix}-{suffix}"

    def summary(self, stream):
        return self.kin.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]

    def wait_status(self, stream, status="ACTIVE", timeout=30.0, mode=None):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.summary(stream)
            if last["StreamStatus"] == status and (mode is None or last.get("StreamModeDetails", {}).get("StreamMode") == mode):
                return last
            time.sleep(0.05)
        raise TimeoutError(f"stream {stream} did not reach {status}{'/' + mode if mode else ''}; last summary {last!r}")

    def wait_gone(self, stream, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.kin.describe_stream_summary(StreamName=stream)
            except ClientError as e:
                if e.response["Error"]["Code"] == "ResourceNotFoundException":
                    return
                raise
            time.sleep(0.05)
        raise TimeoutError(f"stream {stream} was not deleted within {timeout} s")

    def create(self, stream, shards=1, **kwargs):
        if "StreamModeDetails" not in kwargs:
            kwargs["ShardCount"] = shards
        self.kin.create_stream(StreamName=stream, **kwargs)
        return self.wait_status(stream)

    def wait_consumer(self, consumer_arn, status="ACTIVE", timeout=30.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.kin.describe_stream_consumer(ConsumerARN=consumer_arn)["ConsumerDescription"]
            if last["ConsumerStatus"] == status:
                return last
            time.sleep(0.05)
        raise TimeoutError(f"consumer {consumer_arn} did not reach {status}; last {last!r}")

    def wait_consumer_gone(self, consumer_arn, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.kin.describe_stream_consumer(ConsumerARN=consumer_arn)
            except ClientError as e:
                if e.response["Error"]["Code"] == "ResourceNotFoundException":
                    return
                raise
            time.sleep(0.05)
        raise TimeoutError(f"consumer {consumer_arn} was not deregistered within {timeout} s")

    def iterator(self, stream, shard, kind, **kwargs):
        return self.kin.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType=kind, **kwargs)["ShardIterator"]

    def read_shard(self, stream, shard, kind="TRIM_HORIZON", max_calls=50, until_end=False, **kwargs):
        """Reads a shard: until NextShardIterator is absent (until_end, for closed shards) or until an empty,
        caught-up response (open shards). Returns (records, last response, all responses)."""
        it = self.iterator(stream, shard, kind, **kwargs)
        records, responses = [], []
        for _ in range(max_calls):
            resp = self.kin.get_records(ShardIterator=it)
            responses.append(resp)
            records.extend(resp["Records"])
            it = resp.get("NextShardIterator")
            if not it or (not until_end and not resp["Records"] and resp.get("MillisBehindLatest", 0) == 0):
                return records, resp, responses
        return records, responses[-1], responses


def where(e):
    """The script lines (not library frames) the exception passed through."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if "site-packages" not in f.filename]
    return "".join(traceback.format_list(frames[-3:])).rstrip()


def seconds_ago(dt):
    return (datetime.datetime.now(datetime.timezone.utc) - dt).total_seconds()
