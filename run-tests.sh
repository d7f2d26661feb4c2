#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run lint, types and the whole suite.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  fi
fi
# The app's own modules compiled once (as run-app.sh does): the suite starts Python processes of
# its own (servers, the command line), and on a machine with PYTHONDONTWRITEBYTECODE set each
# would otherwise compile them again.
.venv/bin/python -m compileall -q pdm_metrics ui >/dev/null
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# mypy and the audit of known vulnerabilities in the runtime dependencies (fails on any found;
# lists what it could not check) run beside the tests, which wait on servers and Chromium much of
# their time: 25 s saved on a fresh clone. Their reports follow the tests' and fail the run alike.
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
.venv/bin/mypy >"$reports/mypy" 2>&1 &
types=$!
.venv/bin/pip-audit -r requirements.txt --progress-spinner off >"$reports/pip-audit" 2>&1 &
audit=$!
# Two workers (pytest-xdist): the browser tests mostly wait on a server and Chromium, so two run
# side by side on two cores (12 → 9 min). A worker that runs out of tests takes some of the
# other's queue (worksteal): pytest 7 min 35 s → 7 min 11 s on a fresh clone, one run each.
# The 15 slowest tests close the run: where the next engineer should look when it grows.
# `./run-tests.sh -n 0 …` runs in one process.
status=0
.venv/bin/python -m pytest -n 2 --dist worksteal --durations=15 "$@" || status=$?
report() {  # what it said, and whether it failed
  if ! wait "$2"; then status=1; fi
  cat "$reports/$1"
}
report mypy "$types"
report pip-audit "$audit"
exit "$status"
