"""boto3 glue + firehose: the Glue Data Catalog subset (databases, tables, versions, errors), then a delivery stream
with record format conversion to Parquet reading its schema from a Glue table. The delivered Parquet object is read
back over the S3 API and saved as <tmp>/<prefix>.parquet for the C# test to check with Parquet.Net."""

import base64
import json
import os
import tempfile
import time

import boto3
from botocore.config import Config

from kit import ACCOUNT, REGION, Run

r = Run("python/glue_parquet")
common = dict(endpoint_url=r.endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")
glue = boto3.client("glue", config=Config(retries={"mode": "standard", "max_attempts": 6}), **common)
rawglue = boto3.client("glue", config=Config(retries={"mode": "standard", "total_max_attempts": 1}, parameter_validation=False), **common)
fh = boto3.client("firehose", config=Config(retries={"mode": "standard", "max_attempts": 6}), **common)
s3 = boto3.client("s3", **common)
ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose"
db = r.name("db").replace("-", "_")
bucket = r.name("lake").lower()
stream = r.name("events")
COLUMNS = [
    {"Name": "id", "Type": "bigint"},
    {"Name": "name", "Type": "string"},
    {"Name": "price", "Type": "decimal(10,2)"},
    {"Name": "at", "Type": "timestamp"},
    {"Name": "tags", "Type": "array<string>"},
    {"Name": "geo", "Type": "struct<lat:double,lon:double>"},
]


def expect(name, call, code, message=None):
    r.expect_error(name, call, code, message)
    return None


with r.section("Glue databases"):
    glue.create_database(DatabaseInput={"Name": db.upper(), "Description": "events", "Parameters": {"k": "v"}})
    d = glue.get_database(Name=db)["Database"]
    r.eq("GetDatabase: name in lower case", d["Name"], db)
    r.eq("GetDatabase: description and parameters", (d.get("Description"), d.get("Parameters")), ("events", {"k": "v"}))
    r.eq("GetDatabase: CatalogId is the account", d.get("CatalogId"), ACCOUNT)
    r.check("GetDatabase: CreateTime", "CreateTime" in d, d)
    r.check("GetDatabases lists it", db in [x["Name"] for x in glue.get_databases()["DatabaseList"]])
    expect("CreateDatabase again", lambda: rawglue.create_database(DatabaseInput={"Name": db}), "AlreadyExistsException", "Database already exists.")
    expect("GetDatabase unknown", lambda: rawglue.get_database(Name=db + "_none"), "EntityNotFoundException", f"Database {db}_none not found.")
    expect("CreateDatabase without a name", lambda: rawglue.create_database(DatabaseInput={}), "ValidationException")

with r.section("Glue tables: create, get, list, update (versions), delete"):
    glue.create_table(DatabaseName=db, TableInput={"Name": "Events", "TableType": "EXTERNAL_TABLE",
                                                  "StorageDescriptor": {"Columns": COLUMNS, "Location": f"s3://{bucket}/events/"}})
    t = glue.get_table(DatabaseName=db, Name="events")["Table"]
    r.eq("GetTable: name, database", (t["Name"], t["DatabaseName"]), ("events", db))
    r.eq("GetTable: columns as given", t["StorageDescriptor"]["Columns"], COLUMNS)
    r.eq("GetTable: VersionId 1", t.get("VersionId"), "1")
    glue.create_table(DatabaseName=db, TableInput={"Name": "other", "StorageDescriptor": {"Columns": [{"Name": "x", "Type": "int"}]}})
    r.eq("GetTables: both, in name order", [x["Name"] for x in glue.get_tables(DatabaseName=db)["TableList"]], ["events", "other"])
    r.eq("GetTables: Expression", [x["Name"] for x in glue.get_tables(DatabaseName=db, Expression="ev*")["TableList"]], ["events"])
    page = glue.get_tables(DatabaseName=db, MaxResults=1)
    r.eq("GetTables: first page", ([x["Name"] for x in page["TableList"]], "NextToken" in page), (["events"], True))
    rest = glue.get_tables(DatabaseName=db, MaxResults=1, NextToken=page["NextToken"])
    r.eq("GetTables: second page", ([x["Name"] for x in rest["TableList"]], "NextToken" in rest), (["other"], False))
    glue.update_table(DatabaseName=db, TableInput={"Name": "other", "StorageDescriptor": {"Columns": [{"Name": "y", "Type": "string"}]}})
    r.eq("UpdateTable: VersionId 2", glue.get_table(DatabaseName=db, Name="other")["Table"].get("VersionId"), "2")
    expect("UpdateTable: stale VersionId", lambda: rawglue.update_table(DatabaseName=db, VersionId="1", TableInput={"Name": "other"}), "ConcurrentModificationException")
    expect("CreateTable again", lambda: rawglue.create_table(DatabaseName=db, TableInput={"Name": "events"}), "AlreadyExistsException", "Table already exists.")
    expect("CreateTable in an unknown database", lambda: rawglue.create_table(DatabaseName=db + "_none", TableInput={"Name": "t"}),
           "EntityNotFoundException", f"Database {db}_none not found.")
    expect("GetTable unknown", lambda: rawglue.get_table(DatabaseName=db, Name="nope"), "EntityNotFoundException", "Table nope not found.")
    glue.delete_table(DatabaseName=db, Name="other")
    expect("DeleteTable twice", lambda: rawglue.delete_table(DatabaseName=db, Name="other"), "EntityNotFoundException", "Table other not found.")

with r.section("Firehose: DataFormatConversionConfiguration checked at create"):
    s3.create_bucket(Bucket=bucket)

    def destination(table, serializer=None, hints=None):
        return {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": "events/", "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
                "BufferingHints": hints or {"SizeInMBs": 64, "IntervalInSeconds": 0},
                "DataFormatConversionConfiguration": {
                    "SchemaConfiguration": {"RoleARN": ROLE, "DatabaseName": db, "TableName": table},
                    "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
                    "OutputFormatConfiguration": {"Serializer": serializer or {"ParquetSerDe": {"Compression": "GZIP"}}}}}

    rawfh = boto3.client("firehose", config=Config(retries={"mode": "standard", "total_max_attempts": 1}), **common)
    r.expect_error("a table that does not exist", lambda: rawfh.create_delivery_stream(DeliveryStreamName=stream + "-x", ExtendedS3DestinationConfiguration=destination("nope")),
                   "InvalidArgumentException", prefix=f"The Glue table {db}.nope could not be read")
    r.expect_error("OrcSerDe", lambda: rawfh.create_delivery_stream(DeliveryStreamName=stream + "-x", ExtendedS3DestinationConfiguration=destination("events", {"OrcSerDe": {}})),
                   "InvalidArgumentException", "OrcSerDe is not supported by Eddy: use ParquetSerDe for record format conversion.")
    r.expect_error("a buffer under 64 MiB", lambda: rawfh.create_delivery_stream(DeliveryStreamName=stream + "-x",
                   ExtendedS3DestinationConfiguration=destination("events", hints={"SizeInMBs": 5, "IntervalInSeconds": 0})),
                   "InvalidArgumentException", "BufferingHints.SizeInMBs must be at least 64 when DataFormatConversionConfiguration is enabled.")

with r.section("Firehose: JSON records delivered as one Parquet object, the bad one to format-conversion-failed"):
    fh.create_delivery_stream(DeliveryStreamName=stream, ExtendedS3DestinationConfiguration=destination("events"))
    deadline = time.monotonic() + 30
    while fh.describe_delivery_stream(DeliveryStreamName=stream)["DeliveryStreamDescription"]["DeliveryStreamStatus"] != "ACTIVE" and time.monotonic() < deadline:
        time.sleep(0.05)
    described = fh.describe_delivery_stream(DeliveryStreamName=stream)["DeliveryStreamDescription"]["Destinations"][0]["ExtendedS3DestinationDescription"]
    r.eq("Describe: the conversion as configured", described["DataFormatConversionConfiguration"]["SchemaConfiguration"]["TableName"], "events")
    records = [
        {"id": 1, "name": "first", "price": "9.99", "at": "2024-01-02 03:04:05", "tags": ["a", "b"], "geo": {"lat": 1.5, "lon": 2.5}},
        {"ID": 2, "Name": "second", "price": 10, "at": 1700000000000},
        "this is not json",
        {"id": 3},
    ]
    out = fh.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": (json.dumps(x) if isinstance(x, dict) else x) + "\n"} for x in records])
    r.eq("PutRecordBatch: accepted", out["FailedPutCount"], 0)
    keys = []
    deadline = time.monotonic() + 30
    while len(keys) < 2 and time.monotonic() < deadline:
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
        time.sleep(0.05)
    r.eq("two objects: the Parquet one and the error one", len(keys), 2)
    parquet = [k for k in keys if k.startswith("events/")]
    errors = [k for k in keys if k.startswith("errors/format-conversion-failed/")]
    r.check("the Parquet object has no extension", len(parquet) == 1 and "." not in parquet[0].rsplit("/", 1)[1], parquet)
    body = s3.get_object(Bucket=bucket, Key=parquet[0])["Body"].read()
    r.eq("it is a Parquet file", (body[:4], body[-4:]), (b"PAR1", b"PAR1"))
    with open(os.path.join(tempfile.gettempdir(), r.prefix + ".parquet"), "wb") as f:
        f.write(body)
    lines = s3.get_object(Bucket=bucket, Key=errors[0])["Body"].read().decode().splitlines()
    r.eq("one format-conversion-failed record", len(lines), 1)
    failed = json.loads(lines[0])
    r.eq("its rawData", base64.b64decode(failed["rawData"]), b"this is not json\n")
    r.eq("its fields", sorted(failed), sorted(["attemptsMade", "arrivalTimestamp", "lastErrorCode", "lastErrorMessage", "attemptEndingTimestamp",
                                               "rawData", "sequenceNumber", "subSequenceNumber", "dataCatalogTable"]))
    r.eq("its table", (failed["dataCatalogTable"]["databaseName"], failed["dataCatalogTable"]["tableName"]), (db, "events"))
    fh.delete_delivery_stream(DeliveryStreamName=stream)

with r.section("Glue: DeleteDatabase deletes its tables"):
    glue.delete_database(Name=db)
    expect("GetTable after DeleteDatabase", lambda: rawglue.get_table(DatabaseName=db, Name="events"), "EntityNotFoundException", f"Database {db} not found.")

r.finish()
