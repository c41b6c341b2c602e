"""The whole Pinterest pipeline on a laptop, as an Airflow DAG of shell steps.

Runs the npm scripts of this workspace in order (see README and package.json):

1. ``create_topics``: the topics ``<user_id>.pin|geo|user`` (``npm run create-topics``).
2. ``emulate_batch``: posts N generated posts through the REST proxy (``npm run emulate:batch``).
3. ``clean_batch``: reads the S3 sink back and writes the cleaned tables (``npm run clean``).
4. ``analyse``: answers the nine questions and writes the report (``npm run analyse``).

The steps talk to the embedded local stack, which must be running for the whole DAG run: start
it once with ``npm run stack`` (or ``npm run stack -- --background``) in the workspace; each step
fails with a one-line reason if it is not running (no step starts a stack of its own).

Settings from the environment with defaults: ``PINTEREST_PIPELINE_DIR`` (the workspace folder,
default: the parent of this file's folder) and ``PINTEREST_POST_COUNT`` (posts to emulate, 500).
"""

import os
from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

DAG_ID = "pinterest_local_dag"

PIPELINE_DIR = os.environ.get("PINTEREST_PIPELINE_DIR", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POST_COUNT = int(os.environ.get("PINTEREST_POST_COUNT", "500"))

default_args = {
    "owner": "pinterest-pipeline",
    "depends_on_past": False,
    "retries": 1,
    "retry_delay": timedelta(minutes=1),
}

with DAG(
    dag_id=DAG_ID,
    description="The local Pinterest pipeline: topics, emulation, cleaning, analysis",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=default_args,
    tags=["pinterest", "local"],
) as dag:
    create_topics = BashOperator(
        task_id="create_topics",
        bash_command="npm run create-topics",
        cwd=PIPELINE_DIR,
    )

    emulate_batch = BashOperator(
        task_id="emulate_batch",
        bash_command=f"npm run emulate:batch -- --count {POST_COUNT}",
        cwd=PIPELINE_DIR,
    )

    clean_batch = BashOperator(
        task_id="clean_batch",
        bash_command="npm run clean",
        cwd=PIPELINE_DIR,
    )

    analyse = BashOperator(
        task_id="analyse",
        bash_command="npm run analyse",
        cwd=PIPELINE_DIR,
    )

    create_topics >> emulate_batch >> clean_batch >> analyse
