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
total=$(grep -cE '^[A-Za-z0-9_.-]+(\[[^]]*\])?==' requirements.txt)
echo "setup:python: installing the $total pinned packages of requirements.txt into .venv (pip's log: .venv/pip.log)"
# pip's own lines go to the log; a line per 10 packages (and the last) says how far it is.
if ! .venv/bin/pip install --disable-pip-version-check --no-input --progress-bar off -r requirements.txt 2>&1 \
  | tee .venv/pip.log \
  | awk -v total="$total" '/^Collecting /{ name = tolower($2); sub(/[=<>!~;[].*/, "", name); gsub(/[_.]/, "-", name)
        if (seen[name]++) next  # a package pip collects again for its extras (uvicorn[standard])
        n++; if (n % 10 == 0 || n == total) { printf "setup:python: %d/%d packages resolved (%s)\n", n, total, $2; fflush() } }
      /^Installing collected packages/{ print "setup:python: installing them ..."; fflush() }'; then
  echo "setup:python: pip failed; the end of .venv/pip.log:" >&2
  tail -n 20 .venv/pip.log >&2
  exit 1
fi
if ! grep -q '^Successfully installed' .venv/pip.log; then
  echo "setup:python: pip did not install the requirements; the end of .venv/pip.log:" >&2
  tail -n 20 .venv/pip.log >&2
  exit 1
fi
.venv/bin/pip check --disable-pip-version-check >/dev/null
# Start one SparkSession so Ivy fetches Delta's jars from Maven Central into .venv/ivy once; Ivy's
# resolution report goes to .venv/ivy.log and is shown only when the fetch fails.
echo "setup:python: fetching Delta's jars from Maven Central into .venv/ivy (Ivy's log: .venv/ivy.log)"
.venv/bin/python src/orchestration/local_spark.py --fetch-jars > .venv/ivy.log 2>&1 &
fetch=$!
waited=0
while kill -0 "$fetch" 2>/dev/null; do
  sleep 1
  waited=$((waited + 1))
  if [ $((waited % 5)) = 0 ]; then echo "setup:python: fetching Delta's jars ... ${waited} s"; fi
done
if ! wait "$fetch"; then
  echo "setup:python: fetching Delta's jars failed; the end of .venv/ivy.log:" >&2
  tail -n 20 .venv/ivy.log >&2
  exit 1
fi
echo "setup:python: Delta's jars in .venv/ivy ($(find .venv/ivy -name '*.jar' | wc -l) jars)"
echo "$want" > "$stamp"
echo "setup:python: .venv ready in $((SECONDS - started)) s ($(.venv/bin/python --version))"
