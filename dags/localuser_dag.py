"""Pinterest batch pipeline on Databricks, once a day (PIPELINE_SPEC.md §7).

Two one-time notebook runs on an existing cluster, submitted through Airflow's Databricks provider
(Jobs API 2.2 ``runs/submit``, then ``runs/get`` until the run ends):

1. ``batch_clean`` reads the S3 sink's JSON for ``<user_id>.pin|geo|user`` and writes the Delta
   tables ``<user_id>_pin_clean``, ``<user_id>_geo_clean``, ``<user_id>_user_clean``
   (databricks/batch_clean.sql).
2. ``analysis`` answers the nine questions over those tables (databricks/analysis.sql).

The file name and the DAG id follow the course's ``<user_id>_dag``; this one is for the default user
id ``localuser``. For yours: copy this file to ``dags/<your_user_id>_dag.py`` and set ``USER_ID``
below (or the ``PINTEREST_USER_ID`` environment variable), then upload it to your MWAA bucket's
``dags/`` folder.

Settings, none read from Airflow's database while the file is parsed:

- ``PINTEREST_USER_ID`` (environment, default ``localuser``): the notebooks' ``user_id`` parameter.
- ``PINTEREST_SINK_ACCESS`` (environment, default ``instance_profile``): how ``batch_clean`` reads the
  bucket, ``instance_profile``, ``unity_catalog`` or ``mount`` (the course's ``/mnt`` mount).
- The Airflow Variables ``databricks_cluster_id`` and ``databricks_notebook_dir`` (the workspace
  folder the notebooks of databricks/ were imported into), templated, so they are read when a task
  runs; their defaults come from ``DATABRICKS_CLUSTER_ID`` and ``DATABRICKS_NOTEBOOK_DIR``.
- The connection ``databricks_default`` holds the workspace host and token.
"""

import os
from datetime import datetime, timedelta

from airflow.providers.databricks.operators.databricks import DatabricksSubmitRunOperator
from airflow.sdk import DAG

USER_ID = os.environ.get("PINTEREST_USER_ID", "localuser")
DAG_ID = f"{USER_ID}_dag"
SINK_ACCESS = os.environ.get("PINTEREST_SINK_ACCESS", "instance_profile")
DEFAULT_CLUSTER_ID = os.environ.get("DATABRICKS_CLUSTER_ID", "1234-567890-abcdefgh")
DEFAULT_NOTEBOOK_DIR = os.environ.get("DATABRICKS_NOTEBOOK_DIR", f"/Users/{USER_ID}/pinterest-pipeline/databricks")

CLUSTER_ID = "{{ var.value.get('databricks_cluster_id', '%s') }}" % DEFAULT_CLUSTER_ID
NOTEBOOK_DIR = "{{ var.value.get('databricks_notebook_dir', '%s') }}" % DEFAULT_NOTEBOOK_DIR

default_args = {
    "owner": USER_ID,
    "depends_on_past": False,
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}

with DAG(
    dag_id=DAG_ID,
    description="Clean the Pinterest batch data and answer the nine questions on Databricks",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=default_args,
    tags=["pinterest", "databricks"],
) as dag:
    batch_clean = DatabricksSubmitRunOperator(
        task_id="batch_clean",
        databricks_conn_id="databricks_default",
        existing_cluster_id=CLUSTER_ID,
        notebook_task={
            "notebook_path": f"{NOTEBOOK_DIR}/batch_clean",
            "base_parameters": {"user_id": USER_ID, "sink_access": SINK_ACCESS},
        },
    )

    analysis = DatabricksSubmitRunOperator(
        task_id="analysis",
        databricks_conn_id="databricks_default",
        existing_cluster_id=CLUSTER_ID,
        notebook_task={
            "notebook_path": f"{NOTEBOOK_DIR}/analysis",
            "base_parameters": {"user_id": USER_ID},
        },
    )

    batch_clean >> analysis
