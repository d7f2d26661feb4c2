"""Numbered migrations: a database written by the code before them opens, upgrades once, and says
what it said before.

tests/fixtures/main-2026-11.duckdb.gz was written by the main branch of November 2026 (before
the numbering) with its own command line, from the two CSV files beside it:

    python -m pdm_metrics ingest tests/fixtures/main-2026-11_a.csv --db main-2026-11.duckdb
    python -m pdm_metrics ingest tests/fixtures/main-2026-11_b.csv --db main-2026-11.duckdb
    python -m pdm_metrics diff --from 2021-07-11 --to 2021-09-20 --db main-2026-11.duckdb
    (and one deadline extension: pdm to 31 October 2021 by letter 12998/B-SI.01.01/SD/EIII/2021)

tests/fixtures/main-2026-12.duckdb.gz was written the same way by the main branch of December
2026 (commit 55982f7, schema 8: the last before campaigns were data; the second file needed
--confirm, which the audit log records). Its OPD carry no instansi in their names.

The expected figures below are what that code's `rates --by opd --format csv` and `diff` printed.
"""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path

import pytest

from pdm_metrics import store
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import read_roster
from pdm_metrics.store.migrations import LATEST_VERSION, MIGRATIONS, schema_version, upgrade
from pdm_metrics.views import common
from tests.pdm_2021 import PDM

FIXTURES = Path(__file__).resolve().parent / "fixtures"
JULY_11, SEPT_20 = dt.date(2021, 7, 11), dt.date(2021, 9, 20)
# (snapshot, OPD, total, activated, PDM done, verified) as the old code reported them; the
# November file's OPD names end in " (Kab. Contoh)".
OLD_RATES = [
    (JULY_11, "Dinas Kesehatan", 2, 2, None, None),
    (JULY_11, "Dinas Pendidikan", 1, 0, None, None),
    (SEPT_20, "Badan Kesbangpol", 1, 0, 0, 0),
    (SEPT_20, "Dinas Kesehatan", 1, 1, 1, 1),
    (SEPT_20, "Dinas Pendidikan", 2, 2, 1, 0),
]
# The old diff's newly_activated, newly_pdm_done and newly_verified are PDM 2021's slots 1, 2, 3.
OLD_DIFF = {
    "Badan Kesbangpol": {"joined": 1},
    "Dinas Kesehatan": {"newly_done_2": 1, "newly_done_3": 1, "moved_out": 1},
    "Dinas Pendidikan": {"newly_done_1": 1, "newly_done_2": 1, "moved_in": 1},
}
# fixture -> (schema version it was written with, suffix of its OPD names, audit entries)
OLD_FILES = {"main-2026-11": (0, " (Kab. Contoh)", 3), "main-2026-12": (8, "", 4)}


@pytest.fixture(params=sorted(OLD_FILES))
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / f"{request.param}.duckdb"
    with gzip.open(FIXTURES / f"{request.param}.duckdb.gz", "rb") as packed, path.open("wb") as plain:
        shutil.copyfileobj(packed, plain)
    return path


def test_the_old_file_has_no_version_and_upgrades_once(old_db: Path) -> None:
    version = OLD_FILES[old_db.stem][0]
    raw = store.open_database(old_db, read_only=False, memory_limit=None)
    assert schema_version(raw) == version
    assert upgrade(raw) == [m.number for m in MIGRATIONS if m.number > version]
    assert schema_version(raw) == LATEST_VERSION
    assert upgrade(raw) == []  # a second open runs nothing
    raw.close()


def test_an_upgraded_old_file_reports_what_it_reported_before(old_db: Path) -> None:
    con = store.connect(old_db)
    counts = store.summary_counts(con, by_opd=True)
    rows = [
        (day.date(), opd, int(t), int(a), None if not pdm else int(p), None if not pdm else int(v))
        for day, opd, t, a, p, v, pdm in zip(
            counts["snapshot_date"],
            counts["opd"],
            counts["total"],
            counts["done_1"],
            counts["done_2"],
            counts["done_3"],
            counts["has_status_2"],
            strict=True,
        )
    ]
    _, suffix, audits = OLD_FILES[old_db.stem]
    assert sorted(rows) == [(day, opd + suffix, *figures) for day, opd, *figures in OLD_RATES]
    changes = store.change_counts_per_opd(con, JULY_11, SEPT_20).set_index("opd")
    for opd, kinds in OLD_DIFF.items():
        assert {k: int(v) for k, v in changes.loc[opd + suffix].items() if v} == kinds
    assert store.current_campaign(con).key == PDM.key  # its snapshots are PDM 2021's
    calendar = common.calendar_in_force(con, PDM)
    assert calendar.phases[1].end == dt.date(2021, 10, 31)  # the recorded extension still applies
    assert len(store.audit_entries(con)) == audits  # two uploads and one extension, kept as written
    con.close()


def test_an_upgraded_old_file_takes_new_snapshots(old_db: Path) -> None:
    con = store.connect(old_db)
    before = store.data_version(con)
    saved = ingest_roster(
        con, read_roster((FIXTURES / "main-2026-11_b.csv").read_bytes(), "b.csv", dt.date(2021, 10, 1))
    )
    assert saved.rows == 4 and store.snapshot_dates(con) == [JULY_11, SEPT_20, dt.date(2021, 10, 1)]
    assert store.data_version(con) == before + 1
    con.close()


def test_an_upgraded_file_has_the_shape_of_a_new_one(old_db: Path, tmp_path: Path) -> None:
    def shape(path: Path) -> list[tuple[str, str, str]]:
        con = store.connect(path)
        rows = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns ORDER BY ALL"
        ).fetchall()
        con.close()
        return [(str(t), str(c), str(d)) for t, c, d in rows]

    assert shape(old_db) == shape(tmp_path / "new.duckdb")


def test_a_backup_made_before_stages_were_slots_restores_with_its_figures(tmp_path: Path) -> None:
    """tests/fixtures/backup-main-2026-12.zip is the Cadangan download of main-2026-12 made by that
    code: its roster and snapshots name the PDM phases' columns (activated, has_pdm…)."""
    from pdm_metrics.views import cadangan

    con = store.connect(tmp_path / "baru.duckdb")
    restored = cadangan.restore(con, (FIXTURES / "backup-main-2026-12.zip").read_bytes(), "admin")
    assert restored.snapshots == 2 and store.current_campaign(con).key == PDM.key
    counts = store.summary_counts(con, by_opd=True)
    rows = [
        (day.date(), opd, int(t), int(a), int(p) if pdm else None, int(v) if pdm else None)
        for day, opd, t, a, p, v, pdm in zip(
            counts["snapshot_date"], counts["opd"], counts["total"], counts["done_1"], counts["done_2"],
            counts["done_3"], counts["has_status_2"], strict=True,
        )
    ]  # fmt: skip
    assert sorted(rows) == OLD_RATES
    assert common.calendar_in_force(con, PDM).phases[1].end == dt.date(2021, 10, 31)
    con.close()
