"""What the command line writes: files (--out) never over the database and never half written, and
CSV/JSON records on standard output with every name disarmed as a spreadsheet formula."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from pdm_metrics import store
from pdm_metrics.campaign import Campaign
from pdm_metrics.errors import OutputError
from pdm_metrics.metrics import is_missing


def _database_files(db: Path | None) -> set[Path]:
    """The database and the files DuckDB keeps beside it: an output must never land on them."""
    path = (db or store.DEFAULT_DB_PATH).resolve()
    sample = store.sample_db_path(path).resolve()
    return {path, path.with_name(path.name + ".wal"), sample, sample.with_name(sample.name + ".wal")}


def checked_output(out: Path, db: Path | None) -> Path:
    """`--out` as a file this command may write: refused (OutputError) when it is the database or
    its WAL, a folder, in a folder that does not exist, or not writable. Checked before any work."""
    target = out.resolve()
    if target in _database_files(db):
        raise OutputError(f"--out {out} adalah berkas basis data; menimpanya akan menghapus data. Pilih nama lain.")
    if target.is_dir():
        raise OutputError(f"--out {out} adalah folder. Sebutkan nama berkas, mis. {out / 'hasil.xlsx'}.")
    if target.exists() and not target.is_file():
        raise OutputError(f"--out {out} bukan berkas biasa; pilih nama berkas lain.")
    if not target.parent.is_dir():
        raise OutputError(f"Folder {out.parent} untuk --out tidak ada. Buat foldernya dulu atau pilih folder lain.")
    if not os.access(target.parent, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise OutputError(f"--out {out} tidak dapat ditulis (izin folder atau berkas). Pilih tempat lain.")
    return target


def write_output(target: Path, data: bytes) -> None:
    """Written whole under a temporary name beside the target, then renamed: a reader never sees
    half a file, and a failure leaves the old file as it was."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def plain_value(value: Any) -> object:
    """CSV/JSON value: rates as '72.11', unavailable as empty/null, dates ISO."""
    if not isinstance(value, str) and is_missing(value):
        return None
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != time() else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def write_records(records: list[dict[str, object]], columns: Sequence[str], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(records, ensure_ascii=False))
        return
    from pdm_metrics.export import neutralise  # the spreadsheet writers: not loaded for an ingest

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    # A name from a file ('=HYPERLINK(...)', '@SUM(...)') must not run when the CSV is opened in a spreadsheet.
    writer.writerows({k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()} for row in records)
    sys.stdout.write(buffer.getvalue())


def campaign_snapshot(
    con: store.Connection, campaign_key: str | None, day: date | None
) -> tuple[Campaign, date | None]:
    """The campaign a command names (the database's own when None) and its snapshot `day` (the
    latest when None); the day is None, with the message printed, when there is no such snapshot."""
    campaign, _ = store.campaign_named(con, campaign_key)
    dates = store.snapshot_dates(con, campaign.key)
    chosen = day or (dates[-1] if dates else None)
    if chosen is None or chosen not in dates:
        print("Snapshot yang diminta tidak ada di basis data.", file=sys.stderr)
        return campaign, None
    return campaign, chosen
