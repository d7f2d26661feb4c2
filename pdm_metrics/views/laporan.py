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
    missing_rows,
    selection_counts,
)
from pdm_metrics.views.ringkasan import overview
from pdm_metrics.views.tren import at_risk_opd

REPORT_RANKING_SIZE = 25


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
    table = summary.opd_table.head(REPORT_RANKING_SIZE)
    ranking = [
        (str(o), float(v), str(t).split(" ")[0])
        for o, v, t in zip(table["OPD"], table["Aktivasi (bar)"], table["Aktivasi"], strict=True)
    ]
    risky = at_risk_opd(con, calendar, filters)
    follow_rows = []
    for metric in Metric:
        if not metric_available(con, day, metric):
            follow_rows.append([metric.label, "tidak tersedia", "-"])
            continue
        missing = missing_rows(con, filters, day, metric)
        follow_rows.append([metric.label, format_int(len(missing)), format_int(missing["opd"].nunique())])
    data = report.ReportData(
        title="Laporan Pemantauan Pemutakhiran Data Mandiri (PDM) ASN melalui MySAPK",
        snapshot_date=day,
        scope=f"{format_int(summary.population)} ASN; {filters.description}",
        generated_on=generated_on,
        kpi_rows=[[k.metric.label, k.rate_text, k.count_text, k.deadline_text] for k in summary.kpis],
        history=history,
        ranking=ranking,
        at_risk_rows=[list(map(str, row)) for row in risky.head(20).itertuples(index=False, name=None)],
        follow_up_rows=follow_rows,
    )
    return day, report.build_report(data, calendar)
