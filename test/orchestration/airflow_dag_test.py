"""Runs one DAG of dags/ with ``dag.test()`` on real Airflow and prints its task states as JSON.

Usage: python airflow_dag_test.py DAGS_DIR DAG_ID [--polling-seconds N] [--no-retries]. AIRFLOW_HOME must name a
private folder: the script migrates its SQLite database first. ``--polling-seconds`` shortens the
Databricks operators' wait between ``runs/get`` calls (30 s in the DAG) for a test against a stand-in.
The last line of the output is the JSON: {"state": ..., "tasks": {task_id: state}}.
"""

import argparse
import json
import os
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dags_dir")
    parser.add_argument("dag_id")
    parser.add_argument("--polling-seconds", type=int)
    parser.add_argument("--no-retries", action="store_true", help="a failed task fails the run at once")
    args = parser.parse_args()
    if not os.environ.get("AIRFLOW_HOME"):
        print("AIRFLOW_HOME must name a private folder", file=sys.stderr)
        return 2
    subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "airflow"), "db", "migrate"],
        check=True,
        stdout=subprocess.DEVNULL,
    )

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.path.abspath(args.dags_dir))
    if bag.import_errors:
        print(json.dumps({"import_errors": {k: str(v) for k, v in bag.import_errors.items()}}))
        return 1
    dag = bag.dags[args.dag_id]
    if args.polling_seconds is not None:
        for task in dag.tasks:
            if hasattr(task, "polling_period_seconds"):
                task.polling_period_seconds = args.polling_seconds
    if args.no_retries:
        for task in dag.tasks:
            task.retries = 0
    run = dag.test()
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    print(json.dumps({"state": str(run.state), "tasks": states}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
