#!/usr/bin/env python3
"""The Polars reference for the batch benchmark: the pandas reference written as fast Polars.

Reads the raw files the Kafka S3 sink wrote (newline-delimited JSON under
``<dataset>/topics/<prefix>.<table>/partition=<p>/<topic>+<p>+<offset>.json``), cleans the pin,
geo and user tables with the rules of pandas_pipeline.py (the shared cleaning SQL of
src/cleaning/), and answers the nine questions of src/analysis/queries/*.sql with the same filters,
tie handling and ordering. Its counts and answers equal pandas_pipeline.py's. Prints (or writes to
--out) one JSON object with the timings, the peak RSS, the row counts and the answers.

Each table's files are read in one ``pl.read_ndjson`` call with the schema the sink writes; the
cleaning and the nine questions are lazy queries, collected together (``pl.collect_all``).

Run with the workspace's Python (polars from requirements.txt):

    .venv/bin/python bench/reference/polars_pipeline.py /tmp/proto/d10k --topic-prefix bench
"""

import argparse
import json
import os
import re
import resource
import sys
import time

import polars as pl

TABLES = ("pin", "geo", "user")

# The columns read from the raw records, with the types the sink writes (other keys, such as pin's
# `downloaded`, are not read; missing ones are null). A table whose files do not fit this schema
# is read as text and coerced instead.
RAW_SCHEMA = {
    "pin": {
        "index": pl.Int64,
        "unique_id": pl.String,
        "title": pl.String,
        "description": pl.String,
        "poster_name": pl.String,
        "follower_count": pl.String,
        "tag_list": pl.String,
        "is_image_or_video": pl.String,
        "image_src": pl.String,
        "save_location": pl.String,
        "category": pl.String,
    },
    "geo": {
        "ind": pl.Int64,
        "timestamp": pl.String,
        "latitude": pl.Float64,
        "longitude": pl.Float64,
        "country": pl.String,
    },
    "user": {
        "ind": pl.Int64,
        "first_name": pl.String,
        "last_name": pl.String,
        "age": pl.Int64,
        "date_joined": pl.String,
    },
}
ID_COLUMN = {"pin": "index", "geo": "ind", "user": "ind"}

# Values that mean "no value", per pin column (compared without surrounding white space).
PIN_PLACEHOLDERS = {
    "title": ["No Title Data Available"],
    "description": ["No description available Story format", "No description available", "Untitled"],
    "poster_name": ["User Info Error"],
    "follower_count": ["User Info Error"],
    "tag_list": ["N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e"],
    "image_src": ["Image src error."],
}
PIN_OTHER_TEXT = ["unique_id", "is_image_or_video", "category"]
PIN_COLUMNS = [
    "ind",
    "unique_id",
    "title",
    "description",
    "follower_count",
    "poster_name",
    "tag_list",
    "is_image_or_video",
    "image_src",
    "save_location",
    "category",
]
GEO_COLUMNS = ["ind", "country", "coordinates", "timestamp"]
USER_COLUMNS = ["ind", "user_name", "age", "date_joined"]

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_SAFE_INTEGER = 2**53 - 1  # ours keeps follower counts as exact JavaScript numbers
AGE_GROUPS = ["18-24", "25-35", "36-50", "+50"]
AGE_GROUP = pl.Enum(AGE_GROUPS)  # sorts in this order, as the SQL does
# Lazy queries run on the in-memory engine: their inputs are already in memory, and at 1,000,000
# posts the streaming engine (what engine="auto" picked) peaked about 1 GB higher and was no faster.
ENGINE = "in-memory"


class DatasetError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Reading


def sink_files(dataset, topic):
    """The topic's files in order of partition, then start offset (both numeric)."""
    topic_dir = os.path.join(dataset, "topics", topic)
    if not os.path.isdir(topic_dir):
        return []
    found = []
    for part in os.listdir(topic_dir):
        match = re.fullmatch(r"partition=(\d+)", part)
        if not match or not os.path.isdir(os.path.join(topic_dir, part)):
            continue
        for name in os.listdir(os.path.join(topic_dir, part)):
            offset = re.fullmatch(r".+\+\d+\+(\d+)\.json", name)
            if offset:
                found.append((int(match.group(1)), int(offset.group(1)), os.path.join(topic_dir, part, name)))
    return [path for _, _, path in sorted(found)]


def text_schema(table):
    """The table's columns, every one read as text."""
    return {column: pl.String for column in RAW_SCHEMA[table]}


def read_table(files, table):
    schema = RAW_SCHEMA[table]
    if not files:
        return pl.DataFrame(schema=schema)
    try:
        return pl.read_ndjson(files, schema=schema)
    except pl.exceptions.PolarsError:
        # A value of another type (e.g. an id written as "12"): read every column as text; the
        # cleaning coerces them as pandas' to_numeric(errors='coerce') would.
        return pl.read_ndjson(files, schema=text_schema(table))


