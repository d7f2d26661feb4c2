"""Plotly figures, pure functions of data: pages only place what these return.

Every label is Indonesian and every number pre-formatted (hover texts carry
'72,11%' and '11 Juli 2021'), and `separators=",."` covers what Plotly itself
prints, so the charts read the same in any browser locale.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from pdm_metrics.campaign import Stage
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import MONTH_NAMES, format_count_of, format_date, format_int, format_pct, reading_order
from pdm_metrics.plain import plotly_text

# One colour per stage slot (the first stage green, the second blue…), and its phase band's fill.
_STAGE_RGB = ((11, 110, 79), (31, 119, 180), (148, 103, 189), (214, 39, 40), (140, 86, 75), (227, 119, 194),
              (127, 127, 127), (188, 189, 34))  # fmt: skip


def stage_color(stage: Stage) -> str:
    red, green, blue = _STAGE_RGB[(stage.slot - 1) % len(_STAGE_RGB)]
    return f"#{red:02X}{green:02X}{blue:02X}"


def stage_fill(stage: Stage) -> str:
    red, green, blue = _STAGE_RGB[(stage.slot - 1) % len(_STAGE_RGB)]
    return f"rgba({red},{green},{blue},0.08)"


# Legend names longer than this wrap: one legend entry is never cut, even on a 390 px phone.
LEGEND_LINE = 40
FONT = "Source Sans Pro, DejaVu Sans, sans-serif"


@dataclass(frozen=True)
class Series:
    """One line of a time chart: dates and rates (None = not available on that date)."""

    name: str
    stage: Stage
    dates: list[date]
    rates: list[Decimal | None]
    counts: list[str]  # pre-formatted '2.829 dari 3.923' per point
    dash: str = "solid"
    mode: str = "lines+markers"


def _base_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    """Size, fonts, legend, and the title (which may name an OPD: shown as text, never markup)."""
    fig.update_layout(
        title={"text": plotly_text(title), "x": 0, "xanchor": "left", "font": {"size": 16}},
        separators=",.",
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font={"family": FONT, "size": 13},
        plot_bgcolor="white",
        paper_bgcolor="white",
        # Anchored to the figure's own bottom, below the axis labels (which rotate on a phone).
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0, "title": None},
        hoverlabel={"font": {"family": FONT}},
    )
    return fig


MAX_MONTH_TICKS = 24


def _shifted(day: date, days: int) -> date:
    """`day` moved by `days`, stopping at the calendar's ends (a stored date typed as 9999-12-31)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def month_ticks(start: date, end: date) -> tuple[list[date], list[str]]:
    """First of each month between start and end, labelled 'Jul 2021' in Indonesian: every month,
    or every second, third… so that at most MAX_MONTH_TICKS are drawn however far apart the
    dates lie (a stored date typed as 9999 makes an axis of eight thousand years)."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = max(1, -(-months // MAX_MONTH_TICKS))
    ticks, labels = [], []
    for index in range(0, max(months, 0), step):
        year, month = divmod(start.month - 1 + index, 12)
        current = date(start.year + year, month + 1, 1)
        ticks.append(current)
        labels.append(f"{MONTH_NAMES[current.month - 1][:3]} {current.year}")
    return ticks, labels


def _percent_axis(fig: go.Figure, title: str = "Persentase ASN") -> None:
    fig.update_yaxes(
        range=[0, 105],
        ticksuffix="%",
        title=title,
        gridcolor="#EEE",
        zeroline=False,
    )


def add_phases(fig: go.Figure, calendar: Calendar) -> None:
    """Each phase as a band in its stage's colour, and its deadline as a dashed line named in the
    legend ("Tenggat <tahap>: <tanggal>"): labels inside the plot lie over the curves on a
    phone, the legend wraps to the screen's width."""
    for phase in calendar.phases:
        fig.add_shape(
            type="rect",
            xref="x",
            yref="paper",
            x0=phase.start,
            x1=phase.end + timedelta(days=1),
            y0=0,
            y1=1,
            fillcolor=stage_fill(phase.stage),
            line={"width": 0},
            layer="below",
            name=f"fase {phase.key}",
        )
        line = {"color": stage_color(phase.stage), "width": 1.5, "dash": "dash"}
        fig.add_shape(
            type="line", xref="x", yref="paper", x0=phase.end, x1=phase.end, y0=0, y1=1, line=line,
            name=f"tenggat {phase.key}",
        )  # fmt: skip
        # A legend entry only: a trace with no points draws nothing and cannot be hovered.
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="lines", line=line, hoverinfo="skip",
                name=plotly_text(f"Tenggat {phase.stage.label}: {format_date(phase.end)}"),
            )
        )  # fmt: skip


