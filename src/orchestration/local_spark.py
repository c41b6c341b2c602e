"""A SparkSession with Delta Lake on this machine, as the Databricks notebooks expect one.

Delta's jars come from Maven Central the first time (``configure_spark_with_delta_pip`` adds them
as ``spark.jars.packages``) into the Ivy cache ``.venv/ivy``; later sessions load the cached jars
directly (``spark.jars``), so they neither resolve nor fetch anything. ``npm run setup:python`` runs
``python local_spark.py --fetch-jars`` once for that.

The session matches the notebooks' assumptions: Delta's SQL extension and catalog, Delta as the
default table format (as on Databricks), the session time zone UTC (the cleaned timestamps are UTC), and a persistent warehouse with a Derby metastore when
``warehouse`` is given, so tables written by one run (``batch_clean``) are found by the next
(``analysis``). With ``remote`` it connects to a Spark Connect server instead (``sc://host:port``),
whose own configuration must provide Delta.
"""

import argparse
import glob
import os
import sys
import time
from importlib.metadata import version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IVY_DIR = os.path.join(ROOT, ".venv", "ivy")
# The JVM's options for a local session (driver and executors): HotSpot compiles methods of any size
# (Spark generates large ones for wide expressions), and the parallel collector, which spends less of
# two cores than G1 on a batch job.
JVM_OPTIONS = "-XX:-DontCompileHugeMethods -XX:+UseParallelGC"


def delta_jars():
    """The cached jars of the installed delta-spark version, or [] when they are not fetched yet.

    Only Delta's own (``io.delta_*``, ``io.unitycatalog_*``): Ivy also fetches older copies of
    Jackson, Hadoop, Parquet and log4j that PySpark already ships newer, and must not shadow.
    """
    jars = sorted(
        glob.glob(os.path.join(IVY_DIR, "jars", "io.delta_*.jar"))
        + glob.glob(os.path.join(IVY_DIR, "jars", "io.unitycatalog_*.jar"))
    )
    spark_minor = ".".join(version("pyspark").split(".")[:2])
    wanted = f"io.delta_delta-spark_{spark_minor}_2.13-{version('delta-spark')}.jar"
    return jars if any(os.path.basename(j) == wanted for j in jars) else []


def build_session(master="local[2]", remote=None, warehouse=None, scratch=None, app_name="pinterest-pipeline"):
    """A SparkSession with Delta: local (``master``) or over Spark Connect (``remote``).

    ``warehouse``: a folder that keeps tables and their (Derby) metastore across sessions;
    ``scratch``: a folder for the tables of this session only (in-memory catalog, faster).
    """
    from pyspark.sql import SparkSession

    # Python tasks run the venv's Python (the Kinesis source needs its boto3), on a cluster's workers too.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # ... and import the modules beside this one (kinesis_source), on the driver's Python processes too.
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    if remote:
        return (
            SparkSession.builder.remote(remote)
            .appName(app_name)
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        # Delta replays a table's log in 50 partitions (a cluster's default) at the first read of each
        # version: 50 tasks on 2 cores cost seconds per table; 2 match local[2].
        .config("spark.databricks.delta.snapshotPartitions", "2")
        # The driver holds the listing of every sink object (three per post); 1 GiB, Spark's default,
        # runs out around 100,000 posts. SPARK_DRIVER_MEMORY overrides.
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "4g"))
        # Tables are Delta unless a statement says otherwise, as on Databricks.
        .config("spark.sql.sources.default", "delta")
        # The sink is many small objects (flush.size=1): count a file open as 1 KiB, not 4 MiB, so
        # a task reads thousands of them instead of two.
        .config("spark.sql.files.openCostInBytes", "1024")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.jars.ivy", IVY_DIR)
        # Delta 4.4 parses SQL through its own parser, which drops parameter markers on Spark 4.1+
        # (delta-io/delta#7640); the analyzer-rule substitution binds them as Spark 4.0 and DBR do.
        .config("spark.sql.legacy.parameterSubstitution.constantsOnly", "true")
        # The notebooks' read cells compile to methods over 8,000 bytes of bytecode, which HotSpot leaves
        # interpreted unless told otherwise: compiled, the 1M-post pin read took 14-16 s instead of 23;
        # with the parallel collector too, batch_clean + analysis took 67 s instead of 90 (one
        # `npm run spark` run each).
        .config("spark.driver.extraJavaOptions", f"-Dderby.stream.error.file=/dev/null {JVM_OPTIONS}")
        .config("spark.executor.extraJavaOptions", JVM_OPTIONS)
    )
    if warehouse:
        warehouse = os.path.abspath(warehouse)
        os.makedirs(warehouse, exist_ok=True)
        builder = (
            builder.config("spark.sql.warehouse.dir", os.path.join(warehouse, "tables"))
            .config(
                "spark.hadoop.javax.jdo.option.ConnectionURL",
                f"jdbc:derby:;databaseName={os.path.join(warehouse, 'metastore_db')};create=true",
            )
            .enableHiveSupport()
        )
    elif scratch:
        builder = builder.config("spark.sql.warehouse.dir", os.path.abspath(scratch))
    jars = delta_jars()
    if jars:
        builder = builder.config("spark.jars", ",".join(jars))
    else:
        from delta import configure_spark_with_delta_pip

        builder = configure_spark_with_delta_pip(builder)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def main(argv=None):
    parser = argparse.ArgumentParser(description="Start a local SparkSession with Delta and report how long it took.")
    parser.add_argument(
        "--fetch-jars", action="store_true", help="fetch Delta's jars into .venv/ivy (npm run setup:python does this)"
    )
    parser.parse_args(argv)  # --fetch-jars only names why it runs: starting a session fetches the jars
    started = time.perf_counter()
    session = build_session()
    session.range(1).collect()
    elapsed = time.perf_counter() - started
    print(
        f"SparkSession {session.version} with Delta {version('delta-spark')} started in {elapsed:.1f} s; jars in {IVY_DIR}"
    )
    session.stop()
    if not delta_jars():
        print(f"Delta's jars are not in {IVY_DIR}/jars after the start", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