def table_files(dataset, prefix):
    if not os.path.isdir(dataset):
        raise DatasetError(f"dataset folder not found: {dataset}")
    files = {table: sink_files(dataset, f"{prefix}.{table}") for table in TABLES}
    if not any(files.values()):
        raise DatasetError(f"no sink files under {os.path.join(dataset, 'topics')} for topics {prefix}.pin/.geo/.user")
    return files


def read_tables(dataset, prefix):
    files = table_files(dataset, prefix)
    return {table: read_table(files[table], table) for table in TABLES}


def scan_tables(dataset, prefix, as_text=False):
    """The streaming form: each table a lazy scan, read while the cleaning runs (nothing held raw)."""
    files = table_files(dataset, prefix)
    scans = {}
    for table in TABLES:
        schema = text_schema(table) if as_text else RAW_SCHEMA[table]
        scans[table] = pl.scan_ndjson(files[table], schema=schema) if files[table] else pl.LazyFrame(schema=schema)
    return scans


# ---------------------------------------------------------------------------------------------
# Cleaning


def empty_to_null(column):
    c = pl.col(column)
    return pl.when(c.str.strip_chars() == "").then(None).otherwise(c).alias(column)


def placeholder_to_null(column, placeholders):
    c = pl.col(column)
    return pl.when(c.str.strip_chars().is_in(["", *placeholders])).then(None).otherwise(c).alias(column)


def number(column):
    """A column as floats; text that is not a number -> null."""
    return pl.col(column).cast(pl.Float64, strict=False)


def whole_number(column):
    """A column as whole numbers (Int64); missing, not a number or not whole -> null."""
    x = number(column)
    return pl.when(x == x.floor()).then(x).cast(pl.Int64, strict=False)


def parse_follower_count(column):
    """'532' -> 532, '1,234' -> 1234, '124k' -> 124000, '1.5k' -> 1500, '2M' -> 2000000, else null."""
    t = pl.col(column).str.strip_chars()
    plain = t.str.contains(r"^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)$")
    count = pl.when(plain).then(t.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False))
    parts = t.str.extract_groups(r"^([0-9]+(?:\.[0-9]+)?)\s*([kKmM])$")
    multiplier = (
        parts.struct[1]
        .str.to_lowercase()
        .replace_strict({"k": 1_000.0, "m": 1_000_000.0}, default=None, return_dtype=pl.Float64)
    )
    scaled = (parts.struct[0].cast(pl.Float64) * multiplier + 0.5).floor()  # JavaScript's Math.round: halves up
    count = count.fill_null(scaled)
    return pl.when(count <= MAX_SAFE_INTEGER).then(count).cast(pl.Int64).alias(column)


def save_path(column):
    path = pl.col(column).str.strip_chars().str.replace(r"(?i)^local save in\s*", "")
    return pl.when(path == "").then(None).otherwise(path).alias(column)


def timestamp(column):
    """Text in TIMESTAMP_FORMAT -> Datetime; anything else -> null."""
    return pl.col(column).str.to_datetime(TIMESTAMP_FORMAT, strict=False).alias(column)


def with_id(raw, table):
    """Rows whose id is missing or not a whole number are left out (ours rejects those records)."""
    ids = raw.lazy().with_columns(whole_number(ID_COLUMN[table]).alias("ind"))
    return ids.filter(pl.col("ind").is_not_null())


def clean_pin(raw):
    df = (
        with_id(raw, "pin")
        .with_columns(
            *(placeholder_to_null(column, placeholders) for column, placeholders in PIN_PLACEHOLDERS.items()),
            *(empty_to_null(column) for column in PIN_OTHER_TEXT),
            save_path("save_location"),
        )
        .with_columns(parse_follower_count("follower_count"))
        .select(PIN_COLUMNS)
    )
    # One row per unique_id (the one with the smallest ind); rows without one only go when exactly repeated.
    # (A stable sort: rows with the same unique_id and ind keep the first read, as pandas' does.)
    with_uid = (
        df.filter(pl.col("unique_id").is_not_null()).sort("ind", maintain_order=True).unique("unique_id", keep="first")
    )
    without_uid = df.filter(pl.col("unique_id").is_null()).unique(keep="first")
    return pl.concat([with_uid, without_uid])


def clean_geo(raw):
    latitude, longitude = number("latitude"), number("longitude")
    both = latitude.is_not_null() & longitude.is_not_null()
    df = with_id(raw, "geo").with_columns(
        pl.when(both).then(latitude).alias("latitude"),  # coordinates are null when either is missing
        pl.when(both).then(longitude).alias("longitude"),
        timestamp("timestamp"),
        empty_to_null("country"),
    )
    # Exact duplicates, on the cleaned values.
    df = df.unique(["ind", "country", "latitude", "longitude", "timestamp"], keep="first")
    return df.with_columns(
        pl.when(pl.col("latitude").is_not_null()).then(pl.concat_list("latitude", "longitude")).alias("coordinates")
    ).select(GEO_COLUMNS)


