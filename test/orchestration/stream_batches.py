"""Feeds synthetic Kinesis micro-batches to databricks/stream_kinesis.py's ``process_batch`` on local
Spark with Delta, and prints each table after every batch as JSON (the last line of the output).

Usage: python stream_batches.py BATCHES_JSON USER_ID SCRATCH_DIR (the tables go there). BATCHES_JSON holds
``[{"table": "pin", "batch_id": 0, "records": [...]}, ...]``; each record becomes one Kinesis record
whose binary ``data`` is its JSON (a string: its UTF-8 bytes as they are), as ``format("kinesis")``
delivers them. The last line also holds how many records each table's stream quarantine holds.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(ROOT, "databricks"), os.path.join(ROOT, "src", "orchestration")]

from local_spark import build_session
from spark_runner import plain


def main():
    batches_file, user_id, warehouse = sys.argv[1:4]
    with open(batches_file, encoding="utf-8") as source:
        batches = json.load(source)
    spark = build_session(scratch=warehouse)
    import stream_kinesis  # the notebook: its definitions only, the streams start when it runs as a notebook
    from pyspark.sql.types import BinaryType, StringType, StructField, StructType

    schema = StructType([StructField("data", BinaryType()), StructField("partitionKey", StringType())])
    after = []
    try:
        for batch in batches:
            table = batch["table"]
            rows = [
                (bytearray((r if isinstance(r, str) else json.dumps(r)).encode("utf-8")), str(i))
                for i, r in enumerate(batch["records"])
            ]
            stream_kinesis.process_batch(spark.createDataFrame(rows, schema), batch["batch_id"], table, user_id)
            target = f"{user_id}_{table}_table"
            after.append(
                {
                    "table": table,
                    "batch_id": batch["batch_id"],
                    "rows": [plain(r) for r in spark.table(target).collect()],
                }
            )
        quarantined = {}
        for table in sorted({batch["table"] for batch in batches}):
            name = f"{user_id}_{table}_stream_quarantine"
            quarantined[table] = spark.table(name).count() if spark.catalog.tableExists(name) else 0
    finally:
        spark.stop()
    print(json.dumps({"states": after, "quarantined": quarantined}))


if __name__ == "__main__":
    main()
