"""boto3: stream lifecycle, describe/list with pagination, retention, tags, deletion and their errors."""

import datetime
import time

from kit import (
    ACCOUNT,
    REGION,
    SEQ_RE,
    VALIDATION_STREAM_NAME,
    Run,
    even_ranges,
    not_found,
    seconds_ago,
    shard_id,
    stream_arn,
)

r = Run("python/streams")
prov, od, tagged, doomed = r.name("prov"), r.name("od"), r.name("tagged"), r.name("doomed")
missing = r.name("missing")

with r.section("CreateStream (provisioned, 3 shards)"):
    r.kin.create_stream(StreamName=prov, ShardCount=3)
    first = r.summary(prov)
    r.check("CreateStream: new stream is CREATING (or already ACTIVE)", first["StreamStatus"] in ("CREATING", "ACTIVE"), first["StreamStatus"])
    s = r.wait_status(prov)
    r.ok("stream becomes ACTIVE")

with r.section("CreateStream (ON_DEMAND)"):
    r.kin.create_stream(StreamName=od, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    s = r.wait_status(od)
    r.eq("on-demand: StreamModeDetails", s.get("StreamModeDetails"), {"StreamMode": "ON_DEMAND"})
    r.eq("on-demand: starts with 4 open shards", s.get("OpenShardCount"), 4)

with r.section("CreateStream without ShardCount or StreamModeDetails"):
    default = r.name("default")
    r.kin.create_stream(StreamName=default)
    s = r.wait_status(default)
    r.eq("no ShardCount, no StreamModeDetails: ON_DEMAND, as AWS creates it", s.get("StreamModeDetails"), {"StreamMode": "ON_DEMAND"})
    r.eq("no ShardCount, no StreamModeDetails: 4 open shards", s.get("OpenShardCount"), 4)
    r.kin.delete_stream(StreamName=default)

with r.section("CreateStream with Tags"):
    if r.needs("CreateStream with Tags", "CreateStreamInput.Tags"):
        r.create(tagged, 1, Tags={"created": "at-create", "team": "eddy"})
        tags = r.kin.list_tags_for_stream(StreamName=tagged)["Tags"]
        r.eq("CreateStream Tags are listed", tags, [{"Key": "created", "Value": "at-create"}, {"Key": "team", "Value": "eddy"}])
    else:
        r.create(tagged, 1)

with r.section("CreateStream errors"):
    r.expect_error("CreateStream existing name", lambda: r.raw.create_stream(StreamName=prov, ShardCount=1),
                   "ResourceInUseException", message=f"Stream {prov} under account {ACCOUNT} already exists.")
    r.expect_error("CreateStream 'x y'", lambda: r.raw.create_stream(StreamName="x y", ShardCount=1),
                   "ValidationException", message=VALIDATION_STREAM_NAME)
    r.expect_error("CreateStream ShardCount 0", lambda: r.raw.create_stream(StreamName=r.name("zero"), ShardCount=0),
                   "ValidationException",
                   message="1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1")
    r.expect_error("CreateStream name of 129 characters", lambda: r.raw.create_stream(StreamName="n" * 129, ShardCount=1),
                   "ValidationException",
                   message=f"1 validation error detected: Value '{'n' * 129}' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128")
    limits = r.kin.describe_limits()
    extra = limits["ShardLimit"] + 1
    r.expect_error(f"CreateStream with {extra} shards (over the shard limit)",
                   lambda: r.raw.create_stream(StreamName=r.name("huge"), ShardCount=extra),
                   "LimitExceededException",
                   prefix=f"This request would exceed the shard limit for the account {ACCOUNT} in {REGION}.")

with r.section("DescribeStream"):
    d = r.kin.describe_stream(StreamName=prov)["StreamDescription"]
    r.eq("StreamName", d["StreamName"], prov)
    r.eq("StreamARN", d["StreamARN"], stream_arn(prov))
    r.eq("StreamStatus", d["StreamStatus"], "ACTIVE")
    r.eq("StreamModeDetails", d.get("StreamModeDetails"), {"StreamMode": "PROVISIONED"})
    r.eq("RetentionPeriodHours", d["RetentionPeriodHours"], 24)
    r.eq("HasMoreShards", d["HasMoreShards"], False)
    r.eq("EnhancedMonitoring", d["EnhancedMonitoring"], [{"ShardLevelMetrics": []}])
    r.check("EncryptionType NONE or absent", d.get("EncryptionType", "NONE") == "NONE", d.get("EncryptionType"))
    r.check("StreamCreationTimestamp is recent", 0 <= seconds_ago(d["StreamCreationTimestamp"]) < 600, d["StreamCreationTimestamp"])
    r.eq("shard ids", [sh["ShardId"] for sh in d["Shards"]], [shard_id(i) for i in range(3)])
    r.eq("hash key ranges split evenly", [(int(sh["HashKeyRange"]["StartingHashKey"]), int(sh["HashKeyRange"]["EndingHashKey"])) for sh in d["Shards"]], even_ranges(3))
    r.check("open shards have a StartingSequenceNumber and no EndingSequenceNumber",
            all(SEQ_RE.match(sh["SequenceNumberRange"]["StartingSequenceNumber"]) and "EndingSequenceNumber" not in sh["SequenceNumberRange"] for sh in d["Shards"]),
            d["Shards"])
    r.check("new shards have no parents", all("ParentShardId" not in sh and "AdjacentParentShardId" not in sh for sh in d["Shards"]), d["Shards"])
    if r.needs("DescribeStream by StreamARN", "DescribeStreamInput.StreamARN"):
        by_arn = r.kin.describe_stream(StreamARN=stream_arn(prov))["StreamDescription"]
        r.eq("DescribeStream by StreamARN", by_arn["StreamName"], prov)

with r.section("DescribeStream pagination"):
    p1 = r.kin.describe_stream(StreamName=prov, Limit=1)["StreamDescription"]
    r.eq("Limit=1: one shard", [sh["ShardId"] for sh in p1["Shards"]], [shard_id(0)])
    r.eq("Limit=1: HasMoreShards", p1["HasMoreShards"], True)
    p2 = r.kin.describe_stream(StreamName=prov, Limit=1, ExclusiveStartShardId=shard_id(0))["StreamDescription"]
    r.eq("ExclusiveStartShardId: next shard", [sh["ShardId"] for sh in p2["Shards"]], [shard_id(1)])
    p3 = r.kin.describe_stream(StreamName=prov, Limit=10, ExclusiveStartShardId=shard_id(1))["StreamDescription"]
    r.eq("last page", ([sh["ShardId"] for sh in p3["Shards"]], p3["HasMoreShards"]), ([shard_id(2)], False))
    pages = list(r.kin.get_paginator("describe_stream").paginate(StreamName=prov, PaginationConfig={"PageSize": 1}))
    ids = [sh["ShardId"] for pg in pages for sh in pg["StreamDescription"]["Shards"]]
    r.eq("paginator (PageSize=1) walks all shards", ids, [shard_id(i) for i in range(3)])
    r.check("paginator made several calls", len(pages) >= 3, len(pages))

with r.section("DescribeStreamSummary"):
    s = r.summary(prov)
    r.eq("OpenShardCount", s["OpenShardCount"], 3)
    r.eq("ConsumerCount", s.get("ConsumerCount"), 0)
    r.eq("StreamARN", s["StreamARN"], stream_arn(prov))
    r.eq("StreamModeDetails", s.get("StreamModeDetails"), {"StreamMode": "PROVISIONED"})
    r.eq("RetentionPeriodHours", s["RetentionPeriodHours"], 24)
    r.eq("EnhancedMonitoring", s["EnhancedMonitoring"], [{"ShardLevelMetrics": []}])
    r.check("StreamCreationTimestamp", isinstance(s["StreamCreationTimestamp"], datetime.datetime), s.get("StreamCreationTimestamp"))
    r.expect_error("DescribeStreamSummary missing stream", lambda: r.raw.describe_stream_summary(StreamName=missing),
                   "ResourceNotFoundException", message=not_found(missing))

with r.section("ListStreams"):
    full = list(r.kin.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 1}))
    names = [n for pg in full for n in pg["StreamNames"]]
    r.check("paginator (PageSize=1) sees all our streams", {prov, od, tagged} <= set(names), names)
    r.check("paginator made several calls", len(full) >= 3, len(full))
    r.eq("names are sorted", names, sorted(names))
    one = r.kin.list_streams(Limit=1)
    r.eq("Limit=1: one name", len(one["StreamNames"]), 1)
    r.eq("Limit=1: HasMoreStreams", one["HasMoreStreams"], True)
    after = r.kin.list_streams(ExclusiveStartStreamName=od)["StreamNames"]
    r.check("ExclusiveStartStreamName", all(n > od for n in after) and prov in after, after)
    if r.needs("ListStreams NextToken and StreamSummaries", "ListStreamsOutput.NextToken", "ListStreamsOutput.StreamSummaries"):
        r.check("Limit=1: NextToken", bool(one.get("NextToken")), one)
        summaries = one.get("StreamSummaries", [])
        r.check("StreamSummaries match StreamNames",
                [x["StreamName"] for x in summaries] == one["StreamNames"] and all("StreamARN" in x and "StreamStatus" in x for x in summaries),
                summaries)
        nxt = r.kin.list_streams(NextToken=one["NextToken"], Limit=1)
        r.check("NextToken continues after the first name", nxt["StreamNames"] and nxt["StreamNames"][0] > one["StreamNames"][0], nxt["StreamNames"])
        all_summaries = [x for pg in full for x in pg.get("StreamSummaries", [])]
        od_summary = next((x for x in all_summaries if x["StreamName"] == od), None)
        r.check("summary of the on-demand stream", od_summary is not None and od_summary.get("StreamModeDetails") == {"StreamMode": "ON_DEMAND"}
                and od_summary.get("StreamARN") == stream_arn(od) and od_summary.get("StreamStatus") == "ACTIVE", od_summary)

