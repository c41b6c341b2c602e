"""Pinterest batch pipeline on Databricks, once a day (PIPELINE_SPEC.md §7).

Two one-time notebook runs on an existing cluster, submitted through Airflow's Databricks provider
(Jobs API 2.2 ``runs/submit`` / ``runs/get``):

1. ``batch_clean`` reads the S3 sink's JSON for ``<user_id>.pin|geo|user`` and writes the Delta
   tables ``pin_clean``, ``geo_clean``, ``user_clean`` (databricks/batch_clean.sql).
2. ``analysis`` answers the nine questions over those tables (databricks/analysis.sql).

The file name and the DAG id follow the course's ``<user_id>_dag``; this one is for the default user
id ``localuser``. For yours: copy this file to ``dags/<your_user_id>_dag.py`` and set ``USER_ID``
below (or the ``PINTEREST_USER_ID`` environment variable), then upload it to your MWAA bucket's
``dags/`` folder.

Settings, each an Airflow Variable, else an environment variable, else the default shown:
``databricks_cluster_id`` / ``DATABRICKS_CLUSTER_ID`` and ``databricks_notebook_dir`` /
``DATABRICKS_NOTEBOOK_DIR`` (the workspace folder the notebooks of databricks/ were imported into).
The connection ``databricks_default`` holds the workspace host and token.
"""
import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.providers.databricks.operators.databricks import DatabricksSubmitRunOperator

USER_ID = os.environ.get("PINTEREST_USER_ID", "localuser")
DAG_ID = f"{USER_ID}_dag"

CLUSTER_ID = Variable.get(
    "databricks_cluster_id", default_var=os.environ.get("DATABRICKS_CLUSTER_ID", "1234-567890-abcdefgh")
)
NOTEBOOK_DIR = Variable.get(
    "databricks_notebook_dir",
    default_var=os.environ.get("DATABRICKS_NOTEBOOK_DIR", f"/Users/{USER_ID}/pinterest-pipeline/databricks"),
)

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
            "base_parameters": {"user_id": USER_ID},
        },
    )

    analysis = DatabricksSubmitRunOperator(
        task_id="analysis",
        databricks_conn_id="databricks_default",
        existing_cluster_id=CLUSTER_ID,
        notebook_task={"notebook_path": f"{NOTEBOOK_DIR}/analysis"},
    )

    batch_clean >> analysis
