"""Exceptions that carry a message for the user, in Bahasa Indonesia."""

from __future__ import annotations

import errno
import tempfile

# What a write that found no room fails with: a full disk, a file past its size limit, a quota.
FULL_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
# How a child process (the Excel reader) says it found no room: ENOSPC's number on Linux.
FULL_EXIT_CODE = 28


# Said when a write waits too long for its turn (another upload of this process, or of any server on a lake).
WRITER_BUSY_MESSAGE = "Basis data sedang menyimpan unggahan lain. Coba lagi sebentar lagi."


def storage_full_message() -> str:
    """Said wherever a write finds no room (the database's disk or the temporary folder)."""
    return (
        f"Ruang penyimpanan penuh (disk basis data atau folder sementara {tempfile.gettempdir()}); "
        "tidak ada yang berubah. Kosongkan ruang (atau atur TMPDIR ke folder yang lega) lalu coba lagi."
    )


class PdmError(Exception):
    """Base: the message is shown to the user as it is."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class RosterError(PdmError):
    """A roster file that cannot be read at all (the whole file is rejected)."""


class StoreError(PdmError):
    """A store operation refused (e.g. a date exists and replace was not confirmed)."""


class OutputError(PdmError):
    """An output path (--out) that must not or cannot be written; nothing was written."""


class SecretsError(PdmError):
    """.streamlit/secrets.toml holds an entry the app cannot use (the message names it)."""


class CsvNotReadable(Exception):
    """DuckDB's reader refused a CSV (odd encoding, ragged rows): the caller reads it another way."""
