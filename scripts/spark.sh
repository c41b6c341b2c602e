#!/usr/bin/env bash
# npm run spark -- NOTEBOOK... [options]: runs Databricks notebooks of databricks/ on local Spark with
# Delta (src/orchestration/spark_runner.py; --help lists the options).
set -euo pipefail
source "$(dirname "$0")/lib/venv-python.sh"
run_venv_python spark src/orchestration/spark_runner.py "$@"
