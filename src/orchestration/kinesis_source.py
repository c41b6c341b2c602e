"""A Kinesis source for Structured Streaming on plain Spark: ``spark.readStream.format("kinesis")``.

Databricks' Kinesis source exists on Databricks only, and no Spark 4 Kinesis connector is on Maven
Central, so this one is a Python data source (``pyspark.sql.datasource``, PySpark 4.2) over boto3.
It reads any Kinesis endpoint (the local stack's kinesalite, or AWS) and gives the columns of
Databricks' source: ``partitionKey``, ``data`` (binary), ``stream``, ``shardId``, ``sequenceNumber``,
``approximateArrivalTimestamp``.

Offsets are per-shard sequence numbers, kept by Spark in the query's checkpoint:
``{"shards": {"shardId-…": {"after": "<last sequence number read>", "ended": false}}}``. A
micro-batch is the records after ``start`` up to ``end`` in each shard: the driver reads them while
finding ``end`` (``latestOffset``) and hands them to the tasks; a batch replayed from the checkpoint
after a crash is read again from Kinesis by sequence number, so its content is the same.

Shard lineage as the Kinesis Client Library keeps it: a child shard (a split's two, a merge's one)
is read only once every parent is read to its end (``SHARD_END``) in an earlier micro-batch, so a
partition key's records reach the sink in the order they were put. Shards are listed at every
micro-batch, so a reshard is followed without a restart. ``Trigger.AvailableNow`` reads what arrived
before the query started, then stops.

``register_kinesis_source(spark, endpoint_url=...)`` registers it under the name ``kinesis`` with
the endpoint as a default option (``npm run spark -- … --kinesis-endpoint URL`` does).
"""

import datetime
import os
import time
from typing import ClassVar

from pyspark.sql.datasource import DataSource, DataSourceStreamReader, InputPartition
from pyspark.sql.streaming.datasource import SupportsTriggerAvailableNow

SCHEMA = (
    "partitionKey STRING, data BINARY, stream STRING, shardId STRING, sequenceNumber STRING, "
    "approximateArrivalTimestamp TIMESTAMP"
)
# PIPELINE_SPEC.md §8: at most 10,000 records per GetRecords call and 5 calls a second per shard.
MAX_RECORDS_PER_CALL = 10_000
CALL_INTERVAL_S = 0.2


class KinesisSourceError(Exception):
    """A misconfigured source or records gone from the stream; the message says what to do."""


class KinesisDataSource(DataSource):
    """``format("kinesis")``: options ``streamName`` (one stream), ``region``, ``initialPosition``
    (``earliest`` / ``trim_horizon``), ``awsAccessKey`` / ``awsSecretKey``, ``endpointUrl``,
    ``maxRecordsPerFetch`` (per shard and micro-batch, default 100,000)."""

    defaults: ClassVar[dict[str, str]] = {}

    @classmethod
    def name(cls):
        return "kinesis"

    def schema(self):
        return SCHEMA

    def streamReader(self, schema):
        # Spark's option names are case-insensitive (given as lower case): so are the defaults.
        return KinesisStreamReader(
            {**{k.lower(): v for k, v in self.defaults.items()}, **{k.lower(): v for k, v in self.options.items()}}
        )


class ShardRange(InputPartition):
    """The records of one shard after ``after`` up to ``until`` (sequence numbers); ``rows`` when the driver read them already."""

    def __init__(self, shard_id, after, until, rows=None):
        super().__init__(shard_id)
        self.shard_id = shard_id
        self.after = after
        self.until = until
        self.rows = rows