def clean_user(raw):
    def part(column):
        name = pl.col(column).str.strip_chars()
        return pl.when(name == "").then(None).otherwise(name)

    age = number("age")
    df = (
        with_id(raw, "user")
        .with_columns(
            pl.concat_str(part("first_name"), part("last_name"), separator=" ", ignore_nulls=True).alias("user_name"),
            pl.when(age == age.floor()).then(age).cast(pl.Int64, strict=False).alias("age"),
            timestamp("date_joined"),
        )
        .with_columns(
            pl.when(pl.col("user_name") == "")
            .then(None)
            .otherwise(pl.col("user_name"))
            .alias("user_name"),  # both missing
        )
        .select(USER_COLUMNS)
    )
    return df.unique(keep="first")


def clean_tables(raw, engine=ENGINE):
    """The three cleaned tables and their counts (raw: DataFrames, or lazy scans with engine="streaming")."""
    cleaners = {"pin": clean_pin, "geo": clean_geo, "user": clean_user}
    with_ids = [with_id(raw[table], table).select(pl.len()) for table in TABLES]
    reads = [raw[table].lazy().select(pl.len()) for table in TABLES]
    collected = pl.collect_all([cleaners[table](raw[table]) for table in TABLES] + with_ids + reads, engine=engine)
    tables, counts = {}, {}
    for i, table in enumerate(TABLES):
        out, kept, read = collected[i], collected[len(TABLES) + i].item(), collected[2 * len(TABLES) + i].item()
        tables[table] = out
        counts[table] = {
            "read": read,
            "invalid": read - kept,
            "duplicates": kept - out.height,
            "output": out.height,
        }
    return tables, counts


# ---------------------------------------------------------------------------------------------
# The nine questions


def age_group(column):
    """18-24, 25-35, 36-50, +50 (bounds inclusive); other ages -> null. Ordered as in the SQL."""
    age = pl.col(column)
    return (
        pl.when(age.is_between(18, 24))
        .then(pl.lit("18-24"))
        .when(age.is_between(25, 35))
        .then(pl.lit("25-35"))
        .when(age.is_between(36, 50))
        .then(pl.lit("36-50"))
        .when(age > 50)
        .then(pl.lit("+50"))
        .cast(AGE_GROUP)
        .alias("age_group")
    )


def top_ranked(counts, value, by=None):
    """Rows whose value ranks first (ties kept), per group `by` or overall: SQL's RANK() = 1."""
    rank = pl.col(value).rank("min", descending=True)
    return counts.filter((rank.over(by) if by else rank) == 1)


def median_disc(df, keys):
    """PERCENTILE_DISC(0.5) per group: the sorted values' element at ceil(n/2) - 1, i.e. the lower
    middle for an even count. quantile(interpolation='lower') takes element floor((n-1)/2): the same."""
    return df.group_by(keys).agg(
        pl.col("follower_count").quantile(0.5, interpolation="lower").cast(pl.Int64).alias("median_follower_count")
    )


def records(df, columns):
    """Plain JSON values: ints as ints, strings as strings (age groups as their labels)."""
    return df.select(columns).to_dicts()


