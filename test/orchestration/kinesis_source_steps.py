"""Drives src/orchestration/kinesis_source.py's stream reader by hand, as Spark's micro-batch engine
calls it (no Spark session needed), and prints what it saw as JSON.

Usage: python kinesis_source_steps.py ENDPOINT REGION STREAM. The stream holds records on a parent
shard and on its two children (a split). Steps: plan three micro-batches (initialOffset, then
latestOffset / partitions / commit), replay the second from its offsets with a new reader (as after
a crash), and plan once with Trigger.AvailableNow after more records were put by the caller (it
waits for a line on stdin first).
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "src", "orchestration"))

from kinesis_source import KinesisDataSource


def reader(endpoint, region, stream):
    source = KinesisDataSource(
        options={
            "streamName": stream,
            "region": region,
            "endpointUrl": endpoint,
            "awsAccessKey": "local",
            "awsSecretKey": "local",
        }
    )
    return source.streamReader(source.schema())


def rows_of(stream_reader, ranges):
    return [[row[3], row[0], row[4]] for part in ranges for row in stream_reader.read(part)]


def main():
    endpoint, region, stream = sys.argv[1:4]
    first = reader(endpoint, region, stream)
    batches = []
    start = first.initialOffset()
    for _ in range(3):
        end = first.latestOffset(start, None)
        ranges = first.partitions(start, end)
        batches.append(
            {"start": start, "end": end, "cached": [p.rows is not None for p in ranges], "rows": rows_of(first, ranges)}
        )
        first.commit(end)
        start = end
    replayer = reader(endpoint, region, stream)
    replayed = replayer.partitions(batches[1]["start"], batches[1]["end"])
    replay = {"cached": [p.rows is not None for p in replayed], "rows": rows_of(replayer, replayed)}
    print(json.dumps({"batches": batches, "replay": replay}), flush=True)

    sys.stdin.readline()
    drainer = reader(endpoint, region, stream)
    drainer.prepareForTriggerAvailableNow()
    print("prepared", flush=True)
    sys.stdin.readline()
    end = drainer.latestOffset(start, None)
    print(json.dumps({"availableNow": rows_of(drainer, drainer.partitions(start, end))}), flush=True)


if __name__ == "__main__":
    main()
