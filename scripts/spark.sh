#!/usr/bin/env bash
# npm run spark -- NOTEBOOK... [options]: runs Databricks notebooks of databricks/ on local Spark with
# Delta (src/orchestration/spark_runner.py; --help lists the options).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$root/.venv/bin/python" ]; then
  echo "spark: $root/.venv is missing; run npm run setup:python" >&2
  exit 1
fi
exec "$root/.venv/bin/python" "$root/src/orchestration/spark_runner.py" "$@"