def analyse(pin, geo, user):
    posts = pin.lazy().select("ind", "category", "poster_name", "follower_count")
    pin_geo = posts.join(geo.lazy().select("ind", "country", "timestamp"), on="ind")
    pin_user = posts.join(user.lazy().select("ind", "age", "date_joined"), on="ind").with_columns(
        age_group("age"), pl.col("date_joined").dt.year().alias("post_year")
    )
    joined = pin_user.filter(pl.col("post_year").is_between(2015, 2020))
    with_followers = pin_user.filter(pl.col("follower_count").is_not_null())
    joined_followers = joined.filter(pl.col("follower_count").is_not_null())
    queries = {}

    # Q1: the most popular category in each country.
    q1 = (
        pin_geo.drop_nulls(["country", "category"])
        .group_by("country", "category")
        .agg(pl.len().alias("category_count"))
    )
    queries["q1"] = (
        top_ranked(q1, "category_count", "country").sort("country", "category"),
        ["country", "category", "category_count"],
    )

    # Q2: the most popular category of each year, 2018 to 2022.
    q2 = (
        pin_geo.with_columns(pl.col("timestamp").dt.year().alias("post_year"))
        .filter(pl.col("post_year").is_between(2018, 2022), pl.col("category").is_not_null())
        .group_by("post_year", "category")
        .agg(pl.len().alias("category_count"))
    )
    queries["q2"] = (
        top_ranked(q2, "category_count", "post_year").sort("post_year", "category"),
        ["post_year", "category", "category_count"],
    )

    # Q3a: the user with the most followers in each country; Q3b: the country whose top user has most.
    known = pin_geo.drop_nulls(["country", "poster_name", "follower_count"])
    q3a = known.group_by("country", "poster_name").agg(pl.col("follower_count").max())
    queries["q3a"] = (
        top_ranked(q3a, "follower_count", "country").sort("country", "poster_name"),
        ["country", "poster_name", "follower_count"],
    )
    q3b = known.group_by("country").agg(pl.col("follower_count").max())
    queries["q3b"] = (top_ranked(q3b, "follower_count").sort("country"), ["country", "follower_count"])

    # Q4: the most popular category in each age group.
    q4 = (
        pin_user.drop_nulls(["age_group", "category"])
        .group_by("age_group", "category")
        .agg(pl.len().alias("category_count"))
    )
    queries["q4"] = (
        top_ranked(q4, "category_count", "age_group").sort("age_group", "category"),
        ["age_group", "category", "category_count"],
    )

    # Q5: the median follower count in each age group.
    q5 = median_disc(with_followers.drop_nulls("age_group"), ["age_group"]).sort("age_group")
    queries["q5"] = (q5, ["age_group", "median_follower_count"])

    # Q6: users joined per year, 2015 to 2020 (one per user_clean row).
    q6 = (
        user.lazy()
        .select(pl.col("date_joined").dt.year().alias("post_year"))
        .filter(pl.col("post_year").is_between(2015, 2020))
        .group_by("post_year")
        .agg(pl.len().alias("number_users_joined"))
        .sort("post_year")
    )
    queries["q6"] = (q6, ["post_year", "number_users_joined"])

    # Q7: the median follower count by join year, 2015 to 2020.
    q7 = median_disc(joined_followers, ["post_year"]).sort("post_year")
    queries["q7"] = (q7, ["post_year", "median_follower_count"])

    # Q8: the median follower count by age group and join year.
    q8 = median_disc(joined_followers.drop_nulls("age_group"), ["age_group", "post_year"])
    queries["q8"] = (q8.sort("age_group", "post_year"), ["age_group", "post_year", "median_follower_count"])

    names = list(queries)
    frames = pl.collect_all([queries[name][0] for name in names], engine=ENGINE)
    return {name: records(frame, queries[name][1]) for name, frame in zip(names, frames)}


# ---------------------------------------------------------------------------------------------


def run(dataset, prefix, streaming=False):
    start = time.perf_counter()
    if streaming:
        # Read and cleaned in the same queries: the time is all in "clean".
        read_done = time.perf_counter()
        try:
            tables, table_counts = clean_tables(scan_tables(dataset, prefix), engine="streaming")
        except pl.exceptions.PolarsError:
            tables, table_counts = clean_tables(scan_tables(dataset, prefix, as_text=True), engine="streaming")
    else:
        raw = read_tables(dataset, prefix)
        read_done = time.perf_counter()
        tables, table_counts = clean_tables(raw)
        del raw
    clean_done = time.perf_counter()
    answers = analyse(tables["pin"], tables["geo"], tables["user"])
    end = time.perf_counter()
    counts = {}
    for table in TABLES:
        c = table_counts[table]
        counts[table] = {"read": c["read"], "duplicates": c["duplicates"], "output": c["output"]}
        if c["invalid"]:  # rows without a usable id (none in generated data): read = invalid + duplicates + output
            counts[table]["invalid"] = c["invalid"]
    return {
        "engine": "polars",
        **({"form": "streaming"} if streaming else {}),
        "polars": pl.__version__,
        "seconds": {
            "read": round(read_done - start, 4),
            "clean": round(clean_done - read_done, 4),
            "analyse": round(end - clean_done, 4),
            "total": round(end - start, 4),
        },
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "counts": counts,
        "answers": answers,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Polars reference pipeline: read the S3 sink's raw files, clean pin/geo/user, answer the nine questions."
    )
    parser.add_argument("dataset", help="folder holding topics/<prefix>.<table>/partition=<p>/*.json")
    parser.add_argument("--topic-prefix", default="bench", help="topic name prefix (default: bench)")
    parser.add_argument("--out", help="write the JSON result to this file instead of stdout")
    parser.add_argument(
        "--streaming",
        action="store_true",
        help="the lazy/streaming form: scan the files and clean them in Polars' streaming engine (for sizes that do not fit in memory)",
    )
    args = parser.parse_args(argv)
    try:
        result = run(args.dataset, args.topic_prefix, streaming=args.streaming)
    except DatasetError as error:
        print(f"polars_pipeline: {error}", file=sys.stderr)
        return 1
    body = json.dumps(result)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(body + "\n")
    else:
        print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
