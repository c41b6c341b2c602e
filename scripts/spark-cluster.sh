#!/usr/bin/env bash
# npm run spark:cluster: a Spark standalone cluster on 127.0.0.1 (a master and two workers on free
# ports) until Ctrl-C (src/orchestration/spark_cluster.py; --help lists the options).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$root/.venv/bin/python" ]; then
  echo "spark:cluster: $root/.venv is missing; run npm run setup:python" >&2
  exit 1
fi
exec "$root/.venv/bin/python" "$root/src/orchestration/spark_cluster.py" "$@"
