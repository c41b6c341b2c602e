#!/usr/bin/env bash
# npm run setup:python: builds .venv at the workspace root from requirements.txt (every package
# pinned) and fetches Delta's jars into .venv/ivy, so a SparkSession starts without the network.
# Idempotent: skipped when .venv/.requirements-stamp matches requirements.txt and the Python version.
# PYTHON picks the interpreter (default python3, CPython 3.11 here).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  echo "Usage: npm run setup:python [-- --force]"
  echo "Builds .venv from requirements.txt (PySpark + Delta, Airflow 3, pandas, polars) and caches Delta's jars in .venv/ivy."
  echo "Skips the work when .venv already matches requirements.txt; --force rebuilds it."
  exit 0
fi

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "setup:python: $python not found; install CPython 3.11 or set PYTHON=/path/to/python3" >&2
  exit 1
fi
stamp=.venv/.requirements-stamp
want="$(sha256sum requirements.txt | cut -d' ' -f1) $("$python" -c 'import platform; print(platform.python_version())')"
if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup:python: .venv matches requirements.txt, nothing to do"
  exit 0
fi

started=$SECONDS
rm -rf .venv
"$python" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check --no-input -r requirements.txt
.venv/bin/pip check --disable-pip-version-check >/dev/null
# Start one SparkSession so Ivy fetches Delta's jars from Maven Central into .venv/ivy once.
.venv/bin/python src/orchestration/local_spark.py --fetch-jars
echo "$want" > "$stamp"
echo "setup:python: .venv ready in $((SECONDS - started)) s ($(.venv/bin/python --version))"
