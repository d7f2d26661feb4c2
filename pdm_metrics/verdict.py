"""A plain answer per phase: met or missed for a deadline passed, on track or at risk for one open.

The words are what the Kepala BKPSDM reads first on Ringkasan and in the PDF; the figures come
from the same pace model as the Tren page's table and projection line (pace.pace_frame), so the
three never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pdm_metrics.campaign import Stage
from pdm_metrics.deadlines import Phase
from pdm_metrics.fmt import format_date, format_days_left, format_decimal, format_int
from pdm_metrics.pace import PhasePace, Standing

SHOWN_UNITS = 3  # a missed deadline names the OPD holding most of those missing


@dataclass(frozen=True)
class Verdict:
    stage: Stage
    standing: Standing
    text: str  # one sentence after the standing, with the figures

    @property
    def headline(self) -> str:
        return f"{self.stage.label}: {self.standing}"


def verdict(
    stage: Stage,
    phase: Phase,
    day: date,
    total: int,
    done: int | None,
    missing_by_unit: list[tuple[str, int]],
    pace: PhasePace | None,
) -> Verdict:
    """The verdict on `stage` as of `day`: `done` of `total` ASN (None: the file has no such
    column), `missing_by_unit` the OPD with ASN still missing (most first), `pace` the overall pace."""
    if done is None:
        return Verdict(stage, Standing.UNAVAILABLE, "kolom ini tidak ada di berkas snapshot ini.")
    missing = total - done
    action = f"belum {stage.word}"
    if day > phase.end:
        if missing == 0:
            return Verdict(stage, Standing.MET, f"seluruh {format_int(total)} ASN sudah {stage.word}.")
        return Verdict(
            stage,
            Standing.MISSED,
            f"{format_int(missing)} ASN {action} setelah tenggat {format_date(phase.end)}"
            f"{_most_missing(missing_by_unit)}.",
        )
    deadline = f"tenggat {format_date(phase.end)} ({format_days_left(phase.days_left(day))})"
    if missing == 0:
        return Verdict(stage, Standing.MET, f"seluruh {format_int(total)} ASN sudah {stage.word}; {deadline}.")
    left = f"Sisa {format_int(missing)} ASN {action}"
    if pace is None or pace.per_day is None:  # no pace yet is not a risk: it is said plainly
        need = format_decimal(pace.needed_per_day) if pace and pace.needed_per_day is not None else "?"
        because = (pace.unmeasured_because if pace else "") or "laju perlu dua snapshot yang memuat status ini"
        return Verdict(
            stage,
            Standing.UNMEASURED,
            f"belum dapat diproyeksikan: {because}; perlu {need} poin/hari untuk 100% pada {deadline}. {left}.",
        )
    if pace.projected is not None and pace.projected >= 100:
        reached = f"sekitar {format_date(pace.full_on)}" if pace.full_on else "sebelum tenggat"
        return Verdict(
            stage,
            Standing.ON_TRACK,
            f"pada laju {format_decimal(pace.per_day)} poin/hari, 100% tercapai {reached}; {deadline}. {left}.",
        )
    projected = format_decimal(pace.projected or 0.0)
    need = format_decimal(pace.needed_per_day or 0.0)
    return Verdict(
        stage,
        Standing.AT_RISK,
        f"perlu {need} poin/hari untuk 100% pada {deadline}; laju saat ini {format_decimal(pace.per_day)} "
        f"poin/hari (proyeksi {projected}%). {left}.",
    )


def _most_missing(missing_by_unit: list[tuple[str, int]]) -> str:
    if not missing_by_unit:
        return ""
    named = ", ".join(f"{name} ({format_int(count)})" for name, count in missing_by_unit[:SHOWN_UNITS])
    return f"; terbanyak di {named}"
