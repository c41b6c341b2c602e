"""Runs the Databricks notebooks of databricks/ on plain Spark, cell by cell: ``npm run spark``.

A notebook source file (``-- Databricks notebook source`` / ``# Databricks notebook source``) is
split at its ``COMMAND ----------`` lines. Markdown cells (``%md``) are skipped; SQL cells go to
``spark.sql`` with the notebook parameters bound to their named parameter markers (``:user_id``,
``IDENTIFIER(:user_id || '_pin_clean')``); Python cells (a ``.py`` notebook's, or ``%python`` cells of
a SQL notebook) run with ``spark`` and a small ``dbutils`` stand-in whose widgets hold the parameters.

Parameters: each widget's default from the notebook, replaced by ``--user-id`` and ``--param
name=value``. ``--sink DIR`` (a folder laid out like the sink's bucket) or ``--s3-endpoint URL`` (a
local S3 whose bucket ``user-<user_id>-bucket`` is copied to a temporary folder first) set
``sink_root``, so the notebook's ``s3://user-<user_id>-bucket`` reads the local copy.

``databricks/stream_kinesis.py`` runs unchanged: ``format("kinesis")`` is the local Kinesis source
(``kinesis_source.py``), reading ``--kinesis-endpoint URL`` (the local stack's Kinesis) or AWS.
``--trigger availableNow`` reads what is in the streams and stops; with ``continuous`` (the default)
the runner waits after the cell that started the streams until Ctrl-C (or SIGTERM), then runs the
remaining cells (the one that stops them).

Several notebooks run in one session, in order (``batch_clean.sql analysis.sql``); with
``--warehouse DIR`` the Delta tables and their metastore persist between runs. ``--results FILE``
writes every query cell's rows as JSON, ``--export DIR`` every table of the session's database as
JSON lines (``DIR/<table>.jsonl``), for the parity tests.
"""

import argparse
import datetime
import decimal
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from xml.etree import ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SQL_HEADER = "-- Databricks notebook source"
PY_HEADER = "# Databricks notebook source"
SEPARATORS = {SQL_HEADER: "-- COMMAND ----------", PY_HEADER: "# COMMAND ----------"}
MAGIC = {SQL_HEADER: "-- MAGIC", PY_HEADER: "# MAGIC"}


class RunnerError(Exception):
    """A failure the user can fix; printed as one line."""


def notebook_cells(text):
    """The cells of a notebook source as (language, code): language is sql, python or md."""
    lines = text.split("\n")
    header = lines[0].strip()
    if header not in SEPARATORS:
        raise RunnerError(f"not a Databricks notebook source file: the first line is {lines[0]!r}")
    native = "sql" if header == SQL_HEADER else "python"
    cells = []
    for raw in "\n".join(lines[1:]).split(SEPARATORS[header]):
        cell = raw.strip("\n")
        if not cell.strip():
            continue
        body = cell.strip().split("\n")
        if all(line.startswith(MAGIC[header]) for line in body):
            body = [line[len(MAGIC[header]) + 1 :] if len(line) > len(MAGIC[header]) else "" for line in body]
            magic, rest = body[0].strip(), "\n".join(body[1:])
            language = {"%md": "md", "%python": "python", "%sql": "sql"}.get(magic)
            if language is None:
                raise RunnerError(f"unsupported magic cell {magic!r}")
            cells.append((language, rest))
        else:
            cells.append((native, cell.strip()))
    return cells


class Widgets:
    """``dbutils.widgets``: a widget's value is the parameter given, else its default."""

    def __init__(self, given):
        self.given = dict(given)
        self.values = {}

    def _define(self, name, default):
        self.values[name] = self.given.get(name, default)

    def text(self, name, default_value="", label=None):
        self._define(name, default_value)

    def dropdown(self, name, default_value, choices, label=None):
        value = self.given.get(name, default_value)
        if value not in choices:
            raise RunnerError(f"parameter {name}={value!r} is not one of {', '.join(choices)}")
        self._define(name, default_value)

    def combobox(self, name, default_value, choices=(), label=None):
        self._define(name, default_value)

    def get(self, name):
        if name in self.values:
            return self.values[name]
        if name in self.given:
            return self.given[name]
        raise RunnerError(f"the notebook reads the widget {name!r} before defining it; pass --param {name}=...")

    def getAll(self):
        return {**self.given, **self.values}


