"""Catatan Audit: who did what and when (logins, uploads, downloads, backups), newest first."""

from __future__ import annotations

import pandas as pd

from pdm_metrics import store


def audit_log(con: store.Connection) -> pd.DataFrame:
    entries = store.audit_entries(con)
    return pd.DataFrame(
        {
            "Waktu": [pd.Timestamp(t).strftime("%d/%m/%Y %H:%M:%S") for t in entries["logged_at"]],
            "Pengguna": entries["actor"],
            "Tindakan": entries["action"],
            "Rincian": entries["detail"],
        }
    ).iloc[::-1]


def record_event(con: store.Connection, actor: str, action: str, detail: str) -> None:
    """Append one entry (a login, a logout, a download)."""
    store.record_audit(con, actor, action, detail)