with r.section("ListShards"):
    p1 = r.kin.list_shards(StreamName=prov, MaxResults=2)
    r.eq("MaxResults=2", [sh["ShardId"] for sh in p1["Shards"]], [shard_id(0), shard_id(1)])
    r.check("NextToken present", bool(p1.get("NextToken")), p1)
    p2 = r.kin.list_shards(NextToken=p1["NextToken"])
    r.eq("NextToken page", [sh["ShardId"] for sh in p2["Shards"]], [shard_id(2)])
    r.check("no NextToken on the last page", not p2.get("NextToken"), p2.get("NextToken"))
    if r.needs("ListShards by StreamARN", "ListShardsInput.StreamARN"):
        r.eq("by StreamARN", len(r.kin.list_shards(StreamARN=stream_arn(prov))["Shards"]), 3)
    r.eq("ExclusiveStartShardId", [sh["ShardId"] for sh in r.kin.list_shards(StreamName=prov, ExclusiveStartShardId=shard_id(0))["Shards"]],
         [shard_id(1), shard_id(2)])
    r.eq("ShardFilter AT_LATEST", len(r.kin.list_shards(StreamName=prov, ShardFilter={"Type": "AT_LATEST"})["Shards"]), 3)
    # (botocore's list_shards paginator resends StreamName with NextToken, which AWS rejects - botocore#2009 -
    # so the pages are walked by hand.)
    walked, tok = [], None
    while True:
        pg = r.kin.list_shards(NextToken=tok, MaxResults=1) if tok else r.kin.list_shards(StreamName=prov, MaxResults=1)
        walked += [sh["ShardId"] for sh in pg["Shards"]]
        tok = pg.get("NextToken")
        if not tok or len(walked) > 10:
            break
    r.eq("walking NextToken with MaxResults=1", walked, [shard_id(i) for i in range(3)])
    r.expect_error("ListShards without StreamName or NextToken", lambda: r.raw.list_shards(),
                   "InvalidArgumentException", message="Either NextToken or StreamName should be provided.")
    r.expect_error("ListShards with StreamName and NextToken", lambda: r.raw.list_shards(StreamName=prov, NextToken=p1["NextToken"]),
                   "InvalidArgumentException", message="NextToken and StreamName cannot be provided together.")
    r.expect_error("ListShards missing stream", lambda: r.raw.list_shards(StreamName=missing),
                   "ResourceNotFoundException", message=not_found(missing))

