"""boto3: enhanced fan-out consumers (incl. the 20-consumer limit), encryption, enhanced monitoring, limits,
account settings, capacity mode, max record size, warm throughput and resource policies."""

import datetime
import json
import re

from botocore.exceptions import ClientError

from kit import ACCOUNT, ALL_METRICS, Run, not_found, stream_arn

r = Run("python/admin")
cons, enc, mode, big, od, policy_stream = (r.name(x) for x in ("cons", "enc", "mode", "big", "warm-od", "policy"))
missing = r.name("missing")

with r.section("RegisterStreamConsumer / DescribeStreamConsumer"):
    r.create(cons, 1)
    arn = stream_arn(cons)
    c1 = r.kin.register_stream_consumer(StreamARN=arn, ConsumerName="c1")["Consumer"]
    r.eq("ConsumerName", c1["ConsumerName"], "c1")
    r.eq("new consumer is CREATING", c1["ConsumerStatus"], "CREATING")
    r.check("ConsumerARN is <stream ARN>/consumer/<name>:<epoch seconds>", re.fullmatch(re.escape(arn) + r"/consumer/c1:\d+", c1["ConsumerARN"]), c1["ConsumerARN"])
    r.check("ConsumerCreationTimestamp", isinstance(c1["ConsumerCreationTimestamp"], datetime.datetime), c1)
    r.expect_error("RegisterStreamConsumer same name", lambda: r.raw.register_stream_consumer(StreamARN=arn, ConsumerName="c1"),
                   "ResourceInUseException")
    d = r.wait_consumer(c1["ConsumerARN"])
    r.ok("consumer becomes ACTIVE")
    r.eq("ConsumerDescription.StreamARN", d.get("StreamARN"), arn)
    by_name = r.kin.describe_stream_consumer(StreamARN=arn, ConsumerName="c1")["ConsumerDescription"]
    r.eq("DescribeStreamConsumer by StreamARN + ConsumerName", by_name["ConsumerARN"], c1["ConsumerARN"])
    if r.needs("consumer tags", "RegisterStreamConsumerInput.Tags", "TagResource", "UntagResource", "ListTagsForResource"):
        c2 = r.kin.register_stream_consumer(StreamARN=arn, ConsumerName="c2", Tags={"k": "v"})["Consumer"]
        r.wait_consumer(c2["ConsumerARN"])
        r.eq("RegisterStreamConsumer Tags", r.kin.list_tags_for_resource(ResourceARN=c2["ConsumerARN"])["Tags"], [{"Key": "k", "Value": "v"}])
        r.kin.tag_resource(ResourceARN=c2["ConsumerARN"], Tags={"k2": "v2"})
        r.kin.untag_resource(ResourceARN=c2["ConsumerARN"], TagKeys=["k"])
        r.eq("Tag/UntagResource on a consumer ARN", r.kin.list_tags_for_resource(ResourceARN=c2["ConsumerARN"])["Tags"], [{"Key": "k2", "Value": "v2"}])
    else:
        c2 = r.kin.register_stream_consumer(StreamARN=arn, ConsumerName="c2")["Consumer"]
        r.wait_consumer(c2["ConsumerARN"])
    r.eq("DescribeStreamSummary ConsumerCount", r.summary(cons).get("ConsumerCount"), 2)
    page = r.kin.list_stream_consumers(StreamARN=arn, MaxResults=1)
    r.eq("ListStreamConsumers MaxResults=1", len(page["Consumers"]), 1)
    r.check("ListStreamConsumers NextToken", bool(page.get("NextToken")), page)
    page2 = r.kin.list_stream_consumers(StreamARN=arn, NextToken=page["NextToken"], MaxResults=1)
    r.eq("ListStreamConsumers pages cover both", sorted(x["ConsumerName"] for x in page["Consumers"] + page2["Consumers"]), ["c1", "c2"])
    everything = [x for pg in r.kin.get_paginator("list_stream_consumers").paginate(StreamARN=arn, PaginationConfig={"PageSize": 1}) for x in pg["Consumers"]]
    r.eq("ListStreamConsumers paginator", sorted(x["ConsumerName"] for x in everything), ["c1", "c2"])
    r.check("listed consumers are complete", all({"ConsumerName", "ConsumerARN", "ConsumerStatus", "ConsumerCreationTimestamp"} <= set(x) for x in everything), everything)
    r.expect_error("DescribeStreamConsumer unknown name", lambda: r.raw.describe_stream_consumer(StreamARN=arn, ConsumerName="nobody"),
                   "ResourceNotFoundException")
    r.expect_error("RegisterStreamConsumer on a missing stream", lambda: r.raw.register_stream_consumer(StreamARN=stream_arn(missing), ConsumerName="c"),
                   "ResourceNotFoundException")
    r.expect_error("ListStreamConsumers on a missing stream", lambda: r.raw.list_stream_consumers(StreamARN=stream_arn(missing)),
                   "ResourceNotFoundException")

