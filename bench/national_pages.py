"""Database time of the pages' queries at national scale: 4,3 million ASN in ~550 instansi and
~30.000 units, 12 snapshots (about 52 million roster rows). Prints milliseconds per query.

    .venv/bin/python bench/national_pages.py [--asn 4300000] [--snapshots 12] [--db PATH]

The data are generated straight into the store's tables with SQL (the ingest path has its
own benchmark, ingest_bench.py), then each query the pages run is timed (best of 3).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pdm_metrics import store
from pdm_metrics.campaign import PDM_2021, shipped_campaign, shipped_campaign_text
from pdm_metrics.schema import STAGE_SLOTS, has_date_flag, has_status_flag
from pdm_metrics.store import changes, derived, unit_map
from pdm_metrics.store.campaigns import store_campaign

INSTANSI, UNITS = 550, 30_000
# The generated rows are PDM 2021's: its stages, in their definition's order, name the columns.
ACTIVATION, UPDATE, VERIFICATION = shipped_campaign(PDM_2021).stages


def build(con: store.Connection, asn: int, snapshots: int) -> list[date]:
    """PDM 2021 snapshots (stages aktivasi, pdm, verifikasi in slots 1, 2, 3) written straight
    into the store's tables, with the campaign's definition kept as an ingest keeps it."""
    days = [date(2021, 6, 1) + timedelta(days=14 * i) for i in range(snapshots)]
    cur = con.cursor()
    text, file_name = shipped_campaign_text(PDM_2021)
    store_campaign(cur, shipped_campaign(PDM_2021), text, file_name, "bench")
    for i, day in enumerate(days, start=1):
        cur.execute(
            f"""INSERT INTO snapshots (id, snapshot_date, source_name, source_sha256, uploaded_at, uploaded_by,
                                      row_count, skipped_rows, has_email, has_jenis_asn, is_sample, campaign,
                                      {ACTIVATION.has_flag}, {ACTIVATION.has_date_flag}, {UPDATE.has_flag},
                                      {VERIFICATION.has_flag})
               VALUES (?, ?, 'bench', '', now()::TIMESTAMP, 'bench', ?, 0, true, true, false, ?,
                       true, true, true, true)""",
            [i, day, asn, PDM_2021],
        )
        # Activation rises from 30 % to 98 % across the snapshots; PDM and verification follow.
        share = 0.30 + 0.68 * i / snapshots
        cur.execute(
            f"""INSERT INTO roster (snapshot_id, nip, nama, unit, unit_key, jenis_asn, {ACTIVATION.done_column},
                                   {ACTIVATION.done_on_column}, {UPDATE.done_column}, {VERIFICATION.done_column},
                                   email, instansi, instansi_key, email_users, opd, opd_key)
               SELECT ?, lpad(CAST(19600101000000000000 + g * 7919 AS VARCHAR), 18, '0')[1:18],
                      'Pegawai ' || g, 'Unit ' || (g % ?) || ' (Instansi ' || (g % ? % ?) || ')' AS unit,
                      'instansi ' || (g % ? % ?) || ' › unit ' || (g % ?) AS unit_key,
                      CASE WHEN g % 20 = 0 THEN 'PPPK' ELSE 'PNS' END,
                      hash(g) % 1000 < ? * 1000, DATE '2021-06-01' + CAST(hash(g) % 180 AS INTEGER),
                      hash(g) % 1000 < ? * 800, hash(g) % 1000 < ? * 500,
                      'p' || g || '@x.go.id', 'Instansi ' || (g % ? % ?), 'instansi ' || (g % ? % ?), 1,
                      unit, unit_key  -- as read; the unit map (--unit-map) may group them into OPD
               FROM range(?) t(g) ORDER BY 5, 2""",
            # Each unit belongs to one instansi: unit u is in instansi u mod INSTANSI.
            [
                i,
                UNITS,
                UNITS,
                INSTANSI,
                UNITS,
                INSTANSI,
                UNITS,
                share,
                share,
                share,
                UNITS,
                INSTANSI,
                UNITS,
                INSTANSI,
                asn,
            ],
        )
        # The same derived data the ingest writes: the OPD summary and the changes since the last snapshot.
        derived.insert_summary(cur, i)
        changes.store_neighbour_changes(cur, i, day, PDM_2021)
    # As an ingest writes them: every slot's flags, false where PDM 2021 has no stage.
    for flag in (*map(has_status_flag, STAGE_SLOTS), *map(has_date_flag, STAGE_SLOTS)):
        cur.execute(f"UPDATE snapshots SET {flag} = coalesce({flag}, false)")
    # And, as every ingest does, the NIP profile summary and the unit list (the sidebar's choices).
    derived.rebuild_derived_summaries(cur)
    return days


def timed(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def page_queries(con: store.Connection, days: list[date], mapped: bool = False) -> dict[str, Callable[[], object]]:
    """Every query the pages run, on the latest snapshot (and the one before it for Perubahan);
    `mapped`: after map_every_unit, one OPD is several units."""
    last, before = days[-1], days[-2]
    if mapped:
        one_unit = ("instansi 7 › dinas 7",)
        charted = [f"instansi {i} › dinas {i % 10}" for i in range(50)]
    else:
        one_unit = ("instansi 7 › unit 7",)
        charted = [f"instansi {u % INSTANSI} › unit {u}" for u in range(0, UNITS, UNITS // 50)][:50]
    return {
        "Ringkasan: totals per snapshot": lambda: store.summary_counts(con, by_opd=False),
        "Ringkasan/OPD: per OPD on a date": lambda: store.summary_counts(con, by_opd=True, snapshot_date=last),
        "OPD: history of the 50 charted units": lambda: store.summary_counts(con, by_opd=True, opd_keys=charted),
        "OPD: per instansi, all dates": lambda: store.summary_counts(con, by_opd=True, level="instansi"),
        "Sidebar: unit choices": lambda: store.opd_choices(con),
        "Tren: activation per day": lambda: store.done_counts_by_day(con, last, ACTIVATION.slot),
        "OPD detail: roster rows of one unit": lambda: store.roster_rows(con, last, store.RosterFilter(one_unit)),
        "Data: first 5.000 rows, every unit": lambda: store.roster_rows(con, last, store.RosterFilter(), 5000),
        "Data: not activated, one unit": lambda: store.roster_rows(
            con, last, store.RosterFilter(one_unit, done=((ACTIVATION.slot, False),))
        ),
        "Perubahan: totals": lambda: store.change_totals(con, before, last),
        "Perubahan: per OPD": lambda: store.change_counts_per_opd(con, before, last),
        "Perubahan: first 5.000 names": lambda: store.change_list(
            con, before, last, ACTIVATION.newly_done_column, limit=5000
        ),
        "Risiko email: shared addresses": lambda: store.email_sharing(con, last),
        "Profil: NIP profile counts": lambda: store.nip_profile_counts(con, last),
    }


def map_every_unit(con: store.Connection) -> float:
    """A Peta Unit Kerja of all 30.000 units, grouping them into ten OPD per instansi (5.500 OPD),
    applied to every stored snapshot; returns its seconds."""
    entries = [store.MapEntry(None, f"Unit {u}", f"Dinas {u // INSTANSI % 10}") for u in range(UNITS)]
    started = time.perf_counter()
    unit_map.replace_unit_map(con, entries, "bench", "peta nasional")
    return time.perf_counter() - started


def national_database(path: Path, asn: int, snapshots: int) -> tuple[store.Connection, list[date], float]:
    """The national data set at `path` (built unless it is there already) and its build seconds."""
    con = store.connect(path)
    started = time.perf_counter()
    days = store.snapshot_dates(con) or build(con, asn, snapshots)
    return con, days, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--asn", type=int, default=4_300_000)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--unit-map", action="store_true", help="then map the units into OPD and time again")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="pdm-national-"), "national.duckdb")
    con, days, seconds = national_database(path, args.asn, args.snapshots)
    print(f"data: {args.asn:_} ASN x {len(days)} snapshots, built in {seconds:.0f} s".replace("_", "."))
    print(f"{'query':<42}{'ms':>10}")
    for name, query in page_queries(con, days).items():
        print(f"{name:<42}{timed(query):>10.0f}")
    if args.unit_map:
        print(
            f"\nPeta Unit Kerja of {UNITS:_} units applied to every snapshot: {map_every_unit(con):.1f} s".replace(
                "_", "."
            )
        )
        print(f"{'query, units grouped into OPD':<42}{'ms':>10}")
        for name, query in page_queries(con, days, mapped=True).items():
            print(f"{name:<42}{timed(query):>10.0f}")
    con.close()


if __name__ == "__main__":
    main()
