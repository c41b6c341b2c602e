# Template of databricks/stream_kinesis.py. `npm run build:databricks` (streamNotebook in
# src/orchestration/databricks-notebooks.ts) fills each name in double braces and drops these lines
# above the notebook's first line; edit the Python here, then run it.
# Databricks notebook source
# MAGIC %md
# MAGIC # Streaming from Kinesis (PIPELINE_SPEC.md §7)
# MAGIC
# MAGIC Reads `streaming-<user_id>-pin|geo|user`, decodes each record as the local consumer does (the JSON of
# MAGIC a row, a JSON string holding it, or base64 of it), parses it with an explicit schema and checks it
# MAGIC with the batch notebook's rules: a record that cannot be a row is appended with the reason to
# MAGIC `<user_id>_<table>_stream_quarantine`. Every micro-batch is cleaned with the same SQL as the batch
# MAGIC notebook and merged into the Delta tables `<user_id>_pin_table`, `<user_id>_geo_table`,
# MAGIC `<user_id>_user_table`, one checkpoint per table.
# MAGIC The MERGE makes each write idempotent: a micro-batch replayed after a failure adds nothing, and a
# MAGIC post sent again later is not added twice (of two pins with one `unique_id` the smaller `ind` stays,
# MAGIC as in the batch cleaning).
# MAGIC
# MAGIC PySpark, not SQL: `spark.readStream.format("kinesis")` with `foreachBatch` and a checkpoint per
# MAGIC table needs the DataFrame API. Kinesis credentials: an instance profile on the cluster, or the
# MAGIC `aws_key_scope` parameter naming a secret scope holding `access_key` and `secret_key`.
# MAGIC
# MAGIC The definitions below import without Databricks (`import stream_kinesis` on local PySpark with
# MAGIC Delta: the tests run `process_batch` on synthetic micro-batches); the streams start only when the
# MAGIC file runs as a notebook.
# MAGIC
# MAGIC The `trigger` parameter: `continuous` (default) keeps the streams running until you stop them (the last
# MAGIC cell); `availableNow` reads what is in the streams, stores it and stops, as a scheduled job would. Off
# MAGIC Databricks, `npm run spark -- databricks/stream_kinesis.py --kinesis-endpoint URL` runs this notebook
# MAGIC unchanged with a local `format("kinesis")` source (databricks/README.md).
# MAGIC
# MAGIC Databricks Runtime {{DATABRICKS_RUNTIME}} or newer. {{GENERATED}}

# COMMAND ----------

from delta.tables import DeltaTable
from pyspark.sql import functions as F

# `one_json_value(text)`: the text as a VARIANT when it is exactly one JSON value, else NULL; the rule
# batch_clean reads a line by (Spark's parsers ignore what follows the first value).
{{JSON_VALUE_FUNCTION}}

# Each record checked as batch_clean checks a line of the sink (src/contract/raw-rules.ts): READ_SQL
# types the plain records of the view <table>_lines, as <table>_read; CHECKED_SQL gives every record
# its raw columns and the reason it cannot be a row (NULL when it can).
READ_SQL = {}
{{READ_SQL}}
CHECKED_SQL = {}
{{CHECKED_SQL}}

# The shared cleaning SQL (src/cleaning/clean-*.sql, Spark spelling), one query per table
# over the view <table>_raw.
CLEANING_SQL = {}
{{CLEANING_SQL}}

# When a cleaned row of a micro-batch (s) is already in the table (t).
MERGE_CONDITION = {
    {{MERGE_CONDITION}}
}

# COMMAND ----------

# What JavaScript calls white space (its trim() and \s): ASCII white space, Unicode spaces and the byte order mark.
SPACE = r"[\s\p{Z}\x{FEFF}]"
EDGE_SPACE = f"^{SPACE}+|{SPACE}+$"
BASE64 = r"^[A-Za-z0-9+/_-]+={0,2}$"


def trimmed(text):
    return F.regexp_replace(text, EDGE_SPACE, "")


def json_value(text):
    """`text` as a VARIANT when it is exactly one JSON value, else NULL (JSON_VALUE_FUNCTION)."""
    return F.call_function("one_json_value", text)


def is_object(value):
    return F.coalesce(F.schema_of_variant(value).startswith("OBJECT<"), F.lit(False))


def holds_object(text):
    """The JSON of an object in `text`, or in the JSON string `text` is (a row serialised twice)."""
    value = json_value(text)
    inner = trimmed(F.try_variant_get(value, "$", "string"))
    return (
        F.when(is_object(value), text)
        .when(F.schema_of_variant(value) == "STRING", F.when(is_object(json_value(inner)), inner))
    )


def record_lines(batch_df):
    """Each Kinesis record's `data` as the JSON text of its row, decoded as the local consumer decodes
    it (src/streaming/decode-record.ts): the JSON itself, a JSON string holding it, or base64 text of
    either; a record that is none of these keeps its text, for the check to reject."""
    text = trimmed(F.make_valid_utf8(F.col("data").cast("string")))
    compact = F.regexp_replace(text, f"{SPACE}+", "")
    decoded = trimmed(F.make_valid_utf8(F.try_to_binary(F.translate(compact, "-_", "+/"), F.lit("base64")).cast("string")))
    base64 = F.when(
        json_value(text).isNull() & compact.rlike(BASE64) & (F.length(compact) % 4 != 1), holds_object(decoded)
    )
    return batch_df.select(F.coalesce(holds_object(text), base64, text).alias("line"))


