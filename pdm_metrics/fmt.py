"""Indonesian number and date formatting, and the month names used to parse dates.

Pre-formatting here (instead of relying on a browser locale) is what keeps
`3.923` and `72,11%` the same in every browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

import numpy as np
import numpy.typing as npt

T = TypeVar("T")

MONTH_NAMES: tuple[str, ...] = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

# Month words (full names, usual Indonesian and English abbreviations) -> month number.
MONTH_WORDS: dict[str, int] = {
    **{name.lower(): i for i, name in enumerate(MONTH_NAMES, start=1)},
    **{name[:3].lower(): i for i, name in enumerate(MONTH_NAMES, start=1)},
    "agt": 8,
    "agu": 8,
    "ags": 8,
    "sept": 9,
    "nop": 11,
    "nov": 11,
    "des": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "october": 10,
    "december": 12,
    "aug": 8,
    "oct": 10,
    "dec": 12,
}

_DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"), "ymd"),
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$"), "dmy"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})[\s-]+([A-Za-z]+)\.?[\s-]+(\d{4})$"), "d-word-y"),
)


def parse_date_text(text: str) -> date | None:
    """Read one date written the ways Indonesian rosters write them; None if impossible."""
    cleaned = " ".join(str(text).strip().split())
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(cleaned)
        if not match:
            continue
        a, b, c = match.groups()
        try:
            if order == "ymd":
                return date(int(a), int(b), int(c))
            if order == "dmy":
                return date(int(c), int(b), int(a))
            month = MONTH_WORDS.get(b.lower())
            return date(int(c), month, int(a)) if month else None
        except ValueError:
            return None
    return None


def format_int(value: int) -> str:
    """3923 -> '3.923'."""
    return f"{value:,}".replace(",", ".")


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_decimal(value: Decimal | float, places: int = 2) -> str:
    """72.11 -> '72,11' (thousands with dots, decimals with a comma)."""
    rounded = round_half_up(Decimal(str(value)), places)
    text = f"{rounded:,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_decimals(values: npt.ArrayLike, places: int = 2) -> list[str]:
    """format_decimal of many floats at once (a national pace table has 90.000 of them).

    Rounding the float itself gives the same text as rounding its shortest decimal, which is
    what format_decimal rounds, except within a hair of a tie (0,125 is 0,12499999… as a
    float): those few, and a negative that rounds to zero ('-0,00'), go through Decimal."""
    numbers = np.asarray(values, dtype=float)
    scaled = np.abs(numbers) * 10**places
    units = np.floor(scaled + 0.5)
    plain = (np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6) & (scaled < 1e12) & ~((units == 0) & np.signbit(numbers))
    # A plain number's text is that of its signed count of hundredths: each count written once.
    signed = np.where(plain, np.where(np.signbit(numbers), -units, units), 0).astype(np.int64)
    texts = np.empty(len(numbers), dtype=object)
    texts[plain] = each_distinct(signed[plain], lambda count: _count_text(count, places))
    for at in np.flatnonzero(~plain).tolist():
        texts[at] = format_decimal(float(numbers[at]), places)
    return list(texts)


def _count_text(count: int, places: int) -> str:
    """-123456 hundredths -> '-1.234,56'."""
    whole, fraction = divmod(abs(count), 10**places)
    return ("-" if count < 0 else "") + f"{whole:,}".replace(",", ".") + f",{fraction:0{places}d}"


def each_distinct(values: npt.ArrayLike, make: Callable[[int], T]) -> list[T]:
    """make(v) for every integer v, each distinct value made once: a national table's 90.000
    rates are at most 10.001 distinct hundredths, and its counts and dates repeat as often."""
    distinct, where = np.unique(np.asarray(values, dtype=np.int64), return_inverse=True)
    made = [make(v) for v in distinct.tolist()]
    return [made[at] for at in where.reshape(-1).tolist()]


def format_size(size: int) -> str:
    """1.610.612.736 bytes -> '1,5 GB'; below one GB in whole MB ('160 MB')."""
    if size < 2**30:
        return f"{format_int(round(size / 2**20))} MB"
    return f"{format_decimal(size / 2**30, 1)} GB"


def format_pct(value: Decimal | float | None, places: int = 2) -> str:
    """72.11 -> '72,11%'; None (stage not available) -> 'tidak tersedia'."""
    if value is None:
        return "tidak tersedia"
    return f"{format_decimal(value, places)}%"


def format_hundredths(hundredths: int) -> str:
    """7211 -> '72,11%': format_pct of a rate already rounded to hundredths, without Decimal
    (a national table formats 90.000 of them)."""
    return f"{format_int(hundredths // 100)},{hundredths % 100:02d}%"


def format_pct_change(value: Decimal | float | None) -> str:
    """A signed change in percentage points: '+1,25 poin'."""
    if value is None:
        return "tidak tersedia"
    sign = "+" if value > 0 else ("-" if value < 0 else "±")
    return f"{sign}{format_decimal(abs(Decimal(str(value))))} poin"


def format_count_of(part: int, whole: int) -> str:
    """'2.829 dari 3.923'."""
    return f"{format_int(part)} dari {format_int(whole)}"


def format_date(value: date) -> str:
    """date(2021, 7, 11) -> '11 Juli 2021'."""
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


def format_days_left(days: int) -> str:
    """Days to a deadline, or past it, as a sentence fragment."""
    if days > 0:
        return f"{format_int(days)} hari lagi"
    if days == 0:
        return "berakhir hari ini"
    return f"lewat {format_int(-days)} hari"


def reading_order(name: str) -> tuple[str, str]:
    """Sort key of a name in the order a reader looks it up ("Badan …" before "BKPSDM"; a plain
    sort puts every capital first), the exact text breaking ties: store.OPD_BY_NAME in Python."""
    return name.lower(), name


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """`text` with each control character (ESC, BEL, a line break...) shown as '?'."""
    return _CONTROL.sub("?", str(text))


def excerpt(text: object, limit: int = 40) -> str:
    """A piece of a file (a header, a cell, a file name) fit to quote in a message: control
    characters shown as '?', at most `limit` characters."""
    shown = printable(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
