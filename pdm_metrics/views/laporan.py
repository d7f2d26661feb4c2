"""Laporan PDF: the printable meeting report."""

from __future__ import annotations

from datetime import date

from pdm_metrics import store
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import (
    format_int,
)
from pdm_metrics.metrics import (
    Metric,
    rates_from_counts,
)
from pdm_metrics.views.common import (
    Filters,
    metric_available,
    selection_counts,
    snapshot_is_sample,
)
from pdm_metrics.views.ringkasan import missing_by_unit, overview
from pdm_metrics.views.tren import at_risk_opd

REPORT_RANKING_SIZE = 25
REPORT_AT_RISK_SIZE = 20


def _ranking_title(shown: int, units: int) -> str:
    title = "Peringkat OPD menurut aktivasi (terendah di atas)"
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
    con: store.Connection, calendar: Calendar, filters: Filters, generated_on: date
) -> tuple[date | None, bytes]:
    """The printable meeting report for the chosen snapshot and filters."""
    # Imported here: matplotlib and fpdf take most of a second to load, and only this page needs them.
    from pdm_metrics import report

    summary = overview(con, calendar, filters)
    if summary is None:
        return None, b""
    day = summary.snapshot_date
    history = [r for r in rates_from_counts(selection_counts(con, filters, False, None)) if r.snapshot_date <= day]
    table = summary.opd_table.head(REPORT_RANKING_SIZE)  # lowest first: the worst are never left out
    ranking = [
        (str(o), float(v), str(t).split(" ")[0])
        for o, v, t in zip(table["OPD"], table["Aktivasi (bar)"], table["Aktivasi"], strict=True)
    ]
    risky = at_risk_opd(con, calendar, filters)  # worst first
    follow_rows = follow_up_counts(con, filters, day)
    data = report.ReportData(
        title=("DATA CONTOH (sintetis) · " if snapshot_is_sample(con, day) else "")
        + "Laporan Pemantauan Pemutakhiran Data Mandiri (PDM) ASN melalui MySAPK",
        snapshot_date=day,
        scope=f"{format_int(summary.population)} ASN; {filters.description}",
        generated_on=generated_on,
        verdicts=[(k.verdict.headline, k.verdict.text) for k in summary.kpis],
        definitions=[(m.label, m.definition) for m in Metric],
        kpi_rows=[[k.metric.label, k.rate_text, k.count_text, k.deadline_text] for k in summary.kpis],
        history=history,
        ranking=ranking,
        ranking_title=_ranking_title(len(ranking), len(summary.opd_table)),
        at_risk_rows=[
            list(map(str, row)) for row in risky.head(REPORT_AT_RISK_SIZE).itertuples(index=False, name=None)
        ],
        at_risk_note=_at_risk_note(len(risky)),
        follow_up_rows=follow_rows,
        notes=summary.notes,
    )
    return day, report.build_report(data, calendar)


def follow_up_counts(con: store.Connection, filters: Filters, day: date) -> list[list[str]]:
    """Per phase: how many ASN have not done it, in how many OPD. Read from the OPD summary
    (milliseconds nationally), not from the roster rows."""
    by_opd = selection_counts(con, filters, True, day)
    rows = []
    for metric in Metric:
        if not metric_available(con, day, metric):
            rows.append([metric.label, "tidak tersedia", "tidak tersedia"])
            continue
        units = missing_by_unit(by_opd, metric)
        rows.append([metric.label, format_int(sum(count for _, count in units)), format_int(len(units))])
    return rows
