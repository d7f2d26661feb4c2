#!/usr/bin/env bash
# Set up and start the dashboard; on an empty database it loads the built-in sample data.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.txt
exec .venv/bin/streamlit run app.py "$@"
