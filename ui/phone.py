"""Laptop and phone from one page: a table in two forms (the phone's compact, names wrapped) and
charts whose titles wrap.

Streamlit tells the server nothing of the screen, so both forms are sent and a CSS width rule
shows one: containers keyed "layar-…" on a laptop, "ponsel-…" on a phone. Both come from the same
frame, so they cannot disagree.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pdm_metrics.fmt import format_int
from pdm_metrics.plain import md
from pdm_metrics.views.common import SHOWN_ROWS

PHONE_MAX_WIDTH = 640  # px: Streamlit's own layout turns to one column below this
PHONE_ROWS = 100  # a phone's table shows the first (worst) rows; the download holds all
_RULES = f"""<style>
@media (max-width: {PHONE_MAX_WIDTH}px) {{ div[class*="st-key-layar-"] {{ display: none; }} }}
@media (min-width: {PHONE_MAX_WIDTH + 1}px) {{ div[class*="st-key-ponsel-"] {{ display: none; }} }}
</style>"""


def width_rules() -> None:
    """The CSS that picks the laptop or phone form (once per run, before any page)."""
    st.html(_RULES)


def table(
    frame: pd.DataFrame,
    phone_columns: Sequence[str],
    key: str,
    phone_note: str = "",
    laptop_note: str = "",
    download: str = "unduhan",  # where every row is (the page's download, or another page's)
    rows: int | None = None,  # how many rows the whole table has, when `frame` holds only its first
    **dataframe: Any,
) -> None:
    """`frame` as Streamlit's table on a laptop (`dataframe`: st.dataframe's options), and on a
    phone as a plain table of `phone_columns` whose text wraps (no column off-screen). Each form
    may have its own caption. Cells are data: they reach the phone's Markdown table only through `md`."""
    total = len(frame) if rows is None else rows
    with st.container(key=f"layar-{key}"):
        # A browser table of 90.000 rows (a national pace table) cost seconds a click to send and
        # draw: the first (worst) rows are shown, the caption says so, the download holds all.
        wide = frame.head(SHOWN_ROWS)
        if len(wide) < total:
            st.caption(
                f"Ditampilkan {format_int(len(wide))} baris teratas dari {format_int(total)}; "
                f"baris lainnya ada di {download}."
            )
        if laptop_note:
            st.caption(laptop_note)
        st.dataframe(wide, hide_index=True, width="stretch", **dataframe)
    with st.container(key=f"ponsel-{key}"):
        shown = frame[list(phone_columns)].head(PHONE_ROWS)
        if len(shown) < total:
            st.caption(
                f"Ditampilkan {format_int(len(shown))} baris teratas dari {format_int(total)}; "
                f"baris lainnya di layar lebar dan di {download}."
            )
        if phone_note:
            st.caption(phone_note)
        st.table(_as_markdown(shown), hide_index=True, border="horizontal")


def _as_markdown(frame: pd.DataFrame) -> pd.DataFrame:
    cells = frame.astype(object).where(frame.notna(), "")
    escaped = pd.DataFrame({md(column): [md(value) for value in cells[column]] for column in frame.columns})
    return escaped.reset_index(drop=True)


def chart(figure: go.Figure, config: dict[str, object]) -> None:
    """A Plotly figure with its title above it as text (a Plotly title is one line, cut on a
    phone). The figure's title was made plain for Plotly: read back to text, then made plain for
    Markdown."""
    title = figure.layout.title.text
    if title:  # changed in place: a cached view hands every run its own copy (st.cache_data)
        figure.update_layout(title=None, margin={"t": 16})
        # A heading without anchor link: nothing around the data-made text is markup or a link.
        st.subheader(md(html.unescape(title)), anchor=False)
    st.plotly_chart(figure, width="stretch", config=config)