with r.section("DeregisterStreamConsumer"):
    r.kin.deregister_stream_consumer(ConsumerARN=c1["ConsumerARN"])
    r.kin.deregister_stream_consumer(StreamARN=arn, ConsumerName="c2")
    r.wait_consumer_gone(c1["ConsumerARN"])
    r.wait_consumer_gone(c2["ConsumerARN"])
    r.eq("consumers gone from the list", r.kin.list_stream_consumers(StreamARN=arn)["Consumers"], [])
    r.expect_error("DeregisterStreamConsumer unknown", lambda: r.raw.deregister_stream_consumer(StreamARN=arn, ConsumerName="c1"),
                   "ResourceNotFoundException")

with r.section("at most 5 consumers CREATING at once"):
    burst = r.name("burst")
    r.create(burst, 1)
    # Six registrations at once (a sequential burst could outlast the 200 ms CREATING state on a busy machine):
    # five are accepted, the one that arrives sixth gets LimitExceeded.
    from concurrent.futures import ThreadPoolExecutor

    def register(i):
        try:
            r.raw.register_stream_consumer(StreamARN=stream_arn(burst), ConsumerName=f"b{i}")
            return "ok"
        except ClientError as e:
            return e.response["Error"]["Code"]

    with ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(register, range(6)))
    r.eq("a 6th registration while 5 are CREATING -> LimitExceededException", outcomes, ["LimitExceededException"] + ["ok"] * 5)
    r.kin.delete_stream(StreamName=burst, EnforceConsumerDeletion=True)

with r.section("consumer limit (20 per stream)"):
    names = [f"n{i:02d}" for i in range(20)]
    for batch in range(0, 20, 5):
        arns = [r.kin.register_stream_consumer(StreamARN=arn, ConsumerName=n)["Consumer"]["ConsumerARN"] for n in names[batch:batch + 5]]
        for a in arns:
            r.wait_consumer(a)
    r.eq("20 consumers registered", len([x for pg in r.kin.get_paginator("list_stream_consumers").paginate(StreamARN=arn) for x in pg["Consumers"]]), 20)
    r.expect_error("21st consumer", lambda: r.raw.register_stream_consumer(StreamARN=arn, ConsumerName="n20"), "LimitExceededException")
    r.expect_error("DeleteStream with consumers", lambda: r.raw.delete_stream(StreamName=cons), "ResourceInUseException")
    r.kin.delete_stream(StreamName=cons, EnforceConsumerDeletion=True)
    r.wait_gone(cons)
    r.ok("DeleteStream EnforceConsumerDeletion removes stream and consumers")

