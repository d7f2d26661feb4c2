"""Ringkasan's per-OPD tables, written many rows at a time, say for each row what one row alone says."""

from decimal import Decimal

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pdm_metrics.fmt import format_hundredths, format_int, format_pct
from pdm_metrics.metrics import rate_hundredths, rate_pct
from pdm_metrics.views.ringkasan import (
    UNAVAILABLE,
    bar_label,
    download_table,
    missing_by_unit,
    missing_label,
    opd_rates_table,
)
from tests.pdm_2021 import ACTIVATION, PDM, UPDATE, VERIFICATION


def per_unit_counts() -> pd.DataFrame:
    """Counts as store.summary_counts gives them per unit: ties, a unit of no one, and a stage
    (the campaign's last) the file lacks."""
    totals = [3923, 3923, 0, 1, 7, 250, 250]
    done = [2829, 2829, 0, 1, 3, 125, 0]
    return pd.DataFrame(
        {
            "opd_key": [f"k{n}" for n in range(len(totals))],
            "opd": ["Dinas B", "Dinas A", "Kosong", "Satu", "Tujuh", "Separuh", "Nol"],
            "total": totals,
            ACTIVATION.done_column: done,
            UPDATE.done_column: [d // 2 for d in done],
            VERIFICATION.done_column: [0] * len(totals),
            ACTIVATION.has_flag: True,
            UPDATE.has_flag: True,
            VERIFICATION.has_flag: False,
        }
    )


def test_each_rate_and_count_reads_as_one_row_formatted_alone() -> None:
    counts = per_unit_counts()
    table = opd_rates_table(counts, PDM, ACTIVATION).set_index("opd_key")
    for at, key in enumerate(counts["opd_key"].tolist()):
        shown = table.loc[key]
        total = int(counts["total"].iloc[at])
        assert shown["Jumlah ASN"] == format_int(total)
        assert shown[missing_label(ACTIVATION)] == format_int(total - int(counts[ACTIVATION.done_column].iloc[at]))
        for stage in (ACTIVATION, UPDATE):
            done = int(counts[stage.done_column].iloc[at])
            rate = rate_pct(done, total)
            if rate is None:  # no one in the unit: no rate
                assert shown[stage.label] == format_pct(None) and pd.isna(shown[bar_label(stage)])
            else:
                assert shown[stage.label] == f"{format_hundredths(int(rate * 100))} ({format_int(done)})"
                assert shown[bar_label(stage)] == float(rate)  # percent, for the progress bar
        assert shown[VERIFICATION.label] == UNAVAILABLE
        assert pd.isna(shown[bar_label(VERIFICATION)])


def test_lowest_rate_first_and_ties_by_name() -> None:
    table = opd_rates_table(per_unit_counts(), PDM, ACTIVATION)
    assert table["OPD"].tolist()[:3] == ["Nol", "Tujuh", "Separuh"]
    assert table["OPD"].tolist().index("Dinas A") < table["OPD"].tolist().index("Dinas B")


def test_download_rates_are_rate_pct_decimals_and_absent_columns_say_so() -> None:
    counts = per_unit_counts()
    order = opd_rates_table(counts, PDM, ACTIVATION)["opd_key"]
    frame = download_table(counts, order, PDM)
    by_key = counts.set_index("opd_key").loc[order]
    for stage in (ACTIVATION, UPDATE):
        expected = [rate_pct(d, t) for d, t in zip(by_key[stage.done_column], by_key["total"], strict=True)]
        got = frame[f"{stage.label} (%)"].tolist()
        assert got == expected
        # The same Decimal, to its last digit: 72.11, never 72.1100 or 72.1.
        assert [str(g) for g in got] == [str(e) for e in expected]
    assert set(frame[f"{VERIFICATION.label} (%)"]) == {UNAVAILABLE}
    assert Decimal("72.11") in frame[f"{ACTIVATION.label} (%)"].tolist()


def test_the_rates_agree_with_the_hundredths_every_page_uses() -> None:
    counts = per_unit_counts()
    hundredths = rate_hundredths(counts, ACTIVATION)
    table = opd_rates_table(counts, PDM, ACTIVATION).set_index("opd_key")
    for key, value in zip(counts["opd_key"], hundredths, strict=True):
        if not pd.isna(value):
            assert table.loc[key, ACTIVATION.label].startswith(format_hundredths(int(value)))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.sampled_from("ABCDE")), min_size=1, max_size=30),
    st.integers(1, 5),
)
def test_the_first_few_units_missing_are_those_of_the_whole_list(units: list[tuple[int, int, str]], most: int) -> None:
    """A verdict names the first `most` OPD where most ASN are missing; worked out from the few
    that can be first, they are the first of the whole list, ties by name included."""
    totals = [max(total, done) for total, done, _ in units]
    counts = pd.DataFrame(
        {
            "opd": [f"Dinas {letter}" for *_, letter in units],
            "total": totals,
            ACTIVATION.done_column: [done for _, done, _ in units],
            ACTIVATION.has_flag: True,
        }
    )
    whole = missing_by_unit(counts, ACTIVATION)
    assert missing_by_unit(counts, ACTIVATION, most) == whole[:most]
    assert [n for _, n in whole] == sorted(
        (t - d for t, (_, d, _) in zip(totals, units, strict=True) if t > d), reverse=True
    )
