"""Laporan PDF: the printable meeting report."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pdm_metrics import store
from pdm_metrics.campaign import Campaign, Stage
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import format_hundredths, format_int, reading_order
from pdm_metrics.metrics import rates_from_counts
from pdm_metrics.views.common import (
    Filters,
    chosen_units,
    selection_counts,
    snapshot_is_sample,
    stage_available,
)
from pdm_metrics.views.ringkasan import Overview, bar_label, missing_by_unit, missing_label, overview
from pdm_metrics.views.tren import at_risk_opd

REPORT_RANKING_SIZE = 25
REPORT_AT_RISK_SIZE = 20


def _ranking_title(focus: Stage, shown: int, units: int) -> str:
    """The ranking is by people still to chase on the stage in focus (a large OPD at 95 % can hold
    half of them), and says when it is cut."""
    title = f"Peringkat OPD menurut ASN belum {focus.word} terbanyak (terbanyak di atas)"
    if shown < units:
        title += f": {format_int(shown)} terendah dari {format_int(units)} OPD"
    return title


def _at_risk_note(rows: int) -> str:
    """Says that the list is cut, and where the rest is."""
    if rows <= REPORT_AT_RISK_SIZE:
        return ""
    return (
        f"{format_int(REPORT_AT_RISK_SIZE)} dari {format_int(rows)} OPD/tahap berisiko, yang terburuk lebih dulu; "
        "lengkapnya di halaman Tren & Tenggat (unduhan Laju dan proyeksi)."
    )


def report_pdf(
    con: store.Connection,
    calendar: Calendar,
    filters: Filters,
    generated_on: date,
    summary: Overview | None = None,
    risky: pd.DataFrame | None = None,
) -> tuple[date | None, bytes]:
    """The printable meeting report for the chosen snapshot and filters. `summary` (Ringkasan's
    overview) and `risky` (its at-risk rows) may be given as already worked out for the same
    choices, so that the page's report does not compute the pace of every OPD again (seconds
    nationally); the same figures either way."""
    # Imported here: matplotlib and fpdf take most of a second to load, and only this page needs them.
    from pdm_metrics import report

    summary = overview(con, calendar, filters) if summary is None else summary
    if summary is None:
        return None, b""
    day = summary.snapshot_date
    history = [r for r in rates_from_counts(selection_counts(con, filters, False, None)) if r.snapshot_date <= day]
    focus, campaign = summary.focus, summary.campaign
    table = summary.opd_table_by_missing.head(REPORT_RANKING_SIZE)  # most to chase first: never left out
    ranking = [
        (str(o), 0.0 if pd.isna(v) else float(v), f"{str(t).split(' ')[0]} · {m} belum")
        for o, v, t, m in zip(
            table["OPD"], table[bar_label(focus)], table[focus.label], table[missing_label(focus)], strict=True
        )
    ]
    ranking_title = _ranking_title(focus, len(ranking), len(summary.opd_table))
    if by_unit := unit_ranking(con, filters, day, focus):  # one OPD: its units, not a single bar
        ranking = by_unit[:REPORT_RANKING_SIZE]
        ranking_title = f"Peringkat unit kerja {table['OPD'].iloc[0]} menurut ASN belum {focus.word} terbanyak"
        if len(by_unit) > REPORT_RANKING_SIZE:
            ranking_title += f": {format_int(REPORT_RANKING_SIZE)} dari {format_int(len(by_unit))} unit"
    risky = at_risk_opd(con, calendar, filters) if risky is None else risky  # worst first
    follow_rows = follow_up_counts(con, campaign, filters, day)
    data = report.ReportData(
        title=("DATA CONTOH (sintetis) · " if snapshot_is_sample(con, day, filters.campaign_key) else "")
        + f"Laporan Pemantauan {campaign.name}",
        snapshot_date=day,
        scope=f"{format_int(summary.population)} ASN; {report_scope(con, filters)}",
        generated_on=generated_on,
        verdicts=[(k.verdict.headline, k.verdict.text) for k in summary.kpis],
        definitions=[(m.label, m.definition) for m in campaign.stages],
        kpi_rows=[[k.stage.label, k.rate_text, k.count_text, k.deadline_text] for k in summary.kpis],
        history=history,
        ranking=ranking,
        ranking_title=ranking_title,
        at_risk_rows=[
            list(map(str, row)) for row in risky.head(REPORT_AT_RISK_SIZE).itertuples(index=False, name=None)
        ],
        at_risk_note=_at_risk_note(len(risky)),
        follow_up_rows=follow_rows,
        notes=summary.notes,
    )
    return day, report.build_report(data, calendar)


def unit_ranking(con: store.Connection, filters: Filters, day: date, focus: Stage) -> list[tuple[str, float, str]]:
    """For a report of one OPD made of several units (SIASN's UNOR): each unit's rate and
    ASN still to chase on the stage in focus, most to chase first; empty otherwise."""
    if len(filters.opd_keys) != 1:
        return []
    units = store.unit_counts(con, day, filters.opd_keys[0], list(filters.jenis_asn) or None, filters.campaign_key)
    if len(units) < 2 or units[focus.done_column].isna().any():  # one unit, or a status the file lacks
        return []
    rows = []
    for unit, total, done in zip(units["unit"].astype(str), units["total"], units[focus.done_column], strict=True):
        hundredths = (int(done) * 10_000 + int(total) // 2) // max(int(total), 1)  # half up, as every rate
        missing = int(total) - int(done)
        rows.append((unit, hundredths / 100, f"{format_hundredths(hundredths)} · {format_int(missing)} belum", missing))
    rows.sort(key=lambda row: (-row[3], reading_order(row[0])))
    return [(unit, value, text) for unit, value, text, _ in rows]


def report_scope(con: store.Connection, filters: Filters) -> str:
    """Whom the report covers, the chosen OPD by name ("OPD: Dinas Kesehatan; PNS dan PPPK")."""
    named, _ = chosen_units(con, filters)
    return f"{named or 'semua OPD'}; {', '.join(filters.jenis_asn) if filters.jenis_asn else 'PNS dan PPPK'}"


def report_name(con: store.Connection, filters: Filters, day: date) -> str:
    """The PDF's file name: the campaign, the OPD chosen (one by name, several by count), the date."""
    _, slug = chosen_units(con, filters)
    campaign = filters.campaign.key if filters.campaign else store.current_campaign(con).key
    return f"laporan_{campaign}{f'_{slug}' if slug else ''}_{day.isoformat()}.pdf"


def follow_up_counts(con: store.Connection, campaign: Campaign, filters: Filters, day: date) -> list[list[str]]:
    """Per stage: how many ASN have not done it, in how many OPD. Read from the OPD summary
    (milliseconds nationally), not from the roster rows."""
    by_opd = selection_counts(con, filters, True, day)
    rows = []
    for stage in campaign.stages:
        if not stage_available(con, day, stage, filters.campaign_key):
            rows.append([stage.label, "tidak tersedia", "tidak tersedia"])
            continue
        units = missing_by_unit(by_opd, stage)
        rows.append([stage.label, format_int(sum(count for _, count in units)), format_int(len(units))])
    return rows