class Mount:
    def __init__(self, mount_point, source):
        self.mountPoint = mount_point
        self.source = source


class FileSystem:
    """``dbutils.fs`` for the cells that only look at mounts: a mount is recorded, not made."""

    def __init__(self):
        self.mounted = []

    def mounts(self):
        return list(self.mounted)

    def mount(self, source, mount_point, extra_configs=None):
        parsed = urllib.parse.urlsplit(source)
        shown = f"{parsed.scheme}://***@{parsed.hostname}" if parsed.password else source
        print(
            f"spark: dbutils.fs.mount({shown}, {mount_point}) recorded; mounts exist on Databricks only, locally give --sink",
            file=sys.stderr,
        )
        self.mounted.append(Mount(mount_point, shown))


class Secrets:
    def get(self, scope, key):
        name = f"DATABRICKS_SECRET_{scope}_{key}".upper().replace("-", "_")
        if name not in os.environ:
            raise RunnerError(f"dbutils.secrets.get({scope!r}, {key!r}): set {name} for a local run")
        return os.environ[name]


class DbUtils:
    def __init__(self, params):
        self.widgets = Widgets(params)
        self.fs = FileSystem()
        self.secrets = Secrets()


def plain(value):
    """A Spark value as JSON: timestamps as "YYYY-MM-DD HH:MM:SS", decimals as numbers, rows as objects."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "asDict"):
        return {k: plain(v) for k, v in value.asDict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class Ticker:
    """A progress line for a wait: after 3 s, ``spark: <what> <count> (<seconds> s)`` every second
    (rewritten in place on a terminal, a new line every 5 s otherwise), and the final line at the end."""

    def __init__(self, what, unit=""):
        self.what, self.unit, self.count = what, unit, 0
        self.started = time.perf_counter()
        self.done = threading.Event()
        self.tty = sys.stderr.isatty()
        self.printed = False
        self.thread = threading.Thread(target=self.tick, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        if self.printed and self.tty:
            sys.stderr.write("\n")

    def line(self):
        counted = f" {self.count} {self.unit}" if self.unit else ""
        return f"spark: {self.what}{counted} ({time.perf_counter() - self.started:.0f} s)"

    def tick(self):
        period = 1 if self.tty else 5
        if self.done.wait(3):
            return
        while True:
            sys.stderr.write(("\r" + self.line()) if self.tty else self.line() + "\n")
            sys.stderr.flush()
            self.printed = True
            if self.done.wait(period):
                return


def copy_bucket(endpoint, bucket, into, ticker=None):
    """Every object of ``bucket`` on a local S3 (ListObjects v1 with Marker, unsigned) into a folder."""
    marker, copied = "", 0
    while True:
        query = urllib.parse.urlencode({"marker": marker} if marker else {})
        url = f"{endpoint.rstrip('/')}/{bucket}/" + (f"?{query}" if query else "")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                listing = ElementTree.fromstring(response.read())
        except OSError as error:
            raise RunnerError(
                f"cannot list s3://{bucket} at {endpoint}: {error}; is the local stack running (npm run stack)?"
            ) from error
        ns = listing.tag.split("}")[0] + "}" if listing.tag.startswith("{") else ""
        keys = [c.findtext(f"{ns}Key") for c in listing.findall(f"{ns}Contents")]
        for key in keys:
            target = os.path.join(into, *key.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with (
                urllib.request.urlopen(
                    f"{endpoint.rstrip('/')}/{bucket}/{urllib.parse.quote(key)}", timeout=30
                ) as response,
                open(target, "wb") as out,
            ):
                shutil.copyfileobj(response, out)
            copied += 1
            if ticker:
                ticker.count = copied
        if listing.findtext(f"{ns}IsTruncated") != "true" or not keys:
            return copied
        marker = listing.findtext(f"{ns}NextMarker") or keys[-1]


def read_notebook(path):
    """The cells of the notebook source file at ``path`` (see ``notebook_cells``)."""
    if not os.path.isfile(path):
        raise RunnerError(f"{path} not found")
    with open(path, encoding="utf-8") as source:
        try:
            return notebook_cells(source.read())
        except RunnerError as error:
            raise RunnerError(f"{path}: {error}") from error


def wait_for_streams(spark):
    """Waits while the streaming queries a cell started run, until Ctrl-C / SIGTERM (then stops them) or one of them ends.

    The signals only set a flag: an exception raised inside a blocking Py4J call would break the
    connection to the JVM, so the wait is a loop of one-second waits."""
    active = spark.streams.active
    print(
        f"spark: {len(active)} streaming queries running ({', '.join(q.name or q.id for q in active)}); Ctrl-C stops them",
        file=sys.stderr,
    )
    stop = threading.Event()
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.is_set():
            try:
                if spark.streams.awaitAnyTermination(timeout=1):
                    break
            except Exception as error:
                first = str(error).strip().split("\n")[0]
                raise RunnerError(f"a streaming query failed: {first}") from error
        if stop.is_set():
            print("spark: stopping the streams", file=sys.stderr)
            for query in spark.streams.active:
                query.stop()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_notebook(spark, dbutils, path, cells, results, echo=True, wait_streams=False):
    """Runs one notebook's cells in order; appends each query cell's rows to ``results``."""
    name = os.path.basename(path)
    namespace = {
        "spark": spark,
        "dbutils": dbutils,
        "__name__": "__main__",
        "display": lambda df: df.show(truncate=False),
    }
    for number, (language, code) in enumerate(cells, start=1):
        if language == "md":
            continue
        started = time.perf_counter()
        try:
            if language == "python":
                exec(compile(code, f"{name} cell {number}", "exec"), namespace)  # noqa: S102 (runs the notebook's own cells)
                rows, columns = None, None
            else:
                df = spark.sql(code, args=dict(dbutils.widgets.getAll()))
                columns = df.columns
                rows = [plain(r) for r in df.collect()] if columns else []
        except RunnerError:
            raise
        except Exception as error:
            first = str(error).strip().split("\n")[0]
            raise RunnerError(f"{name} cell {number} ({language}) failed: {first}") from error
        seconds = time.perf_counter() - started
        results.append(
            {
                "notebook": name,
                "cell": number,
                "language": language,
                "seconds": round(seconds, 3),
                "columns": columns,
                "rows": rows,
            }
        )
        if echo:
            summary = f"{len(rows)} rows" if rows is not None and columns else "done"
            print(f"spark: {name} cell {number} ({language}) {summary} in {seconds:.1f} s", file=sys.stderr)
        if wait_streams and spark.streams.active:
            wait_for_streams(spark)


def export_tables(spark, into):
    """Every table of the current database as JSON lines, ``<into>/<table>.jsonl``."""
    os.makedirs(into, exist_ok=True)
    for table in spark.catalog.listTables():
        if table.isTemporary:
            continue
        with open(os.path.join(into, f"{table.name}.jsonl"), "w", encoding="utf-8") as out:
            out.writelines(
                json.dumps(plain(row), ensure_ascii=False) + "\n" for row in spark.table(table.name).toLocalIterator()
            )


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="npm run spark --",
        description="Run Databricks notebooks of databricks/ cell by cell on a local SparkSession with Delta (or a Spark Connect server).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""examples (with the local stack running: npm run stack):
  npm run spark -- databricks/batch_clean.sql databricks/analysis.sql --s3-endpoint http://127.0.0.1:4568
  npm run download-bucket -- --to output/bucket && npm run spark -- databricks/batch_clean.sql databricks/analysis.sql --sink output/bucket
  npm run spark -- databricks/stream_kinesis.py --kinesis-endpoint http://127.0.0.1:4567 --trigger availableNow
  npm run spark:cluster   # then, in another terminal: npm run spark -- databricks/batch_clean.sql --s3-endpoint http://127.0.0.1:4568 --master spark://127.0.0.1:PORT""",
    )
    parser.add_argument("notebooks", nargs="+", help="notebook source files (.sql or .py), run in order in one session")
    parser.add_argument("--user-id", help="the user_id parameter (default: the notebook's, localuser)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="any other notebook parameter; repeatable"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--sink", metavar="DIR", help="a folder laid out like the sink's bucket (topics/<topic>/partition=<p>/...)"
    )
    source.add_argument(
        "--s3-endpoint",
        metavar="URL",
        help="a local S3 (the local stack's: http://127.0.0.1:4568) whose bucket user-<user_id>-bucket is copied first",
    )
    parser.add_argument(
        "--kinesis-endpoint",
        metavar="URL",
        help="the Kinesis format('kinesis') reads (the local stack's: http://127.0.0.1:4567); default AWS",
    )
    parser.add_argument(
        "--trigger",
        choices=["continuous", "availableNow"],
        help="stream_kinesis.py: continuous (default) runs until Ctrl-C; availableNow reads the streams, then stops",
    )
    cluster = parser.add_mutually_exclusive_group()
    cluster.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    cluster.add_argument("--remote", metavar="sc://HOST:PORT", help="a Spark Connect server instead of a local session")
    parser.add_argument(
        "--warehouse",
        metavar="DIR",
        help="keep the Delta tables and their metastore here (default: a temporary folder)",
    )
    parser.add_argument("--results", metavar="FILE", help="write every cell's rows as JSON")
    parser.add_argument("--export", metavar="DIR", help="write every table of the database as DIR/<table>.jsonl")
    parser.add_argument("--quiet", action="store_true", help="no line per cell")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    params = {}
    for item in args.param:
        if "=" not in item:
            raise RunnerError(f"--param {item!r}: expected NAME=VALUE")
        name, value = item.split("=", 1)
        params[name] = value
    if args.user_id:
        params["user_id"] = args.user_id
    if args.trigger:
        params["trigger"] = args.trigger
    notebooks = [(path, read_notebook(path)) for path in args.notebooks]
    cleanup = []
    try:
        if args.sink:
            if not os.path.isdir(args.sink):
                raise RunnerError(f"--sink {args.sink}: no such folder")
            params["sink_root"] = "file://" + os.path.abspath(args.sink)
        elif args.s3_endpoint:
            copy = tempfile.mkdtemp(prefix="pp-spark-sink-")
            cleanup.append(copy)
            bucket = f"user-{params.get('user_id', 'localuser')}-bucket"
            with Ticker(f"copying s3://{bucket} from {args.s3_endpoint}:", "objects") as ticker:
                count = copy_bucket(args.s3_endpoint, bucket, copy, ticker)
            print(f"spark: copied {count} objects of s3://{bucket} from {args.s3_endpoint}", file=sys.stderr)
            params["sink_root"] = "file://" + copy
        scratch = None
        if not args.warehouse and not args.remote:
            scratch = tempfile.mkdtemp(prefix="pp-spark-warehouse-")
            cleanup.append(scratch)
        from local_spark import build_session

        started = time.perf_counter()
        with Ticker(f"starting the Spark session ({args.remote or args.master})"):
            spark = build_session(master=args.master, remote=args.remote, warehouse=args.warehouse, scratch=scratch)
            if not args.remote:
                from kinesis_source import register_kinesis_source

                register_kinesis_source(spark, endpoint_url=args.kinesis_endpoint)
        session_seconds = time.perf_counter() - started
        if not args.quiet:
            print(f"spark: session {spark.version} started in {session_seconds:.1f} s", file=sys.stderr)
        dbutils = DbUtils(params)
        results = []
        timings = []
        try:
            for path, cells in notebooks:
                started = time.perf_counter()
                run_notebook(
                    spark,
                    dbutils,
                    path,
                    cells,
                    results,
                    echo=not args.quiet,
                    wait_streams=params.get("trigger", "continuous") == "continuous",
                )
                timings.append({"notebook": os.path.basename(path), "seconds": round(time.perf_counter() - started, 3)})
                if not args.quiet:
                    print(f"spark: {path} done in {timings[-1]['seconds']:.1f} s", file=sys.stderr)
            if args.export:
                export_tables(spark, args.export)
            jvm_peak = None if args.remote else jvm_peak_rss_bytes(spark)
        finally:
            spark.stop()
        if args.results:
            with open(args.results, "w", encoding="utf-8") as out:
                json.dump(
                    {
                        "session_seconds": round(session_seconds, 3),
                        "notebooks": timings,
                        "cells": results,
                        **({"jvm_peak_rss_bytes": jvm_peak} if jvm_peak else {}),
                    },
                    out,
                    ensure_ascii=False,
                )
        return 0
    finally:
        for folder in cleanup:
            shutil.rmtree(folder, ignore_errors=True)


def jvm_peak_rss_bytes(spark):
    """The local JVM's peak resident memory (Linux's VmHWM), or None: the JVM is not a child that
    GNU time waits for, so the benchmark asks it here."""
    try:
        pid = spark._jvm.java.lang.ProcessHandle.current().pid()
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except Exception:  # noqa: BLE001 - a figure for the benchmark only: none rather than a failed run
        return None
    return None


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunnerError as error:
        print(f"spark: {error}", file=sys.stderr)
        sys.exit(1)
