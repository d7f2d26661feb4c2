"""What a user presses, timed at regency scale and at 1 M ASN (and on the 4,3 M national database
when given): the PDF, the follow-up workbook and WhatsApp messages, Perubahan for a pair not
stored, Risiko email, Data & Unduh's full download, and a backup. Nationally the lists are made
for one instansi (the page asks for at most 200 OPD at once); at regency scale for all.

    .venv/bin/python bench/pressed_actions.py [--national /tmp/national.duckdb]

Each action runs once, cold (as a user presses it after new data); nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import national_pages

from pdm_metrics import demo, store
from pdm_metrics.campaign import PDM_2021, shipped_campaign
from pdm_metrics.schema import Table
from pdm_metrics.views import data, laporan, perubahan, tindak_lanjut
from pdm_metrics.views.common import Filters, calendar_in_force


def seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def forget_pair(con: store.Connection, first: date, last: date) -> None:
    """Perubahan for a pair as if never asked for: its stored changes (if any) go."""
    ids = [con.execute("SELECT id FROM snapshots WHERE snapshot_date = ?", [d]).fetchone()[0] for d in (first, last)]  # type: ignore[index]
    for table in (Table.CHANGES, Table.CHANGE_COUNTS, Table.CHANGE_PAIRS):
        con.execute(f"DELETE FROM {table} WHERE from_id = ? AND to_id = ?", ids)


def copy_rate(con: store.Connection, day: date, folder: Path) -> float:
    """Rows per second of DuckDB's own COPY of the same rows to CSV (the floor for a download)."""
    target = str(folder / "copy.csv").replace("'", "''")
    stages = shipped_campaign(PDM_2021).stages  # the stored columns of PDM 2021's stages, by slot
    done = ", ".join(f"r.{c}" for s in stages for c in (s.done_column, s.done_on_column))
    sql = f"""COPY (SELECT r.nip, r.nama, r.opd, r.jenis_asn, {done}, r.email
                    FROM roster r JOIN snapshots s ON s.id = r.snapshot_id WHERE s.snapshot_date = ?
                    ORDER BY r.opd_key, r.opd, r.nama, r.nip) TO '{target}' (HEADER, DELIMITER ';')"""
    started = time.perf_counter()
    rows = con.execute(sql, [day]).fetchone()[0]  # type: ignore[index]
    return float(rows) / (time.perf_counter() - started)


def measure(con: store.Connection, units: tuple[str, ...], folder: Path) -> dict[str, str]:
    days = store.snapshot_dates(con)
    first, last = days[0], days[-1]
    campaign = shipped_campaign(PDM_2021)
    calendar = calendar_in_force(con, campaign)
    activation = campaign.headline_stage
    chosen = Filters(last, units, campaign=campaign)
    forget_pair(con, first, last)
    times = {
        "Laporan PDF": seconds(lambda: laporan.report_pdf(con, calendar, chosen, date.today())),
        "Tindak Lanjut: workbook + WhatsApp messages": seconds(
            lambda: tindak_lanjut.follow_up(con, calendar, chosen, activation)
        ),
        "Perubahan, a pair not stored (first vs last)": seconds(lambda: perubahan.changes(con, campaign, first, last)),
        "Risiko email": seconds(lambda: tindak_lanjut.email_risk(con, activation, chosen)),
        "Cadangan (backup zip)": seconds(lambda: store.backup_zip(con, "bench")),
    }
    rows = store.roster_row_count(con, last)
    started = time.perf_counter()
    data.data_csv(con, Filters(last), data.StatusFilter())
    download = time.perf_counter() - started
    report = {name: f"{value:.2f} s" for name, value in times.items()}
    ours, floor = rows / download, copy_rate(con, last, folder)
    report[f"Data & Unduh: full CSV ({rows:_} rows)".replace("_", ".")] = (
        f"{download:.2f} s, {ours:,.0f} rows/s = {ours / floor:.2f} of DuckDB COPY ({floor:,.0f} rows/s)"
    ).replace(",", ".")
    return report


def one_instansi(con: store.Connection) -> tuple[str, ...]:
    units = store.opd_choices(con)
    return tuple(units.loc[units["instansi_key"] == "instansi 7", "opd_key"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--asn", type=int, default=1_000_000)
    parser.add_argument("--national", type=Path, default=None, help="also time the 4,3 M database kept here")
    args = parser.parse_args()
    results: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="pdm-pressed-") as name:
        folder = Path(name)
        regency = store.connect(folder / "kabupaten.duckdb")
        demo.load_sample(regency)
        regency.execute("UPDATE snapshots SET is_sample = false")
        results["regency (3.923 ASN x 16)"] = measure(regency, (), folder)
        regency.close()
        big, _, built = national_pages.national_database(folder / "besar.duckdb", args.asn, 2)
        label = f"{args.asn:_} ASN x 2, one instansi".replace("_", ".")
        print(f"({label}: built in {built:.0f} s)", flush=True)
        results[label] = measure(big, one_instansi(big), folder)
        big.close()
        if args.national:
            national = store.connect(args.national)
            results["4.300.000 ASN x 12, one instansi"] = measure(national, one_instansi(national), folder)
            national.close()
    for scale, report in results.items():
        print(f"\n{scale}")
        for action, figure in report.items():
            print(f"   {action:<52}{figure}")


if __name__ == "__main__":
    main()
