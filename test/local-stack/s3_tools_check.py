"""The local S3 against boto3, as a learner inspects the bucket: the ListObjectsV2 and ListObjects
paginators past 1,000 keys, and Delimiter='/' at the bucket root and at topics/.

Usage: python3 s3_tools_check.py ENDPOINT BUCKET
Prints one JSON line of what was found; exits 1 with the first difference on stderr.
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

TOPICS = {"u.pin": 1500, "u.geo": 600, "u.user": 400}  # 2,500 keys under topics/


def sink_key(topic, offset):
    return f"topics/{topic}/partition=0/{topic}+0+{offset:010d}.json"


def main(endpoint, bucket):
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="S3RVER",
        aws_secret_access_key="S3RVER",
        config=Config(retries={"max_attempts": 2}),
    )
    keys = [sink_key(topic, offset) for topic, n in TOPICS.items() for offset in range(n)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=bucket, Key=key, Body=b'{"index": 1}\n'), keys))
    s3.put_object(Bucket=bucket, Key="README.txt", Body=b"hello")
    everything = sorted(keys + ["README.txt"])

    found = {}
    v2_pages = [page for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)]
    listed = [obj["Key"] for page in v2_pages for obj in page.get("Contents", [])]
    expect(listed == everything, f"ListObjectsV2 paginator: {len(listed)} keys, expected {len(everything)}")
    expect(len(v2_pages) == 3, f"ListObjectsV2 paginator: {len(v2_pages)} pages, expected 3 of at most 1,000")
    found["v2_keys"] = len(listed)
    found["v2_pages"] = len(v2_pages)

    under_topics = [
        obj["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix="topics/", PaginationConfig={"PageSize": 700}
        )
        for obj in page.get("Contents", [])
    ]
    expect(under_topics == sorted(keys), f"ListObjectsV2 under topics/ in pages of 700: {len(under_topics)} keys")
    found["v2_topics_keys"] = len(under_topics)

    v1 = [
        obj["Key"]
        for page in s3.get_paginator("list_objects").paginate(Bucket=bucket)
        for obj in page.get("Contents", [])
    ]
    expect(v1 == everything, f"ListObjects paginator: {len(v1)} keys, expected {len(everything)}")
    found["v1_keys"] = len(v1)

    root = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    root_prefixes = [p["Prefix"] for p in root.get("CommonPrefixes", [])]
    root_keys = [obj["Key"] for obj in root.get("Contents", [])]
    expect(root_prefixes == ["topics/"], f"Delimiter='/' at the root: common prefixes {root_prefixes}")
    expect(root_keys == ["README.txt"], f"Delimiter='/' at the root: keys {root_keys}")
    expect(root.get("KeyCount") == 2, f"Delimiter='/' at the root: KeyCount {root.get('KeyCount')}")
    found["root_prefixes"] = root_prefixes

    topics = s3.list_objects_v2(Bucket=bucket, Delimiter="/", Prefix="topics/")
    topic_prefixes = [p["Prefix"] for p in topics.get("CommonPrefixes", [])]
    expect(topic_prefixes == sorted(f"topics/{t}/" for t in TOPICS), f"Delimiter='/' at topics/: {topic_prefixes}")
    found["topic_prefixes"] = topic_prefixes

    # Common prefixes count towards MaxKeys and pages continue after them, as in S3.
    paged = [
        p["Prefix"]
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Delimiter="/", Prefix="topics/", PaginationConfig={"PageSize": 1}
        )
        for p in page.get("CommonPrefixes", [])
    ]
    expect(paged == topic_prefixes, f"Delimiter='/' at topics/ one per page: {paged}")
    paged_v1 = [
        p["Prefix"]
        for page in s3.get_paginator("list_objects").paginate(
            Bucket=bucket, Delimiter="/", Prefix="topics/", PaginationConfig={"PageSize": 2}
        )
        for p in page.get("CommonPrefixes", [])
    ]
    expect(paged_v1 == topic_prefixes, f"ListObjects Delimiter='/' at topics/ two per page: {paged_v1}")

    partition = s3.list_objects_v2(Bucket=bucket, Delimiter="/", Prefix="topics/u.geo/partition=0/")
    expect(
        partition.get("KeyCount") == 600 and not partition.get("CommonPrefixes"),
        f"Delimiter='/' at a partition: {partition.get('KeyCount')} keys",
    )
    print(json.dumps(found))


def expect(condition, message):
    if not condition:
        print(f"s3_tools_check: {message}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