with r.section("Retention period"):
    r.kin.increase_stream_retention_period(StreamName=prov, RetentionPeriodHours=48)
    r.eq("IncreaseStreamRetentionPeriod 48", r.summary(prov)["RetentionPeriodHours"], 48)
    r.kin.decrease_stream_retention_period(StreamName=prov, RetentionPeriodHours=36)
    r.eq("DecreaseStreamRetentionPeriod 36", r.summary(prov)["RetentionPeriodHours"], 36)
    r.expect_error("Decrease below 24 h", lambda: r.raw.decrease_stream_retention_period(StreamName=prov, RetentionPeriodHours=23),
                   "InvalidArgumentException",
                   message="Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.")
    r.expect_error("Decrease to more than current", lambda: r.raw.decrease_stream_retention_period(StreamName=prov, RetentionPeriodHours=100),
                   "InvalidArgumentException",
                   message=f"Requested retention period (100 hours) for stream {prov} can not be longer than existing retention period (36 hours). Use IncreaseRetentionPeriod API.")
    r.expect_error("Increase to less than current", lambda: r.raw.increase_stream_retention_period(StreamName=prov, RetentionPeriodHours=30),
                   "InvalidArgumentException",
                   message=f"Requested retention period (30 hours) for stream {prov} can not be shorter than existing retention period (36 hours). Use DecreaseRetentionPeriod API.")
    r.expect_error("Increase above 8760 h", lambda: r.raw.increase_stream_retention_period(StreamName=prov, RetentionPeriodHours=9000),
                   "InvalidArgumentException", codes=["InvalidArgumentException", "ValidationException"])
    r.expect_error("Increase on missing stream", lambda: r.raw.increase_stream_retention_period(StreamName=missing, RetentionPeriodHours=48),
                   "ResourceNotFoundException", message=not_found(missing))
    r.kin.increase_stream_retention_period(StreamName=prov, RetentionPeriodHours=8760)
    r.eq("IncreaseStreamRetentionPeriod to the maximum 8760 h", r.summary(prov)["RetentionPeriodHours"], 8760)
    r.kin.decrease_stream_retention_period(StreamName=prov, RetentionPeriodHours=24)
    r.eq("back to 24 h", r.summary(prov)["RetentionPeriodHours"], 24)