def parse_records(batch_df, table):
    """The micro-batch's records checked as batch_clean checks a line (the view <table>_checked): the
    raw columns of `table`, the record's text (`line`), and `reason`, NULL unless it cannot be a row."""
    session = batch_df.sparkSession
    session.sql(JSON_VALUE_FUNCTION)  # in the micro-batch's own session, which may not be the notebook's
    record_lines(batch_df).createOrReplaceTempView(f"{table}_lines")
    session.sql(READ_SQL[table]).createOrReplaceTempView(f"{table}_read")
    return session.sql(CHECKED_SQL[table])


def clean_records(raw_df, table):
    """The shared cleaning SQL over `raw_df`, registered as the view <table>_raw."""
    raw_df.createOrReplaceTempView(f"{table}_raw")
    return raw_df.sparkSession.sql(CLEANING_SQL[table])


def process_batch(batch_df, batch_id, table, user_id):
    """One micro-batch: decode and check, the records that cannot be rows appended to
    <user_id>_<table>_stream_quarantine, the others cleaned and MERGEd into <user_id>_<table>_table
    (each created on first use). The quarantine is written first: a micro-batch replayed after a
    failure shows its bad records twice there, recognisable by `batch_id`, as the local consumer's does."""
    session = batch_df.sparkSession
    # Decoded and checked once: the quarantine, the cleaning (which reads its input several times) and
    # the MERGE read the checkpointed rows. (persist() was not enough: the cleaning SQL did not find
    # the cached rows, and every read decoded the micro-batch again.)
    checked = parse_records(batch_df, table).localCheckpoint()
    rejected = checked.where("reason IS NOT NULL").select(
        F.col("line").alias("record"), "reason", F.lit(batch_id).cast("bigint").alias("batch_id")
    )
    if not rejected.isEmpty():
        rejected.write.format("delta").mode("append").saveAsTable(f"`{user_id}_{table}_stream_quarantine`")
    cleaned = clean_records(checked.where("reason IS NULL").drop("line", "reason"), table)
    target = f"`{user_id}_{table}_table`"  # quoted: a user id may hold a hyphen or start with a digit
    if not session.catalog.tableExists(target):
        cleaned.limit(0).write.format("delta").saveAsTable(target)
    merge = DeltaTable.forName(session, target).alias("t").merge(cleaned.alias("s"), MERGE_CONDITION[table])
    if table == "pin":
        merge = merge.whenMatchedUpdateAll(condition="s.ind < t.ind")
    merge.whenNotMatchedInsertAll().execute()


def read_stream(session, table, user_id, region, aws_key_scope=""):
    """The records of streaming-<user_id>-<table>, as Kinesis gives them (`data` is binary)."""
    reader = (
        session.readStream.format("kinesis")
        .option("streamName", f"streaming-{user_id}-{table}")
        .option("region", region)
        .option("initialPosition", "earliest")
    )
    if aws_key_scope:
        reader = (
            reader.option("awsAccessKey", dbutils.secrets.get(aws_key_scope, "access_key"))
            .option("awsSecretKey", dbutils.secrets.get(aws_key_scope, "secret_key"))
        )
    return reader.load()


def start_streams(session, user_id, region, checkpoint_root, aws_key_scope="", trigger="continuous"):
    """One streaming query per table, each with its own checkpoint; `availableNow`: each stops once it has read its stream."""
    queries = {}
    for table in [{{TABLES}}]:
        writer = (
            read_stream(session, table, user_id, region, aws_key_scope).writeStream
            .foreachBatch(lambda batch_df, batch_id, table=table: process_batch(batch_df, batch_id, table, user_id))
            .option("checkpointLocation", f"{checkpoint_root}/{user_id}_{table}_table")
        )
        if trigger == "availableNow":
            writer = writer.trigger(availableNow=True)
        queries[table] = writer.start()
    return queries

# COMMAND ----------

if __name__ == "__main__":
    {{USER_ID_WIDGET}}
    dbutils.widgets.text("region", "us-east-1", "The streams' AWS region")
    dbutils.widgets.text("checkpoint_root", "/tmp/kinesis_checkpoints", "One checkpoint folder per table goes here")
    dbutils.widgets.text("aws_key_scope", "", "A secret scope with access_key and secret_key; empty: instance profile")
    dbutils.widgets.dropdown("trigger", "continuous", ["continuous", "availableNow"], "continuous: until stopped; availableNow: read the streams, then stop")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    queries = start_streams(
        spark,
        dbutils.widgets.get("user_id"),
        dbutils.widgets.get("region"),
        dbutils.widgets.get("checkpoint_root"),
        dbutils.widgets.get("aws_key_scope"),
        dbutils.widgets.get("trigger"),
    )
    if dbutils.widgets.get("trigger") == "availableNow":
        for query in queries.values():
            query.awaitTermination()

# COMMAND ----------

# MAGIC %md
# MAGIC To stop the streams (and keep the checkpoints for the next start), run the cell below.

# COMMAND ----------

if __name__ == "__main__":
    for query in queries.values():
        query.stop()
