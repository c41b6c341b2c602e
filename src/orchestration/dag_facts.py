"""Loads dags/ with real Airflow (DagBag) and prints, as JSON, what the DAG tests and notebook 06 show.

Usage: .venv/bin/python dag_facts.py DAGS_DIR (src/orchestration/airflow-dags.ts runs it); the last
line of the output is the JSON. Per DAG: file, module docstring, schedule, catchup, start_date,
default_args, the tasks (operator class and the arguments the tests check) and the edges; besides,
the DagBag's import errors and every warning raised from a file of DAGS_DIR.
"""

import json
import os
import sys
import warnings

dags_dir = os.path.abspath(sys.argv[1])

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=dags_dir)

ARGUMENTS = [
    "bash_command",
    "cwd",
    "databricks_conn_id",
    "existing_cluster_id",
    "notebook_task",
    "json",
    "polling_period_seconds",
]


def plain(value):
    if hasattr(value, "total_seconds"):
        return {"seconds": value.total_seconds()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def module_docstring(path):
    import ast

    with open(path, encoding="utf-8") as source:
        return ast.get_docstring(ast.parse(source.read()))


facts = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "warnings": [], "dags": {}}
for warning in caught:
    if os.path.abspath(warning.filename).startswith(dags_dir + os.sep):
        facts["warnings"].append(
            f"{os.path.basename(warning.filename)}:{warning.lineno}: {warning.category.__name__}: {warning.message}"
        )
for dag_id, dag in sorted(bag.dags.items()):
    tasks = []
    for task in dag.tasks:
        tasks.append(
            {
                "task_id": task.task_id,
                "class": type(task).__name__,
                "module": type(task).__module__,
                "owner": task.owner,
                "retries": task.retries,
                "retry_delay": plain(task.retry_delay),
                "arguments": {name: plain(getattr(task, name)) for name in ARGUMENTS if hasattr(task, name)},
                "downstream": sorted(task.downstream_task_ids),
            }
        )
    facts["dags"][dag_id] = {
        "file": os.path.relpath(dag.fileloc, dags_dir),
        "docstring": module_docstring(dag.fileloc),
        "schedule": plain(getattr(dag, "schedule", None)),
        "timetable": type(dag.timetable).__name__,
        "catchup": dag.catchup,
        "start_date": plain(dag.start_date),
        "default_args": plain(dag.default_args),
        "tags": sorted(dag.tags),
        "tasks": tasks,
    }
print(json.dumps(facts))
