"""What a page shows when the database or the disk fails: one Indonesian message, never a traceback
or Streamlit's redacted English error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from pdm_metrics import store
from pdm_metrics.errors import PdmError
from pdm_metrics.plain import md
from ui.cache import db_path


@contextmanager
def shown_as_message() -> Iterator[None]:
    """Run a page; a failure no page handled itself (the database held by another process, damaged,
    read-only, a full disk or temporary folder) ends it with the reason and what to do."""
    try:
        yield
    except PdmError as exc:
        _stop_with(exc.message)
    except (store.DatabaseError, OSError) as exc:
        _stop_with(store.database_failure(exc, db_path()).message)


def _stop_with(message: str) -> None:
    st.error(md(message), icon=":material/error:")
    st.caption("Muat ulang halaman untuk mencoba lagi.")
    st.stop()
