"""The app as AppTest runs it: opened on a page (and a snapshot date), and its charts read back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def open_app(page: str | None = None, snapshot: dt.date | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    if snapshot:
        at.selectbox(key="snapshot").set_value(snapshot)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figure_of(at: AppTest, index: int = 0) -> dict[str, Any]:
    charts = at.get("plotly_chart")
    spec: dict[str, Any] = json.loads(charts[index].proto.spec)
    return spec