with r.section("Stream tags"):
    r.kin.add_tags_to_stream(StreamName=prov, Tags={"team": "data", "env": "test", "cost": "42"})
    t = r.kin.list_tags_for_stream(StreamName=prov)
    r.eq("ListTagsForStream sorted by key", t["Tags"], [{"Key": "cost", "Value": "42"}, {"Key": "env", "Value": "test"}, {"Key": "team", "Value": "data"}])
    r.eq("HasMoreTags false", t["HasMoreTags"], False)
    t1 = r.kin.list_tags_for_stream(StreamName=prov, Limit=1)
    r.eq("Limit=1", (t1["Tags"], t1["HasMoreTags"]), ([{"Key": "cost", "Value": "42"}], True))
    t2 = r.kin.list_tags_for_stream(StreamName=prov, ExclusiveStartTagKey="cost")
    r.eq("ExclusiveStartTagKey", [x["Key"] for x in t2["Tags"]], ["env", "team"])
    r.kin.add_tags_to_stream(StreamName=prov, Tags={"env": "prod"})
    r.eq("AddTagsToStream overwrites", {x["Key"]: x["Value"] for x in r.kin.list_tags_for_stream(StreamName=prov)["Tags"]}.get("env"), "prod")
    r.kin.remove_tags_from_stream(StreamName=prov, TagKeys=["cost", "not-there"])
    r.eq("RemoveTagsFromStream (absent keys ignored)", [x["Key"] for x in r.kin.list_tags_for_stream(StreamName=prov)["Tags"]], ["env", "team"])
    if r.needs("TagResource/UntagResource/ListTagsForResource", "TagResource", "UntagResource", "ListTagsForResource"):
        r.kin.tag_resource(ResourceARN=stream_arn(prov), Tags={"via": "arn"})
        res = {x["Key"]: x["Value"] for x in r.kin.list_tags_for_resource(ResourceARN=stream_arn(prov))["Tags"]}
        r.eq("TagResource + ListTagsForResource share the stream's tags", res, {"env": "prod", "team": "data", "via": "arn"})
        r.kin.untag_resource(ResourceARN=stream_arn(prov), TagKeys=["via", "team"])
        r.eq("UntagResource", [x["Key"] for x in r.kin.list_tags_for_stream(StreamName=prov)["Tags"]], ["env"])
        r.expect_error("ListTagsForResource missing stream", lambda: r.raw.list_tags_for_resource(ResourceARN=stream_arn(missing)),
                       "ResourceNotFoundException")
    invalid_characters = "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @."
    r.expect_error("AddTagsToStream invalid characters", lambda: r.raw.add_tags_to_stream(StreamName=prov, Tags={"bad#key": "v"}),
                   "InvalidArgumentException", message=invalid_characters)
    for key in ["abc;def", "abc,def", "abc\ndef", "abc\tdef"]:
        r.expect_error(f"RemoveTagsFromStream key {key!r}", lambda: r.raw.remove_tags_from_stream(StreamName=prov, TagKeys=[key]),
                       "InvalidArgumentException", message=invalid_characters)
    r.expect_error("RemoveTagsFromStream key with '%'", lambda: r.raw.remove_tags_from_stream(StreamName=prov, TagKeys=["abc%def"]),
                   "InvalidArgumentException",
                   message=f"Failed to remove tags from stream {prov} under account {ACCOUNT} because some tags contained illegal characters. "
                   "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.")
    r.expect_error("AddTagsToStream beyond 50 tags", lambda: r.raw.add_tags_to_stream(StreamName=prov, Tags={f"k{i:02}": "v" for i in range(50)}),
                   "InvalidArgumentException",
                   message=f"Failed to add tags to stream {prov} under account {ACCOUNT} because a given stream cannot have more than 50 tags associated with it.")
    r.expect_error("ListTagsForStream missing stream", lambda: r.raw.list_tags_for_stream(StreamName=missing),
                   "ResourceNotFoundException", message=not_found(missing))

