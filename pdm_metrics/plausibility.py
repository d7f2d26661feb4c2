"""Does a new snapshot look like the whole picture? Notices an operator must confirm before saving.

A file can be valid row by row and still be wrong as a whole: a 100-row extract of one OPD, a
date typed a year off, an export without the status columns the last one had. Each rule below
compares the new snapshot with the stored one it follows (or precedes) and says, in Indonesian
and with both figures, what looks odd. Nothing here refuses: the operator confirms, and the
confirmation is recorded in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pdm_metrics.campaign import Campaign, Stage
from pdm_metrics.fmt import format_date, format_int, format_pct
from pdm_metrics.metrics import rate_pct

# A change of the ASN count by this share or more is not a normal fortnight.
POPULATION_CHANGE = Decimal("0.10")
# A fall of the activation rate by this many points is not a normal fortnight either.
RATE_FALL_POINTS = Decimal(5)
MAX_NAMED_UNITS = 5


@dataclass(frozen=True)
class SnapshotShape:
    """What the rules need to know of one snapshot, stored or about to be."""

    day: date
    total: int
    headline_done: int  # done with the campaign's headline stage
    units: dict[str, str]  # unit key -> name (units as read from the file: an OPD, or SIASN's UNOR)
    columns: frozenset[str]  # the optional columns it carried, by their labels ("Status Verifikasi", …)
    unit_word: str = "OPD"  # what the units are called ("unit kerja" once a Peta Unit Kerja groups them)


def plausibility_notices(
    new: SnapshotShape, stored: SnapshotShape | None, today: date, campaign: Campaign
) -> list[str]:
    """Every notice for `new`, compared with `stored` (the nearest stored snapshot, if any)."""
    notices = _date_notices(new.day, today, campaign)
    if stored is not None:
        notices += _population_notices(new, stored)
        notices += _rate_notices(new, stored, campaign.headline_stage)
        notices += _column_notices(new, stored)
    return notices


def campaign_span(campaign: Campaign) -> tuple[date, date]:
    """The first day of the campaign's first stage and the last of its last (a stage without a
    deadline ends where it starts)."""
    return campaign.start, max(s.end or s.start for s in campaign.stages)


def snapshot_date_error(day: date, today: date, campaign: Campaign, margin_days: int) -> str | None:
    """Why a snapshot date cannot be right (refused, not confirmed): after today, or outside the
    campaign's calendar widened by `margin_days` on each side (a year 0021 or 9999, a 1999 typo)."""
    first, last = campaign_span(campaign)
    start, end = first - timedelta(days=margin_days), last + timedelta(days=margin_days)
    if day > today:
        return f"Tanggal snapshot {format_date(day)} sesudah hari ini ({format_date(today)}): tidak mungkin benar."
    if not start <= day <= end:
        return (
            f"Tanggal snapshot {format_date(day)} di luar masa {campaign.short_name} ({format_date(start)} s.d. "
            f"{format_date(end)}, "
            "kalender regulasi ditambah batas toleransi). Periksa tanggal di judul atau nama berkas, atau isi "
            "tanggalnya sendiri."
        )
    return None


def _date_notices(day: date, today: date, campaign: Campaign) -> list[str]:
    if day > today:
        return [f"Tanggal snapshot {format_date(day)} sesudah hari ini ({format_date(today)})."]
    if day < campaign.start:
        return [
            f"Tanggal snapshot {format_date(day)} sebelum {campaign.short_name} dimulai "
            f"({format_date(campaign.start)})."
        ]
    return []


def _population_notices(new: SnapshotShape, stored: SnapshotShape) -> list[str]:
    notices = []
    if stored.total and abs(Decimal(new.total - stored.total)) >= POPULATION_CHANGE * stored.total:
        notices.append(
            f"Berkas ini memuat {format_int(new.total)} ASN; snapshot {format_date(stored.day)} memuat "
            f"{format_int(stored.total)} ASN. Pastikan berkas ini lengkap, bukan sebagian OPD saja."
        )
    vanished = sorted((name for key, name in stored.units.items() if key not in new.units), key=str.lower)
    if vanished:
        named = ", ".join(vanished[:MAX_NAMED_UNITS])
        more = f" dan {format_int(len(vanished) - MAX_NAMED_UNITS)} lainnya" if len(vanished) > MAX_NAMED_UNITS else ""
        notices.append(
            f"{format_int(len(vanished))} {stored.unit_word} pada snapshot {format_date(stored.day)} "
            f"tidak ada di berkas ini: {named}{more}."
        )
    return notices


def _rate_notices(new: SnapshotShape, stored: SnapshotShape, headline: Stage) -> list[str]:
    before, now = rate_pct(stored.headline_done, stored.total), rate_pct(new.headline_done, new.total)
    if before is None or now is None or new.day < stored.day or before - now < RATE_FALL_POINTS:
        return []
    return [
        f"Persentase {headline.word} turun dari {format_pct(before)} (snapshot {format_date(stored.day)}) menjadi "
        f"{format_pct(now)}. Tahap yang sudah selesai jarang dibatalkan: periksa kolom Status {headline.label}."
    ]


def _column_notices(new: SnapshotShape, stored: SnapshotShape) -> list[str]:
    lacking = sorted(stored.columns - new.columns)
    if not lacking:
        return []
    return [
        f"Snapshot {format_date(stored.day)} memuat kolom {', '.join(lacking)}; berkas ini tidak. "
        "Angkanya akan tampil sebagai 'tidak tersedia' untuk snapshot ini."
    ]