class KinesisStreamReader(DataSourceStreamReader, SupportsTriggerAvailableNow):
    def __init__(self, options):
        self.options = dict(options)
        self.stream = self.options.get("streamname", "")
        if not self.stream or "," in self.stream:
            raise KinesisSourceError(
                "format('kinesis'): give one stream in option streamName (locally, one stream per query)"
            )
        position = self.options.get("initialposition", "trim_horizon").lower()
        if position not in ("earliest", "trim_horizon"):
            raise KinesisSourceError(
                f"format('kinesis'): initialPosition {position!r} is not supported locally; use earliest"
            )
        self.max_records = int(self.options.get("maxrecordsperfetch", "100000"))
        self.until = None
        self._client = None
        self._fetched = {}

    def __getstate__(self):
        # The tasks get the options only: a boto3 client and the driver's reads stay on the driver.
        state = dict(self.__dict__)
        state["_client"] = None
        state["_fetched"] = {}
        return state

    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            kwargs = {"region_name": self.options.get("region") or os.environ.get("AWS_REGION") or "us-east-1"}
            if self.options.get("endpointurl"):
                kwargs["endpoint_url"] = self.options["endpointurl"]
            if self.options.get("awsaccesskey"):
                kwargs["aws_access_key_id"] = self.options["awsaccesskey"]
                kwargs["aws_secret_access_key"] = self.options.get("awssecretkey", "")
            self._client = boto3.client(
                "kinesis", config=Config(retries={"mode": "standard", "max_attempts": 10}), **kwargs
            )
        return self._client

    def initialOffset(self):
        return {"shards": {}}

    def prepareForTriggerAvailableNow(self):
        self.until = datetime.datetime.now(datetime.UTC)

    def list_shards(self):
        """The stream's shards as (id, parents, closed), every page of ListShards."""
        shards = []
        for page in self.client().get_paginator("list_shards").paginate(StreamName=self.stream):
            for shard in page.get("Shards", []):
                parents = [p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p]
                closed = "EndingSequenceNumber" in shard.get("SequenceNumberRange", {})
                shards.append((shard["ShardId"], parents, closed))
        return shards

    def latestOffset(self, start, limit=None):
        positions = {sid: dict(pos) for sid, pos in start["shards"].items()}
        listed = self.list_shards()
        for sid, _, _ in listed:
            positions.setdefault(sid, {"after": "", "ended": False})
        self._fetched = {}
        for sid, parents, closed in listed:
            position = positions[sid]
            # A parent no longer listed (trimmed) has nothing left; a listed one must have ended in an earlier batch.
            if position["ended"] or any(
                p in positions and not start["shards"].get(p, {}).get("ended") for p in parents
            ):
                continue
            rows, ended = self.fetch(sid, position["after"], closed=closed)
            if rows:
                self._fetched[(sid, position["after"])] = rows
                position["after"] = rows[-1][4]
            position["ended"] = ended
        return {"shards": positions}

    def fetch(self, shard_id, after, until=None, closed=False):
        """Rows of ``shard_id`` after ``after`` (to ``until``, or to the tip, at most maxRecordsPerFetch), and whether the shard ended.

        A ``closed`` shard (listed with an ending sequence number) is read to its end in one go, so
        its children can start at the next micro-batch."""
        client = self.client()
        kind = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": after}
            if after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator = client.get_shard_iterator(StreamName=self.stream, ShardId=shard_id, **kind)["ShardIterator"]
        rows = []
        while iterator:
            output = client.get_records(ShardIterator=iterator, Limit=MAX_RECORDS_PER_CALL)
            for record in output["Records"]:
                if until is not None and int(record["SequenceNumber"]) > int(until):
                    return rows, False
                if self.until is not None and until is None and record["ApproximateArrivalTimestamp"] > self.until:
                    return rows, False
                rows.append(self.row(shard_id, record))
            iterator = output.get("NextShardIterator")
            if until is not None and rows and rows[-1][4] == until:
                return rows, False
            caught_up = not closed and (not output["Records"] or output.get("MillisBehindLatest", 0) == 0)
            if until is None and (len(rows) >= self.max_records or (caught_up and iterator)):
                return rows, False
            if iterator:
                time.sleep(CALL_INTERVAL_S)
        return rows, True

    def row(self, shard_id, record):
        return (
            record["PartitionKey"],
            bytes(record["Data"]),
            self.stream,
            shard_id,
            record["SequenceNumber"],
            record["ApproximateArrivalTimestamp"],
        )

    def partitions(self, start, end):
        ranges = []
        for sid, position in end["shards"].items():
            after = start["shards"].get(sid, {}).get("after", "")
            if position["after"] != after:
                rows = self._fetched.get((sid, after))
                # The rows read while planning, when they are exactly this range; else the task reads it.
                ranges.append(
                    ShardRange(
                        sid, after, position["after"], rows if rows and rows[-1][4] == position["after"] else None
                    )
                )
        return ranges

    def read(self, partition):
        rows = partition.rows
        if rows is None:
            rows, _ = self.fetch(partition.shard_id, partition.after, until=partition.until)
            if not rows or rows[-1][4] != partition.until:
                raise KinesisSourceError(
                    f"{self.stream} {partition.shard_id}: the records up to {partition.until} are no longer in the stream "
                    "(past its retention period); start the query again with a new checkpoint location"
                )
        yield from rows

    def commit(self, end):
        self._fetched = {}


def register_kinesis_source(spark, endpoint_url=None, access_key=None, secret_key=None):
    """Registers the source as ``kinesis``, with ``endpoint_url`` and keys as default options."""
    defaults = {}
    if endpoint_url:
        defaults["endpointUrl"] = endpoint_url
        # A local Kinesis accepts any keys; boto3 needs some.
        defaults["awsAccessKey"] = access_key or os.environ.get("AWS_ACCESS_KEY_ID") or "local"
        defaults["awsSecretKey"] = secret_key or os.environ.get("AWS_SECRET_ACCESS_KEY") or "local"
    source = type("LocalKinesisDataSource", (KinesisDataSource,), {"defaults": defaults})
    # The tasks import this module: shipped to the executors (a cluster's workers have no PYTHONPATH of ours).
    spark.sparkContext.addPyFile(os.path.abspath(__file__))
    spark.dataSource.register(source)
    return source