with r.section("DeleteStream"):
    r.create(doomed, 1)
    arn = stream_arn(doomed)
    r.kin.put_record(StreamName=doomed, Data=b"old incarnation", PartitionKey="k")
    old_iterator = r.iterator(doomed, shard_id(0), "TRIM_HORIZON")
    consumer = r.kin.register_stream_consumer(StreamARN=arn, ConsumerName="keeper")["Consumer"]
    r.wait_consumer(consumer["ConsumerARN"])
    r.expect_error("DeleteStream with a consumer and no EnforceConsumerDeletion", lambda: r.raw.delete_stream(StreamName=doomed),
                   "ResourceInUseException")
    r.kin.delete_stream(StreamName=doomed, EnforceConsumerDeletion=True)
    r.ok("DeleteStream EnforceConsumerDeletion=True accepted")
    r.wait_gone(doomed)
    r.ok("stream with consumer is gone")
    r.expect_error("DescribeStream after delete", lambda: r.raw.describe_stream(StreamName=doomed),
                   "ResourceNotFoundException", message=not_found(doomed))
    r.kin.delete_stream(StreamName=tagged)
    st = None
    try:
        st = r.summary(tagged)["StreamStatus"]
    except Exception:  # noqa: BLE001 - already gone is fine
        st = "gone"
    r.check("deleted stream is DELETING or gone", st in ("DELETING", "gone"), st)
    r.wait_gone(tagged)
    r.ok("deleted stream disappears")
    r.expect_error("DeleteStream missing stream", lambda: r.raw.delete_stream(StreamName=missing),
                   "ResourceNotFoundException", message=not_found(missing))
    gone_shard = f"Shard {shard_id(0)} in stream {doomed} under account {ACCOUNT} does not exist"
    r.expect_error("GetRecords on a deleted stream answers like a missing shard", lambda: r.raw.get_records(ShardIterator=old_iterator),
                   "ResourceNotFoundException", message=gone_shard)
    r.create(doomed, 1)
    r.expect_error("an iterator of the deleted incarnation does not read the new stream", lambda: r.raw.get_records(ShardIterator=old_iterator),
                   "ResourceNotFoundException", message=gone_shard)
    r.eq("re-created stream starts empty", r.kin.get_records(ShardIterator=r.iterator(doomed, shard_id(0), "TRIM_HORIZON"))["Records"], [])
    r.eq("re-created name starts without tags", r.kin.list_tags_for_stream(StreamName=doomed)["Tags"], [])
    r.eq("re-created name starts without consumers", r.kin.list_stream_consumers(StreamARN=stream_arn(doomed))["Consumers"], [])
    if r.needs("DeleteStream by StreamARN", "DeleteStreamInput.StreamARN"):
        r.kin.delete_stream(StreamARN=stream_arn(doomed))
        r.wait_gone(doomed)
        r.ok("DeleteStream by StreamARN")

r.finish()
