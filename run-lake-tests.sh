#!/usr/bin/env bash
# The store on DuckLake, tested on a real PostgreSQL: a second virtual environment with DuckDB 1.5
# and the packaged extensions (requirements-lake.txt), a throw-away PostgreSQL cluster on
# 127.0.0.1 (Debian's `postgresql`), then the tests marked `lake`: store, ingest, views and CLI on
# a lake of their own, and several processes writing one lake at once (tests/test_lake.py).
set -euo pipefail
cd "$(dirname "$0")"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
python3 -m venv .venv-lake
.venv-lake/bin/python -m pip install --quiet --upgrade pip
.venv-lake/bin/python -m pip install --quiet -r requirements-dev.txt -r requirements-lake.txt
cluster="$(mktemp -d /tmp/pantau-lake-pg.XXXXXX)"
port="${PDM_LAKE_TEST_PORT:-55439}"
trap '.ci/postgres.sh stop "$cluster" || true; rm -rf "$cluster"' EXIT
server="$(.ci/postgres.sh start "$cluster" "$port")"
PDM_TEST_LAKE="${server/dbname=pantau/dbname=postgres}" .venv-lake/bin/python -m pytest -n 2 -m lake --durations=5 "$@"