def _target_line(fig: go.Figure) -> None:
    fig.add_shape(
        type="line",
        xref="paper",
        yref="y",
        x0=0,
        x1=1,
        y0=100,
        y1=100,
        line={"color": "#C0392B", "width": 1, "dash": "dot"},
        name="target 100%",
    )
    fig.add_annotation(
        x=0.995,
        y=100,
        xref="paper",
        yref="y",
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        text="Target 100%",
        font={"size": 11, "color": "#C0392B"},
        name="label target",
    )


def _series_trace(series: Series) -> go.Scatter:
    points = [(d, r, c) for d, r, c in zip(series.dates, series.rates, series.counts, strict=True) if r is not None]
    name = plotly_text(series.name)  # the compared OPD's name
    legend_name = "<br>".join(plotly_text(line) for line in textwrap.wrap(series.name, LEGEND_LINE) or [""])
    hover = [f"{format_date(d)}<br>{name}: {format_pct(r)}<br>{c}" for d, r, c in points]
    return go.Scatter(
        x=[d for d, _, _ in points],
        y=[float(r) for _, r, _ in points if r is not None],
        name=legend_name,
        mode=series.mode,
        line={"color": stage_color(series.stage), "dash": series.dash, "width": 2.5},
        marker={"size": 6},
        hovertext=hover,
        hoverinfo="text",
    )


def trend_figure(series: list[Series], calendar: Calendar, title: str, height: int = 480) -> go.Figure:
    """Rates over time with phase bands, deadline lines and the 100% target."""
    fig = go.Figure([_series_trace(s) for s in series if any(r is not None for r in s.rates)])
    all_dates = [d for s in series for d in s.dates] + [p.start for p in calendar.phases]
    all_dates += [p.end for p in calendar.phases]
    start, end = min(all_dates), max(all_dates)
    add_phases(fig, calendar)
    _target_line(fig)
    ticks, labels = month_ticks(start, end)
    fig.update_xaxes(
        tickvals=ticks, ticktext=labels, range=[_shifted(start, -5), _shifted(end, 5)], gridcolor="#F3F3F3"
    )
    _percent_axis(fig)
    return _base_layout(fig, title, height)


