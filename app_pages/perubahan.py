"""Perubahan: what changed between two snapshots, per OPD, with the names behind each count."""

from functools import partial

import streamlit as st

from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.followup import SHOWN_CHANGES
from pdm_metrics.views import perubahan
from ui import cache, sidebar, widgets

st.title("Perubahan antar Snapshot")
dates = cache.sidebar_choices().dates
if len(dates) < 2:
    st.info("Perubahan membutuhkan sedikitnya dua snapshot. Unggah snapshot berikutnya di halaman Unggah Snapshot.")
    st.stop()
filters = sidebar.current_filters()
newest_first = list(reversed(dates))
shown = newest_first.index(filters.snapshot_date) if filters.snapshot_date in newest_first else 0
right, left = st.columns(2)
to_date = left.selectbox("Sampai snapshot", newest_first, index=shown, format_func=format_date)
earlier = [d for d in newest_first if d < to_date] or newest_first[-1:]
from_date = right.selectbox("Dari snapshot", earlier, format_func=format_date)
campaign = cache.current_campaign()
changes = cache.changes(campaign, from_date, to_date, filters.opd_keys, filters.masked)
kinds = changes.kinds

st.caption(f"Dari {format_date(changes.from_date)} sampai {format_date(changes.to_date)} · {filters.description}")
names = list(kinds)
for row in (names[i : i + 4] for i in range(0, len(names), 4)):
    for column, kind in zip(st.columns(4), row, strict=False):
        withheld = changes.withheld.get(kind)
        figure = "tidak tersedia" if withheld else format_int(changes.totals[kind])
        column.metric(kinds[kind], figure, help=withheld.capitalize() if withheld else None)
for kind, reason in changes.withheld.items():
    st.caption(f"{kinds[kind]}: {reason}.")

st.subheader("Per OPD")
st.dataframe(changes.summary, hide_index=True, width="stretch")
period = f"{changes.from_date.isoformat()}_{changes.to_date.isoformat()}"
subtitle = f"Dari {format_date(changes.from_date)} sampai {format_date(changes.to_date)}"
widgets.download_buttons(changes.summary, f"{campaign.key}_perubahan_{period}", "Perubahan per OPD", subtitle, "diff")

st.subheader("Daftar nama")
tabs = st.tabs(
    [
        f"{label} (tidak tersedia)" if kind in changes.withheld else f"{label} ({format_int(changes.totals[kind])})"
        for kind, label in kinds.items()
    ]
)
for tab, (kind, label) in zip(tabs, kinds.items(), strict=True):
    with tab:
        if kind in changes.withheld:
            st.info(f"{label}: {changes.withheld[kind]}.", icon=":material/visibility_off:")
            continue
        listing = changes.lists[kind]
        if listing.empty:
            st.info(f"Tidak ada ASN pada kategori {label}.")
            continue
        if changes.totals[kind] > SHOWN_CHANGES:
            total = format_int(changes.totals[kind])
            st.caption(f"Ditampilkan {format_int(SHOWN_CHANGES)} pertama dari {total}; unduhan berisi semuanya.")
        st.dataframe(listing, hide_index=True, width="stretch")
        # Every name, read only when a download is clicked.
        every_name = partial(
            perubahan.change_names,
            cache.shown_connection(),
            from_date,
            to_date,
            kind,
            filters.opd_keys,
            filters.masked,
            campaign=campaign.key,
        )
        widgets.download_buttons(
            every_name, f"{campaign.key}_{label.lower().replace(' ', '-')}_{period}", label, subtitle, f"diff-{kind}"
        )
