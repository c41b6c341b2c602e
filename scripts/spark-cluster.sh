#!/usr/bin/env bash
# npm run spark:cluster: a Spark standalone cluster on 127.0.0.1 (a master and two workers on free
# ports) until Ctrl-C (src/orchestration/spark_cluster.py; --help lists the options).
set -euo pipefail
source "$(dirname "$0")/lib/venv-python.sh"
run_venv_python spark:cluster src/orchestration/spark_cluster.py "$@"
