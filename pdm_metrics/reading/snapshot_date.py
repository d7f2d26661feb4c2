"""Which day a roster describes: given by the user, or read from its title rows or file name."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from pathlib import PurePath

from pdm_metrics.fmt import parse_date_text


class DateSource(StrEnum):
    """Where a snapshot's date came from; `label` is what the upload page says."""

    GIVEN = "given"
    TITLE = "title"
    FILENAME = "filename"

    @property
    def label(self) -> str:
        return _DATE_SOURCE_LABELS[self]


_DATE_SOURCE_LABELS = {
    DateSource.GIVEN: "diisi pengguna",
    DateSource.TITLE: "judul berkas",
    DateSource.FILENAME: "nama berkas",
}


_TITLE_DATE = re.compile(
    r"(?:keadaan|posisi|per|tanggal|tgl|tanggal data)\.?\s*(?:tanggal|tgl)?\.?\s*:?\s*"
    r"(\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\s+[A-Za-z]+\.?\s+\d{4})",
    re.IGNORECASE,
)
# yyyymmdd or yyyy-mm-dd; dd-mm-yyyy; '11 Juli 2021' (with spaces, dashes or underscores).
_NAME_DATES = (
    (re.compile(r"(?<!\d)(20\d{2})-?(\d{2})-?(\d{2})(?!\d)"), "{0}-{1}-{2}"),
    (re.compile(r"(?<!\d)(\d{2})[-_.](\d{2})[-_.](20\d{2})(?!\d)"), "{0}-{1}-{2}"),
    (re.compile(r"(?<!\d)(\d{1,2})[\s_-]+([A-Za-z]+)[\s_-]+(20\d{2})(?!\d)"), "{0} {1} {2}"),
)


def snapshot_date_from_title(text: str) -> date | None:
    for match in _TITLE_DATE.finditer(text):
        found = parse_date_text(match.group(1))
        if found:
            return found
    return None


def snapshot_date_from_filename(filename: str) -> date | None:
    stem = PurePath(filename).stem
    for pattern, layout in _NAME_DATES:
        for match in pattern.finditer(stem):
            found = parse_date_text(layout.format(*match.groups()))
            if found:
                return found
    return None


def resolve_snapshot_date(given: date | None, title_text: str, filename: str) -> tuple[date | None, DateSource | None]:
    """The snapshot date and where it came from (None, None when nothing names one)."""
    if given is not None:
        return given, DateSource.GIVEN
    from_title = snapshot_date_from_title(title_text)
    if from_title is not None:
        return from_title, DateSource.TITLE
    from_name = snapshot_date_from_filename(filename)
    if from_name is not None:
        return from_name, DateSource.FILENAME
    return None, None
