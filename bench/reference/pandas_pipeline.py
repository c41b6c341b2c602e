#!/usr/bin/env python3
"""The pandas reference for the batch benchmark: what a learner would write by hand.

Reads the raw files the Kafka S3 sink wrote (newline-delimited JSON under
``<dataset>/topics/<prefix>.<table>/partition=<p>/<topic>+<p>+<offset>.json``), cleans the pin,
geo and user tables with the rules of src/cleaning/clean-*.sql (PIPELINE_SPEC.md §5), and answers the nine questions of
src/analysis/queries/*.sql with the same filters, tie handling and ordering. Prints (or writes to
--out) one JSON object with the timings, the peak RSS, the row counts and the answers.

Run with Debian's python (pandas 1.5, numpy 1.24):

    /usr/bin/python3 bench/reference/pandas_pipeline.py /tmp/proto/d10k --topic-prefix bench
"""

import argparse
import json
import os
import re
import resource
import sys
import time

import numpy as np
import pandas as pd

TABLES = ("pin", "geo", "user")

RAW_COLUMNS = {
    "pin": [
        "index",
        "unique_id",
        "title",
        "description",
        "poster_name",
        "follower_count",
        "tag_list",
        "is_image_or_video",
        "image_src",
        "downloaded",
        "save_location",
        "category",
    ],
    "geo": ["ind", "timestamp", "latitude", "longitude", "country"],
    "user": ["ind", "first_name", "last_name", "age", "date_joined"],
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


def read_table(files, table):
    # dtype=False: follower_count stays text, ids stay ints; convert_dates=False: timestamps are
    # parsed in the cleaning with one explicit format.
    frames = [pd.read_json(f, lines=True, dtype=False, convert_dates=False) for f in files]
    frames = [f for f in frames if len(f)]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return df.reindex(columns=RAW_COLUMNS[table])  # missing columns -> null, extra ones dropped


def read_tables(dataset, prefix):
    if not os.path.isdir(dataset):
        raise DatasetError(f"dataset folder not found: {dataset}")
    files = {table: sink_files(dataset, f"{prefix}.{table}") for table in TABLES}
    if not any(files.values()):
        raise DatasetError(f"no sink files under {os.path.join(dataset, 'topics')} for topics {prefix}.pin/.geo/.user")
    return {table: read_table(files[table], table) for table in TABLES}


# ---------------------------------------------------------------------------------------------
# Cleaning


def text(s):
    """A column as Python objects, so `.str` works even when every value is null."""
    return s.astype(object)


def empty_to_null(s):
    s = text(s)
    return s.mask(s.str.strip().eq(""))


def placeholder_to_null(s, placeholders):
    s = text(s)
    stripped = s.str.strip()
    return s.mask(stripped.eq("") | stripped.isin(placeholders))


def parse_follower_count(s):
    """'532' -> 532, '1,234' -> 1234, '124k' -> 124000, '1.5k' -> 1500, '2M' -> 2000000, else null."""
    t = text(s).str.strip()
    plain = t.str.fullmatch(r"[0-9]+") | t.str.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+")
    count = t.where(plain.fillna(False)).str.replace(",", "", regex=False).astype(float)
    parts = t.str.extract(r"^([0-9]+(?:\.[0-9]+)?)\s*([kKmM])$")
    multiplier = parts[1].str.lower().map({"k": 1_000.0, "m": 1_000_000.0})
    scaled = np.floor(parts[0].astype(float) * multiplier + 0.5)  # JavaScript's Math.round: halves up
    count = count.fillna(scaled)
    return count.where(count <= MAX_SAFE_INTEGER).astype("Int64")


def save_path(s):
    path = text(s).str.strip().str.replace(r"^local save in\s*", "", regex=True, flags=re.IGNORECASE)
    return path.mask(path.eq(""))


def with_id(df, table):
    """Rows whose id is missing or not a whole number are left out (ours rejects those records)."""
    ids = pd.to_numeric(df[ID_COLUMN[table]], errors="coerce")
    keep = ids.notna() & ids.eq(ids.round())
    df = df[keep].copy()
    df[ID_COLUMN[table]] = ids[keep].astype("int64")
    return df, int((~keep).sum())


def clean_pin(raw):
    df, invalid = with_id(raw, "pin")
    df = df.rename(columns={"index": "ind"})
    for column, placeholders in PIN_PLACEHOLDERS.items():
        df[column] = placeholder_to_null(df[column], placeholders)
    for column in PIN_OTHER_TEXT:
        df[column] = empty_to_null(df[column])
    df["follower_count"] = parse_follower_count(df["follower_count"])
    df["save_location"] = save_path(df["save_location"])
    df = df[PIN_COLUMNS]
    # One row per unique_id (the smallest ind); rows without one only go when exactly repeated.
    df = df.sort_values("ind", kind="stable")
    has_id = df["unique_id"].notna()
    duplicate = has_id & df.duplicated("unique_id")
    duplicate |= df[~has_id].duplicated().reindex(df.index, fill_value=False)
    out = df[~duplicate].reset_index(drop=True)
    return out, {"read": len(raw), "invalid": invalid, "duplicates": int(duplicate.sum()), "output": len(out)}


def clean_geo(raw):
    df, invalid = with_id(raw, "geo")
    latitude = pd.to_numeric(df["latitude"], errors="coerce")
    longitude = pd.to_numeric(df["longitude"], errors="coerce")
    both = latitude.notna() & longitude.notna()
    df["latitude"] = latitude.where(both)  # coordinates are null when either is missing
    df["longitude"] = longitude.where(both)
    df["timestamp"] = pd.to_datetime(df["timestamp"], format=TIMESTAMP_FORMAT, errors="coerce")
    df["country"] = empty_to_null(df["country"])
    # Exact duplicates, on the cleaned values (lists are unhashable: dedupe before building them).
    duplicate = df.duplicated(["ind", "country", "latitude", "longitude", "timestamp"])
    df = df[~duplicate].reset_index(drop=True)
    coordinates = pd.Series(df[["latitude", "longitude"]].values.tolist(), index=df.index, dtype=object)
    df["coordinates"] = coordinates.where(df["latitude"].notna(), None)
    out = df[GEO_COLUMNS]
    return out, {"read": len(raw), "invalid": invalid, "duplicates": int(duplicate.sum()), "output": len(out)}


def clean_user(raw):
    df, invalid = with_id(raw, "user")
    first = text(df["first_name"]).str.strip().replace("", np.nan)
    last = text(df["last_name"]).str.strip().replace("", np.nan)
    df["user_name"] = (first + " " + last).fillna(first).fillna(last)
    age = pd.to_numeric(df["age"], errors="coerce")
    df["age"] = age.where(age.eq(age.round())).astype("Int64")
    df["date_joined"] = pd.to_datetime(df["date_joined"], format=TIMESTAMP_FORMAT, errors="coerce")
    df = df[USER_COLUMNS]
    duplicate = df.duplicated()
    out = df[~duplicate].reset_index(drop=True)
    return out, {"read": len(raw), "invalid": invalid, "duplicates": int(duplicate.sum()), "output": len(out)}


# ---------------------------------------------------------------------------------------------
# The nine questions


def age_group(age):
    """18-24, 25-35, 36-50, +50 (bounds inclusive); other ages -> NaN. Ordered as in the SQL."""
    return pd.cut(age.astype(float), bins=[17, 24, 35, 50, np.inf], labels=AGE_GROUPS)


def top_ranked(counts, value, by=None):
    """Rows whose value ranks first (ties kept), per group `by` or overall: SQL's RANK() = 1."""
    values = counts.groupby(by, observed=True)[value] if by else counts[value]
    return counts[values.rank(method="min", ascending=False) == 1]


def median_disc(df, keys):
    """PERCENTILE_DISC(0.5) per group: the sorted values' element at ceil(n/2) - 1, i.e. the lower
    middle for an even count. quantile(interpolation='lower') takes element floor((n-1)/2): the same."""
    values = df.assign(follower_count=df["follower_count"].astype("int64"))
    return (
        values.groupby(keys, observed=True)["follower_count"]
        .quantile(0.5, interpolation="lower")
        .rename("median_follower_count")
        .reset_index()
    )


def records(df, columns):
    """Plain JSON values: ints as ints, strings as strings."""
    rows = []
    for values in zip(*(df[c].tolist() for c in columns)):
        row = {}
        for column, v in zip(columns, values):
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                row[column] = None
            elif isinstance(v, (int, np.integer)) or (isinstance(v, (float, np.floating)) and float(v).is_integer()):
                row[column] = int(v)
            else:
                row[column] = str(v)
        rows.append(row)
    return rows


def analyse(pin, geo, user):
    answers = {}
    posts = pin[["ind", "category", "poster_name", "follower_count"]]
    pin_geo = posts.merge(geo[["ind", "country", "timestamp"]], on="ind")
    pin_user = posts.merge(user[["ind", "age", "date_joined"]], on="ind")
    pin_user["age_group"] = age_group(pin_user["age"])
    pin_user["post_year"] = pin_user["date_joined"].dt.year
    joined = pin_user[pin_user["post_year"].between(2015, 2020)].astype({"post_year": "int64"})
    with_followers = pin_user[pin_user["follower_count"].notna()]
    joined_followers = joined[joined["follower_count"].notna()]

    # Q1: the most popular category in each country.
    q1 = (
        pin_geo.dropna(subset=["country", "category"])
        .groupby(["country", "category"])
        .size()
        .reset_index(name="category_count")
    )
    q1 = top_ranked(q1, "category_count", "country").sort_values(["country", "category"])
    answers["q1"] = records(q1, ["country", "category", "category_count"])

    # Q2: the most popular category of each year, 2018 to 2022.
    q2 = pin_geo.assign(post_year=pin_geo["timestamp"].dt.year)
    q2 = q2[q2["post_year"].between(2018, 2022) & q2["category"].notna()].astype({"post_year": "int64"})
    q2 = q2.groupby(["post_year", "category"]).size().reset_index(name="category_count")
    q2 = top_ranked(q2, "category_count", "post_year").sort_values(["post_year", "category"])
    answers["q2"] = records(q2, ["post_year", "category", "category_count"])

    # Q3a: the user with the most followers in each country; Q3b: the country whose top user has most.
    known = pin_geo.dropna(subset=["country", "poster_name", "follower_count"])
    q3a = known.groupby(["country", "poster_name"])["follower_count"].max().reset_index()
    q3a = top_ranked(q3a, "follower_count", "country").sort_values(["country", "poster_name"])
    answers["q3a"] = records(q3a, ["country", "poster_name", "follower_count"])
    q3b = known.groupby("country")["follower_count"].max().reset_index()
    q3b = top_ranked(q3b, "follower_count").sort_values("country")
    answers["q3b"] = records(q3b, ["country", "follower_count"])

    # Q4: the most popular category in each age group.
    q4 = (
        pin_user.dropna(subset=["age_group", "category"])
        .groupby(["age_group", "category"], observed=True)
        .size()
        .reset_index(name="category_count")
    )
    q4 = top_ranked(q4, "category_count", "age_group").sort_values(["age_group", "category"])
    answers["q4"] = records(q4, ["age_group", "category", "category_count"])

    # Q5: the median follower count in each age group.
    q5 = median_disc(with_followers.dropna(subset=["age_group"]), ["age_group"]).sort_values("age_group")
    answers["q5"] = records(q5, ["age_group", "median_follower_count"])

    # Q6: users joined per year, 2015 to 2020 (one per user_clean row).
    years = user["date_joined"].dt.year
    q6 = years[years.between(2015, 2020)].astype("int64").value_counts().sort_index()
    q6 = q6.rename_axis("post_year").reset_index(name="number_users_joined")
    answers["q6"] = records(q6, ["post_year", "number_users_joined"])

    # Q7: the median follower count by join year, 2015 to 2020.
    q7 = median_disc(joined_followers, ["post_year"]).sort_values("post_year")
    answers["q7"] = records(q7, ["post_year", "median_follower_count"])

    # Q8: the median follower count by age group and join year.
    q8 = median_disc(joined_followers.dropna(subset=["age_group"]), ["age_group", "post_year"])
    q8 = q8.sort_values(["age_group", "post_year"])
    answers["q8"] = records(q8, ["age_group", "post_year", "median_follower_count"])
    return answers


# ---------------------------------------------------------------------------------------------


def run(dataset, prefix):
    start = time.perf_counter()
    raw = read_tables(dataset, prefix)
    read_done = time.perf_counter()
    pin, pin_counts = clean_pin(raw["pin"])
    geo, geo_counts = clean_geo(raw["geo"])
    user, user_counts = clean_user(raw["user"])
    del raw
    clean_done = time.perf_counter()
    answers = analyse(pin, geo, user)
    end = time.perf_counter()
    counts = {}
    for table, c in (("pin", pin_counts), ("geo", geo_counts), ("user", user_counts)):
        counts[table] = {"read": c["read"], "duplicates": c["duplicates"], "output": c["output"]}
        if c["invalid"]:  # rows without a usable id (none in generated data): read = invalid + duplicates + output
            counts[table]["invalid"] = c["invalid"]
    return {
        "engine": "pandas",
        "pandas": pd.__version__,
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
        description="pandas reference pipeline: read the S3 sink's raw files, clean pin/geo/user, answer the nine questions."
    )
    parser.add_argument("dataset", help="folder holding topics/<prefix>.<table>/partition=<p>/*.json")
    parser.add_argument("--topic-prefix", default="bench", help="topic name prefix (default: bench)")
    parser.add_argument("--out", help="write the JSON result to this file instead of stdout")
    args = parser.parse_args(argv)
    try:
        result = run(args.dataset, args.topic_prefix)
    except DatasetError as error:
        print(f"pandas_pipeline: {error}", file=sys.stderr)
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
