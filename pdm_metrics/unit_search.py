"""Which units a list of units offers: every unit when they are few; nationally (30.000 units),
those whose name holds every word the user typed, at most MAX_OFFERED of them.

Streamlit sends every option of a list to the browser on every run, and the browser searches them
itself: at 1 M ASN the three lists of 30.000 units (the sidebar's OPD, Tren's comparison and the OPD
page's detail) cost about half a second a click (docs/benchmarks.md). So the search runs here, and
a list says when it shows only part of its units.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pdm_metrics.fmt import excerpt, format_int

MAX_OFFERED = int(os.environ.get("PDM_MAX_UNIT_OPTIONS", "1000"))
SEARCH_LABEL = "Cari OPD"  # the field over a list of many units, which its caption names


@dataclass(frozen=True)
class UnitOptions:
    keys: list[str]  # what the list offers, in the names' order; the chosen units always among them
    matching: int  # units whose name matches the search (every unit without one)
    searchable: bool  # too many units for one list: a search field goes above it
    query: str = ""

    @property
    def cut(self) -> bool:
        """Some matching units are not offered."""
        return self.searchable and self.matching > MAX_OFFERED


def unit_options(names: Mapping[str, str], query: str, chosen: Iterable[str | None]) -> UnitOptions:
    """The units to offer of `names` (key -> name, in the order to list them) for the search
    `query` (words in any case, each found in the name), keeping the `chosen` ones."""
    if len(names) <= MAX_OFFERED:
        return UnitOptions(list(names), len(names), searchable=False)
    words = query.casefold().split()
    matching = [key for key, name in names.items() if all(word in name.casefold() for word in words)]
    offered = set(matching[:MAX_OFFERED]) | {key for key in chosen if key in names}
    return UnitOptions([key for key in names if key in offered], len(matching), True, query.strip())


def search_note(options: UnitOptions) -> str | None:
    """What a list under a search field holds: how many units matched, and whether it shows only the first."""
    if not options.searchable:
        return None
    matched = f"OPD yang cocok dengan '{excerpt(options.query, 40)}'" if options.query else "OPD"
    if options.matching == 0:
        return f"Tidak ada {matched}."
    if not options.cut:
        return f"{format_int(options.matching)} {matched}."
    hint = "persempit pencarian" if options.query else f"ketik sebagian nama di kolom {SEARCH_LABEL}"
    return (
        f"Ditampilkan {format_int(MAX_OFFERED)} pertama menurut abjad dari {format_int(options.matching)} "
        f"{matched}; {hint} untuk yang lain."
    )
