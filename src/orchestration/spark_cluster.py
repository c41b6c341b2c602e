"""A Spark standalone cluster on 127.0.0.1: a master and two workers, started from PySpark's own
``bin/spark-class`` (``org.apache.spark.deploy.master.Master``, ``org.apache.spark.deploy.worker.Worker``)
on free ports, and stopped again. ``npm run spark:cluster`` starts one by hand; the runner uses it
with ``npm run spark -- … --master spark://127.0.0.1:<port>``.

The cluster's logs and work folders go to a temporary folder (``--dir`` to keep them), removed at
the stop. Each worker offers 1 core and ``--worker-memory`` (default 2g).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import pyspark

SPARK_HOME = os.path.dirname(os.path.abspath(pyspark.__file__))
SPARK_CLASS = os.path.join(SPARK_HOME, "bin", "spark-class")


class ClusterError(Exception):
    """The cluster did not start; the message says where its log is."""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalCluster:
    """A master and ``workers`` workers on 127.0.0.1; ``start()`` waits until every worker is registered."""

    def __init__(self, workers=2, worker_memory="2g", folder=None):
        self.workers = workers
        self.worker_memory = worker_memory
        self.keep = folder is not None
        self.folder = os.path.abspath(folder) if folder else tempfile.mkdtemp(prefix="pp-spark-cluster-")
        self.port = free_port()
        self.ui_port = free_port()
        self.processes = []

    @property
    def master_url(self):
        return f"spark://127.0.0.1:{self.port}"

    def spawn(self, name, args):
        log = open(os.path.join(self.folder, f"{name}.log"), "wb")  # noqa: SIM115 (open while the process runs; stop() closes it)
        env = {
            **os.environ,
            "SPARK_HOME": SPARK_HOME,
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_WORKER_DIR": os.path.join(self.folder, "work"),
        }
        process = subprocess.Popen(
            [SPARK_CLASS, *args], stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        self.processes.append((name, process, log))

    def alive_workers(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as response:
                state = json.load(response)
        except OSError:
            return -1
        return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")

    def start(self, timeout_s=120):
        self.spawn(
            "master",
            [
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--webui-port",
                str(self.ui_port),
            ],
        )
        for number in range(1, self.workers + 1):
            self.spawn(
                f"worker-{number}",
                [
                    "org.apache.spark.deploy.worker.Worker",
                    self.master_url,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(free_port()),
                    "--webui-port",
                    str(free_port()),
                    "--cores",
                    "1",
                    "--memory",
                    self.worker_memory,
                ],
            )
        deadline = time.monotonic() + timeout_s
        while self.alive_workers() < self.workers:
            for name, process, _ in self.processes:
                if process.poll() is not None:
                    self.stop()
                    raise ClusterError(
                        f"the {name} exited with {process.returncode}; see {os.path.join(self.folder, name + '.log')}"
                    )
            if time.monotonic() > deadline:
                self.stop()
                raise ClusterError(
                    f"{self.workers} workers not registered with {self.master_url} after {timeout_s} s; logs in {self.folder}"
                )
            time.sleep(0.5)
        return self

    def stop(self):
        for _, process, _ in self.processes:
            if process.poll() is None:
                process.terminate()
        for _, process, log in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        self.processes = []
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="npm run spark:cluster --",
        description="Start a Spark standalone cluster on 127.0.0.1 (a master and two workers, free ports) until Ctrl-C.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  npm run spark:cluster\n  # in another terminal, with the master URL it prints:\n"
        "  npm run spark -- databricks/batch_clean.sql databricks/analysis.sql --s3-endpoint http://127.0.0.1:4568 --master spark://127.0.0.1:PORT",
    )
    parser.add_argument("--workers", type=int, default=2, help="number of workers (default 2), 1 core each")
    parser.add_argument("--worker-memory", default="2g", help="memory each worker offers (default 2g)")
    parser.add_argument(
        "--dir", help="keep the logs and work folders here (default: a temporary folder, removed at the stop)"
    )
    args = parser.parse_args(argv)
    cluster = LocalCluster(args.workers, args.worker_memory, args.dir)
    started = time.perf_counter()
    waiting = threading.Event()

    def tick():
        while not waiting.wait(3):
            print(
                f"spark:cluster: starting, {max(cluster.alive_workers(), 0)} of {args.workers} workers registered ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )

    threading.Thread(target=tick, daemon=True).start()
    try:
        cluster.start()
    finally:
        waiting.set()
    print(
        f"spark:cluster: master {cluster.master_url} with {args.workers} workers (web UI http://127.0.0.1:{cluster.ui_port}), started in {time.perf_counter() - started:.1f} s; Ctrl-C stops it",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1):
        if any(p.poll() is not None for _, p, _ in cluster.processes):
            cluster.stop()
            print("spark:cluster: a cluster process exited; stopped the others", file=sys.stderr)
            return 1
    cluster.stop()
    print("spark:cluster: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ClusterError as error:
        print(f"spark:cluster: {error}", file=sys.stderr)
        sys.exit(1)
