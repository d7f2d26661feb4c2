#!/usr/bin/env bash
# Set up and start the dashboard; on an empty database it loads the built-in sample data.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.txt
# The sample data are built here, before the server starts, so the first visitor does not wait for
# them (the app builds them itself when the file is missing, e.g. with PDM_DB set elsewhere).
# The app's own modules compiled once here, so the first visitor's run does not compile them (a
# machine with PYTHONDONTWRITEBYTECODE set would otherwise compile them at every start).
.venv/bin/python -m compileall -q pdm_metrics ui >/dev/null
SAMPLE="${PDM_SAMPLE_DB:-data/pdm-contoh.duckdb}"
if [ -z "${PDM_DB:-}" ] && [ ! -f "$SAMPLE" ]; then
    .venv/bin/python -m pdm_metrics demo --db "$SAMPLE" >/dev/null
fi
exec .venv/bin/streamlit run app.py "$@"
