# Sourced by the scripts that run a Python program of the workspace's .venv:
#   run_venv_python NAME PROGRAM ARGS...  (NAME prefixes the one-line error when .venv is missing)
run_venv_python() {
  local name="$1" program="$2"
  shift 2
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  if [ ! -x "$root/.venv/bin/python" ]; then
    echo "$name: $root/.venv is missing; run npm run setup:python" >&2
    exit 1
  fi
  exec "$root/.venv/bin/python" "$root/$program" "$@"
}
