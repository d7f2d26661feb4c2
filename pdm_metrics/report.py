"""Laporan PDF for meetings: KPIs, the trend chart with deadlines, the OPD ranking, at-risk OPD
and follow-up counts, dated and titled.

Charts are drawn with matplotlib's object API (no pyplot: it is not thread-safe in a
server) and the text uses the DejaVu fonts that matplotlib ships, so the report builds
offline with no browser and no system fonts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF
from matplotlib import colormaps
from matplotlib.dates import date2num as _date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from pdm_metrics.charts import month_ticks, stage_color
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import format_date, format_decimal
from pdm_metrics.metrics import Rates


def date2num(value: Any) -> Any:
    """matplotlib's day number (typed wrapper: matplotlib.dates is untyped)."""
    return _date2num(value)  # type: ignore[no-untyped-call]


# Names come from files: "$x$" in an OPD's name is text, not mathtext (which would also raise on a
# lone "$" pair it cannot parse). matplotlib draws only this module's charts in the process.
matplotlib.rcParams["text.parse_math"] = False
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
PERCENT = FuncFormatter(lambda value, _: f"{format_decimal(value, 0)}%")


@dataclass(frozen=True)
class ReportData:
    title: str
    snapshot_date: date
    scope: str  # the filters, in words
    generated_on: date
    verdicts: list[tuple[str, str]]  # "Aktivasi: Terlewat", the sentence after it
    definitions: list[tuple[str, str]]  # Tahap, what it means
    kpi_rows: list[list[str]]  # Tahap, Persentase, Jumlah, Tenggat
    history: list[Rates]
    ranking: list[tuple[str, float, str]]  # OPD, rate, label; lowest first
    ranking_title: str  # says when the ranking is cut
    at_risk_rows: list[list[str]]  # OPD, Tahap, Persentase, Proyeksi, Keterangan; worst first
    at_risk_note: str  # says when the list is cut ("" when it is whole)
    follow_up_rows: list[list[str]]  # Tahap, ASN belum, OPD terlibat
    notes: list[str] = field(default_factory=list)  # what the reader must know (units not yet mapped)


def trend_png(history: list[Rates], calendar: Calendar) -> bytes:
    fig = Figure(figsize=(10, 4.2), dpi=150)
    ax = fig.subplots()
    for row, phase in enumerate(calendar.phases):
        color = stage_color(phase.stage)
        ax.axvspan(date2num(phase.start), date2num(phase.end + timedelta(days=1)), color=color, alpha=0.07)
        ax.axvline(date2num(phase.end), color=color, linestyle="--", linewidth=1.2)
        label = f"Tenggat {phase.stage.label}\n{format_date(phase.end)}"
        ax.annotate(label, (date2num(phase.end), 2 + 9 * row), fontsize=7, color=color, ha="right", va="bottom")
    for stage in calendar.campaign.stages:
        points = [(r.snapshot_date, float(v)) for r in history if (v := r.rate(stage)) is not None]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", markersize=3, color=stage_color(stage), label=stage.label)
    ax.axhline(100, color="#C0392B", linestyle=":", linewidth=1)
    dates = [r.snapshot_date for r in history] + [p.start for p in calendar.phases] + [p.end for p in calendar.phases]
    ticks, labels = month_ticks(min(dates), max(dates))
    ax.set_xticks(date2num(ticks), labels, fontsize=8)
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(PERCENT)
    ax.grid(axis="y", color="#EEEEEE")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def ranking_png(ranking: list[tuple[str, float, str]]) -> bytes:
    fig = Figure(figsize=(10, 0.3 * len(ranking) + 0.8), dpi=150)
    ax = fig.subplots()
    names = [r[0] for r in ranking]
    values = [r[1] for r in ranking]
    bars = ax.barh(names, values, color=[colormaps["RdYlGn"](v / 100) for v in values])
    ax.bar_label(bars, labels=[r[2] for r in ranking], fontsize=7, padding=2)
    ax.invert_yaxis()
    ax.set_xlim(0, 112)
    ax.xaxis.set_major_formatter(PERCENT)
    ax.tick_params(axis="y", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


class _Report(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, f"{self.footer_text} · halaman {self.page_no()}", align="C")

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font("DejaVu", "B", 12)
        self.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 9)

    def paragraph(self, lead: str, text: str) -> None:
        """A bold lead, then its sentence, wrapped."""
        self.set_font("DejaVu", "B", 9)
        self.write(5, f"{lead}: ")
        self.set_font("DejaVu", "", 9)
        self.write(5, text)
        self.ln(6)

    def rows(self, header: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        with self.table(col_widths=widths, text_align="LEFT", line_height=5.5) as table:
            for row in [header, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(value)


def build_report(data: ReportData, calendar: Calendar) -> bytes:
    pdf = _Report(f"Pantau PDM · dibuat {format_date(data.generated_on)}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, data.title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, f"Keadaan per {format_date(data.snapshot_date)} · {data.scope}", new_x="LMARGIN", new_y="NEXT")
    for note in data.notes:
        pdf.paragraph("Catatan", note)
    pdf.heading("Kesimpulan per tahap")
    for headline, text in data.verdicts:
        pdf.paragraph(headline, text)
    pdf.heading("Capaian per tahap")
    pdf.rows(["Tahap", "Persentase", "Jumlah", "Tenggat"], data.kpi_rows, (25, 25, 45, 95))
    pdf.heading("Perkembangan terhadap tenggat")
    pdf.image(io.BytesIO(trend_png(data.history, calendar)), w=190)
    pdf.heading("Tindak lanjut")
    pdf.rows(["Tahap", "ASN belum", "OPD terlibat"], data.follow_up_rows, (40, 40, 40))
    pdf.heading("Arti tiap tahap")
    for label, meaning in data.definitions:
        pdf.paragraph(label, meaning)
    pdf.add_page()
    pdf.heading(data.ranking_title)
    pdf.image(io.BytesIO(ranking_png(data.ranking)), w=190)
    pdf.heading("OPD berisiko tidak mencapai 100% pada tenggat")
    if data.at_risk_rows:
        if data.at_risk_note:
            pdf.multi_cell(0, 5, data.at_risk_note, new_x="LMARGIN", new_y="NEXT")
        pdf.rows(["OPD", "Tahap", "Persentase", "Proyeksi", "Keterangan"], data.at_risk_rows, (48, 20, 25, 22, 75))
    else:
        pdf.cell(0, 6, "Tidak ada OPD berisiko pada laju saat ini.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
