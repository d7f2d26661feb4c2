"""The upload check sums up identical problems: thirty rows with the same wrong NIP read as one
line with their count and row range, before the row-by-row detail."""

from __future__ import annotations

import datetime as dt

from pdm_metrics import store
from pdm_metrics.views import unggah
from tests.files import NIP_A, csv_bytes


def test_identical_problems_are_one_line_with_their_row_range(db: store.Connection) -> None:
    rows = [["NIP", "NAMA", "OPD", "STATUS AKTIVASI"], [NIP_A, "Budi", "Dinas A", "Sudah"]]
    rows += [[f"12345{i:02d}", f"Pegawai {i}", "Dinas A", "Belum"] for i in range(30)]
    preview = unggah.upload_preview(
        db, "pdm-2021", [(csv_bytes(rows), "rekap_20210711.csv")], None, dt.date(2026, 12, 2)
    )
    assert len(preview.report) >= 30  # the detail: a line per row
    nip = preview.summary[preview.summary["Kolom"] == "NIP"]
    assert len(nip) == 1, preview.summary
    line = nip.iloc[0]
    assert (line["Jumlah baris"], line["Baris"], line["Tingkat"]) == ("30", "3–32", "Galat")
    preview.roster.checks.close()
