# Template of databricks/stream_kinesis.py. `npm run build:databricks` (streamNotebook in
# src/orchestration/databricks-notebooks.ts) fills each name in double braces and drops these lines
# above the notebook's first line; edit the Python here, then run it.
# Databricks notebook source
# MAGIC %md
# MAGIC # Streaming from Kinesis (PIPELINE_SPEC.md §7)
# MAGIC
# MAGIC Reads `streaming-<user_id>-pin|geo|user`, parses each record with an explicit schema, cleans every
# MAGIC micro-batch with the same SQL as the batch notebook and merges it into the Delta tables
# MAGIC `<user_id>_pin_table`, `<user_id>_geo_table`, `<user_id>_user_table`, one checkpoint per table.
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
from pyspark.sql.functions import col, from_json

# Explicit raw schemas (src/contract/raw-records.ts): from_json ignores unknown fields.
RAW_SCHEMAS = {
    {{RAW_SCHEMAS}}
}

# The shared cleaning SQL (src/cleaning/clean-*.sql, Spark spelling), one query per table
# over the view <table>_raw.
CLEANING_SQL = {}
{{CLEANING_SQL}}

# When a cleaned row of a micro-batch (s) is already in the table (t).
MERGE_CONDITION = {
    {{MERGE_CONDITION}}
}

# COMMAND ----------

def parse_records(batch_df, table):
    """Kinesis records (a binary `data` column holding JSON) as the raw columns of `table`."""
    return batch_df.select(from_json(col("data").cast("string"), RAW_SCHEMAS[table]).alias("record")).select("record.*")


def clean_records(raw_df, table):
    """The shared cleaning SQL over `raw_df`, registered as the view <table>_raw."""
    raw_df.createOrReplaceTempView(f"{table}_raw")
    return raw_df.sparkSession.sql(CLEANING_SQL[table])


def process_batch(batch_df, batch_id, table, user_id):
    """One micro-batch: parse, clean, MERGE into <user_id>_<table>_table (created on first use)."""
    session = batch_df.sparkSession
    cleaned = clean_records(parse_records(batch_df, table), table)
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