with r.section("StartStreamEncryption / StopStreamEncryption"):
    r.create(enc, 1)
    r.kin.start_stream_encryption(StreamName=enc, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    s = r.wait_status(enc)
    r.eq("encrypted: EncryptionType/KeyId", (s.get("EncryptionType"), s.get("KeyId")), ("KMS", "alias/aws/kinesis"))
    res = r.kin.put_record(StreamName=enc, Data=b"secret", PartitionKey="k")
    r.eq("PutRecord reports KMS", res.get("EncryptionType"), "KMS")
    recs = r.kin.get_records(ShardIterator=r.iterator(enc, "shardId-000000000000", "TRIM_HORIZON"))["Records"]
    r.eq("GetRecords returns the data with EncryptionType KMS", [(x["Data"], x.get("EncryptionType")) for x in recs], [(b"secret", "KMS")])
    r.kin.stop_stream_encryption(StreamName=enc, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    s = r.wait_status(enc)
    r.check("after stop: EncryptionType NONE", s.get("EncryptionType", "NONE") == "NONE", s.get("EncryptionType"))
    res = r.kin.put_record(StreamName=enc, Data=b"plain", PartitionKey="k")
    r.check("PutRecord after stop: not KMS", res.get("EncryptionType", "NONE") == "NONE", res.get("EncryptionType"))
    r.expect_error("StartStreamEncryption on a missing stream",
                   lambda: r.raw.start_stream_encryption(StreamName=missing, EncryptionType="KMS", KeyId="alias/aws/kinesis"),
                   "ResourceNotFoundException", message=not_found(missing))

with r.section("Enable/DisableEnhancedMonitoring"):
    res = r.kin.enable_enhanced_monitoring(StreamName=enc, ShardLevelMetrics=["IncomingBytes", "OutgoingRecords"])
    r.eq("enable: StreamName", res.get("StreamName"), enc)
    if r.needs("EnhancedMonitoringOutput.StreamARN", "EnhancedMonitoringOutput.StreamARN"):
        r.eq("enable: StreamARN", res.get("StreamARN"), stream_arn(enc))
    r.eq("enable: CurrentShardLevelMetrics", res.get("CurrentShardLevelMetrics"), [])
    r.eq("enable: DesiredShardLevelMetrics", set(res.get("DesiredShardLevelMetrics", [])), {"IncomingBytes", "OutgoingRecords"})
    r.eq("summary EnhancedMonitoring", set(r.summary(enc)["EnhancedMonitoring"][0]["ShardLevelMetrics"]), {"IncomingBytes", "OutgoingRecords"})
    res = r.kin.enable_enhanced_monitoring(StreamName=enc, ShardLevelMetrics=["ALL"])
    r.eq("enable ALL expands to the seven metrics", set(res.get("DesiredShardLevelMetrics", [])), ALL_METRICS)
    res = r.kin.disable_enhanced_monitoring(StreamName=enc, ShardLevelMetrics=["IncomingBytes"])
    r.eq("disable one: Current", set(res.get("CurrentShardLevelMetrics", [])), ALL_METRICS)
    r.eq("disable one: Desired", set(res.get("DesiredShardLevelMetrics", [])), ALL_METRICS - {"IncomingBytes"})
    res = r.kin.disable_enhanced_monitoring(StreamName=enc, ShardLevelMetrics=["ALL"])
    r.eq("disable ALL", res.get("DesiredShardLevelMetrics"), [])
    r.eq("DescribeStream EnhancedMonitoring", r.kin.describe_stream(StreamName=enc)["StreamDescription"]["EnhancedMonitoring"], [{"ShardLevelMetrics": []}])
    r.expect_error("EnableEnhancedMonitoring on a missing stream", lambda: r.raw.enable_enhanced_monitoring(StreamName=missing, ShardLevelMetrics=["ALL"]),
                   "ResourceNotFoundException", message=not_found(missing))

with r.section("DescribeLimits"):
    before = r.kin.describe_limits()
    r.check("ShardLimit > 0", isinstance(before.get("ShardLimit"), int) and before["ShardLimit"] > 0, before)
    r.check("OpenShardCount counts our open shards", isinstance(before.get("OpenShardCount"), int) and before["OpenShardCount"] >= 1, before)
    r.check("OnDemandStreamCountLimit > 0", isinstance(before.get("OnDemandStreamCountLimit"), int) and before["OnDemandStreamCountLimit"] > 0, before)
    r.kin.create_stream(StreamName=od, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    r.wait_status(od)
    after = r.kin.describe_limits()
    r.eq("OnDemandStreamCount +1 after an on-demand CreateStream", after.get("OnDemandStreamCount"), before.get("OnDemandStreamCount", 0) + 1)
    r.eq("OpenShardCount +4 after an on-demand CreateStream", after.get("OpenShardCount"), before.get("OpenShardCount", 0) + 4)

with r.section("DescribeAccountSettings / UpdateAccountSettings / UpdateStreamWarmThroughput"):
    if r.needs("account settings and warm throughput", "DescribeAccountSettings", "UpdateAccountSettings", "UpdateStreamWarmThroughput"):
        first = r.kin.describe_account_settings()
        status = (first.get("MinimumThroughputBillingCommitment") or {}).get("Status", "DISABLED")
        r.check("DescribeAccountSettings answers", status in ("ENABLED", "DISABLED", "ENABLED_UNTIL_EARLIEST_ALLOWED_END"), first)
        res = r.kin.update_account_settings(MinimumThroughputBillingCommitment={"Status": "ENABLED"})
        mtbc = res.get("MinimumThroughputBillingCommitment") or {}
        r.eq("UpdateAccountSettings ENABLED", mtbc.get("Status"), "ENABLED")
        r.check("StartedAt is set", isinstance(mtbc.get("StartedAt"), datetime.datetime), mtbc)
        r.eq("DescribeAccountSettings after enabling", (r.kin.describe_account_settings().get("MinimumThroughputBillingCommitment") or {}).get("Status"), "ENABLED")
        res = r.kin.update_stream_warm_throughput(StreamName=od, WarmThroughputMiBps=100)
        r.eq("UpdateStreamWarmThroughput response", (res.get("StreamName"), res.get("StreamARN"), (res.get("WarmThroughput") or {}).get("TargetMiBps")), (od, stream_arn(od), 100))
        s = r.wait_status(od)
        r.eq("summary WarmThroughput.TargetMiBps", (s.get("WarmThroughput") or {}).get("TargetMiBps"), 100)
        r.expect_error("UpdateStreamWarmThroughput on a provisioned stream", lambda: r.raw.update_stream_warm_throughput(StreamName=enc, WarmThroughputMiBps=100),
                       "ValidationException", codes=["ValidationException", "InvalidArgumentException"])
        res = r.kin.update_account_settings(MinimumThroughputBillingCommitment={"Status": "DISABLED"})
        mtbc = res.get("MinimumThroughputBillingCommitment") or {}
        r.eq("disabling within the first 24 h", mtbc.get("Status"), "ENABLED_UNTIL_EARLIEST_ALLOWED_END")
        r.check("EarliestAllowedEndAt is set", isinstance(mtbc.get("EarliestAllowedEndAt"), datetime.datetime), mtbc)
        r.expect_error("UpdateAccountSettings bad status", lambda: r.raw.update_account_settings(MinimumThroughputBillingCommitment={"Status": "BOGUS"}),
                       "ValidationException")

with r.section("UpdateStreamMode"):
    r.create(mode, 1)
    r.kin.update_stream_mode(StreamARN=stream_arn(mode), StreamModeDetails={"StreamMode": "ON_DEMAND"})
    s = r.wait_status(mode, mode="ON_DEMAND")
    r.eq("now ON_DEMAND", s["StreamModeDetails"]["StreamMode"], "ON_DEMAND")
    r.expect_error("SplitShard on an on-demand stream",
                   lambda: r.raw.split_shard(StreamName=mode, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127)),
                   "ValidationException")
    r.expect_error("UpdateShardCount on an on-demand stream",
                   lambda: r.raw.update_shard_count(StreamName=mode, TargetShardCount=2, ScalingType="UNIFORM_SCALING"),
                   "ValidationException")
    r.kin.update_stream_mode(StreamARN=stream_arn(mode), StreamModeDetails={"StreamMode": "PROVISIONED"})
    s = r.wait_status(mode, mode="PROVISIONED")
    r.eq("back to PROVISIONED", s["StreamModeDetails"]["StreamMode"], "PROVISIONED")
    r.expect_error("UpdateStreamMode on a missing stream",
                   lambda: r.raw.update_stream_mode(StreamARN=stream_arn(missing), StreamModeDetails={"StreamMode": "ON_DEMAND"}),
                   "ResourceNotFoundException")

with r.section("UpdateMaxRecordSize"):
    if r.needs("UpdateMaxRecordSize", "UpdateMaxRecordSize", "CreateStreamInput.MaxRecordSizeInKiB"):
        r.create(big, 1)
        r.kin.update_max_record_size(StreamARN=stream_arn(big), MaxRecordSizeInKiB=2048)
        s = r.wait_status(big)
        r.eq("summary MaxRecordSizeInKiB", s.get("MaxRecordSizeInKiB"), 2048)
        payload = bytes(range(256)) * 6144  # 1.5 MiB
        res = r.kin.put_record(StreamName=big, Data=payload, PartitionKey="big")
        got = r.kin.get_records(ShardIterator=r.iterator(big, res["ShardId"], "AT_SEQUENCE_NUMBER", StartingSequenceNumber=res["SequenceNumber"]), Limit=1)["Records"]
        r.check("a 1.5 MiB record round-trips", len(got) == 1 and got[0]["Data"] == payload, [len(x["Data"]) for x in got])
        r.expect_error("UpdateMaxRecordSize below 1024", lambda: r.raw.update_max_record_size(StreamARN=stream_arn(big), MaxRecordSizeInKiB=512),
                       "ValidationException",
                       message="1 validation error detected: Value '512' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024")
        r.kin.create_stream(StreamName=r.name("big4"), ShardCount=1, MaxRecordSizeInKiB=4096)
        r.eq("CreateStream MaxRecordSizeInKiB", r.wait_status(r.name("big4")).get("MaxRecordSizeInKiB"), 4096)

with r.section("Put/Get/DeleteResourcePolicy"):
    if r.needs("resource policies", "PutResourcePolicy", "GetResourcePolicy", "DeleteResourcePolicy"):
        r.create(policy_stream, 1)
        parn = stream_arn(policy_stream)
        doc = json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AllowRead",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": ["kinesis:DescribeStreamSummary", "kinesis:GetRecords"],
                "Resource": parn,
            }],
        })
        r.kin.put_resource_policy(ResourceARN=parn, Policy=doc)
        got = r.kin.get_resource_policy(ResourceARN=parn)
        r.eq("GetResourcePolicy returns the policy", json.loads(got["Policy"]), json.loads(doc))
        r.kin.delete_resource_policy(ResourceARN=parn)
        try:
            after = r.raw.get_resource_policy(ResourceARN=parn)
            r.check("after delete: no policy", after.get("Policy") in (None, "", "{}"), after.get("Policy"))
        except Exception as e:  # noqa: BLE001
            code = getattr(e, "response", {}).get("Error", {}).get("Code")
            r.check("after delete: no policy (ResourceNotFoundException)", code == "ResourceNotFoundException", repr(e))
        r.expect_error("GetResourcePolicy on a missing stream", lambda: r.raw.get_resource_policy(ResourceARN=stream_arn(missing)), "ResourceNotFoundException")
        r.expect_error("PutResourcePolicy on a missing stream", lambda: r.raw.put_resource_policy(ResourceARN=stream_arn(missing), Policy=doc), "ResourceNotFoundException")

r.finish()
