"""Files the command line writes (--out): never over the database, and never half written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from pdm_metrics import store
from pdm_metrics.errors import OutputError


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