def ranking_figure(labels: list[str], rates: list[Decimal], counts: list[str], stage: Stage, title: str) -> go.Figure:
    """Horizontal bars, lowest at the top (the OPD to chase first). Each OPD's name stands above its
    bar, so the bars keep the width of the screen on a phone; the axis starts near the lowest rate
    (the title says so), so that 81 % and 100 % look different."""
    labels = [plotly_text(label) for label in labels]  # OPD names: text, never markup
    texts = [format_pct(r) for r in rates]
    values = [float(r) for r in rates]
    start = max(0.0, 10 * math.floor((min(values, default=0.0) - 5) / 10))
    inside_from = start + (100 - start) * 0.6  # past this a bar has room for its label inside
    hover = [f"{name}<br>{stage.label}: {t}<br>{c}" for name, t, c in zip(labels, texts, counts, strict=True)]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            width=0.5,
            text=texts,
            textposition=["inside" if v >= inside_from else "outside" for v in values],
            insidetextanchor="end",
            cliponaxis=False,
            marker={"color": values, "colorscale": "RdYlGn", "cmin": 0, "cmax": 100},
            hovertext=hover,
            hoverinfo="text",
        )
    )
    # Set as one list: Plotly's add_annotation checks every annotation so far at each call
    # (50 names took 0,8 s; one list takes milliseconds).
    names = [
        {"x": start, "y": name, "xanchor": "left", "yanchor": "bottom", "yshift": 9, "showarrow": False,
         "text": f"{name} · {count}", "font": {"size": 11}}
        for name, count in zip(labels, counts, strict=True)
    ]  # fmt: skip
    fig.update_layout(annotations=names)
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_xaxes(range=[start, 100 + (100 - start) * 0.02], ticksuffix="%", gridcolor="#EEE")
    if start > 0:
        title += f" · sumbu mulai {format_int(int(start))}%"
    return _base_layout(fig, title, max(320, 70 + 40 * len(labels)))


def heatmap_figure(frame: pd.DataFrame, stage: Stage, title: str) -> go.Figure:
    """OPD x snapshot date; frame has columns opd, snapshot_date, rate (Decimal or None), label."""
    dates = sorted(frame["snapshot_date"].unique())
    order = (
        frame[frame["snapshot_date"] == dates[-1]].assign(r=lambda f: f["rate"].astype(float)).sort_values("r")["opd"]
    )
    opds = list(dict.fromkeys([*order, *sorted(frame["opd"].unique(), key=reading_order)]))
    grid = frame.pivot_table(index="opd", columns="snapshot_date", values="rate_float", aggfunc="first")
    grid = grid.reindex(index=opds, columns=dates)
    texts = frame.pivot_table(index="opd", columns="snapshot_date", values="label", aggfunc="first")
    texts = texts.reindex(index=opds, columns=dates).fillna("tidak tersedia")
    x_labels = [format_date(pd.Timestamp(d).date()) for d in dates]
    shown = {opd: plotly_text(opd) for opd in opds}  # OPD names: text, never markup
    hover = [[f"{shown[o]}<br>{x}: {texts.loc[o, d]}" for d, x in zip(dates, x_labels, strict=True)] for o in opds]
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(dtype=float),
            x=x_labels,
            y=[shown[opd] for opd in opds],
            colorscale="RdYlGn",
            zmin=0,
            zmax=100,
            hovertext=hover,
            hoverinfo="text",
            colorbar={"ticksuffix": "%", "title": stage.label},
            xgap=1,
            ygap=1,
        )
    )
    fig.update_yaxes(autorange="reversed", tickfont={"size": 10})
    fig.update_xaxes(tickangle=-45, tickfont={"size": 10})
    return _base_layout(fig, title, max(360, 80 + 18 * len(opds)))


def count_label(part: int | None, whole: int) -> str:
    return "tidak tersedia" if part is None else format_count_of(part, whole)


def profile_figure(table: pd.DataFrame, group_column: str, stages: tuple[Stage, ...], title: str) -> go.Figure:
    """Grouped bars: one group per profile category, one bar per stage (rates as '72,11%')."""
    fig = go.Figure()
    for stage in stages:
        values = table[f"{stage.label} (angka)"]
        if values.isna().all():
            continue
        fig.add_bar(
            x=table[group_column],
            y=values,
            name=stage.label,
            marker_color=stage_color(stage),
            text=table[stage.label],
            textposition="outside",
            hovertext=[
                f"{g}<br>{stage.label}: {t}" for g, t in zip(table[group_column], table[stage.label], strict=True)
            ],
            hoverinfo="text",
        )
    fig.update_layout(barmode="group")
    _percent_axis(fig, "Persentase ASN")
    fig.update_yaxes(range=[0, 115])
    return _base_layout(fig, title, 380)
