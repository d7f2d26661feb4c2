"""Command line: python -m pdm_metrics ingest|rates|snapshots|demo|diff|export|hash-password.

Exit codes: 0 done, 1 input rejected (Indonesian message on stderr, database
untouched), 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from time import monotonic

# Only what `ingest` needs is imported up front: a national ingest should not wait for the
# PDF and chart libraries. The other commands import their modules when they run.
import pandas as pd

from pdm_metrics import store
from pdm_metrics.checks.engine import CHECK_MEMORY
from pdm_metrics.cli_followup import add_parser as add_followup_parser
from pdm_metrics.errors import PdmError, RosterError
from pdm_metrics.fmt import excerpt, format_date, format_int
from pdm_metrics.ingest import ColumnChoices, check_storable, date_error, ingest_roster, plausibility, remember_choices
from pdm_metrics.outputs import campaign_snapshot, checked_output, plain_value, write_output, write_records
from pdm_metrics.reading.files import Source
from pdm_metrics.roster import read_rosters
from pdm_metrics.schema import Column
from pdm_metrics.unit_map import name_key


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"tanggal harus berbentuk YYYY-MM-DD, bukan '{text}'") from exc


def _column_choice(text: str) -> tuple[Column, str]:
    """'opd=SATUAN KERJA KERJA NAMA' -> (Column.OPD, 'SATUAN KERJA KERJA NAMA')."""
    field, _, header = text.partition("=")
    fields = {c.value: c for c in Column}
    if field.strip().lower() not in fields or not header.strip():
        raise argparse.ArgumentTypeError(f"'{text}' bukan DATA=KOLOM; DATA salah satu dari: {', '.join(fields)}")
    return fields[field.strip().lower()], header.strip().strip('"')


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pdm_metrics",
        description="Pantau PDM: kampanye data ASN (PDM MySAPK 2021, SKP, PPPK paruh waktu, …).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def with_db(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--db", type=Path, default=None, help="berkas DuckDB (bawaan data/pdm.duckdb)")
        sub.add_argument(
            "--campaign", default=None, metavar="KEY", help="kunci kampanye (bawaan: kampanye basis data ini)"
        )
        return sub

    ingest = with_db(
        commands.add_parser("ingest", help="impor satu snapshot (xlsx/xls/ods/csv; boleh beberapa berkas)")
    )
    ingest.add_argument("files", type=Path, nargs="+", metavar="FILE", help="berkas, atau folder berisi berkas")
    ingest.add_argument("--date", type=_iso_date, default=None, help="tanggal snapshot YYYY-MM-DD")
    ingest.add_argument("--skip-invalid", action="store_true", help="impor baris valid, lewati yang salah")
    ingest.add_argument("--replace", action="store_true", help="ganti snapshot bertanggal sama")
    ingest.add_argument(
        "--confirm", action="store_true", help="simpan walau berkas tampak tidak wajar (tercatat di audit)"
    )
    ingest.add_argument(
        "--column",
        type=_column_choice,
        action="append",
        default=[],
        metavar="DATA=KOLOM",
        help='ambil DATA dari kolom berkas KOLOM, mis. opd="SATUAN KERJA KERJA NAMA" (diingat untuk judul kolom ini)',
    )
    ingest.add_argument("--by", default="cli", help="nama pengunggah untuk catatan audit")

    rates = with_db(commands.add_parser("rates", help="persentase tiap tahap per snapshot (dan OPD)"))
    rates.add_argument("--by", choices=("opd", "total"), default="total")
    rates.add_argument("--date", type=_iso_date, default=None)
    rates.add_argument("--format", choices=("csv", "json"), default="csv")

    diff = with_db(commands.add_parser("diff", help="perubahan per OPD antara dua snapshot"))
    diff.add_argument("--from", dest="from_date", type=_iso_date, required=True)
    diff.add_argument("--to", dest="to_date", type=_iso_date, required=True)
    diff.add_argument("--format", choices=("csv", "json"), default="csv")

    exporter = with_db(commands.add_parser("export", help="tulis data ASN satu snapshot ke CSV/XLSX"))
    exporter.add_argument("--date", type=_iso_date, default=None, help="bawaan: snapshot terbaru")
    exporter.add_argument("--opd", default=None, help="nama OPD (huruf besar/kecil dan spasi diabaikan)")
    exporter.add_argument("--format", choices=("csv", "xlsx"), required=True)
    exporter.add_argument("--out", type=Path, required=True)
    exporter.add_argument("--mask", action="store_true", help="samarkan NIP dan email")
    exporter.add_argument("--by", default="cli", help="nama untuk catatan audit")

    report = with_db(commands.add_parser("report", help="tulis laporan PDF rapat (sama dengan halaman Laporan PDF)"))
    report.add_argument("--date", type=_iso_date, default=None, help="bawaan: snapshot terbaru")
    report.add_argument("--instansi", default=None, help="nama instansi (huruf besar/kecil dan spasi diabaikan)")
    report.add_argument("--opd", default=None, help="nama OPD (huruf besar/kecil dan spasi diabaikan)")
    report.add_argument("--out", type=Path, required=True, help="berkas PDF yang ditulis")
    report.add_argument("--by", default="cli", help="nama untuk catatan audit")
    report.add_argument("--email", action="store_true", help="kirim PDF lewat email (pengaturan PDM_SMTP_*)")

    add_followup_parser(commands, with_db, _iso_date)

    units = commands.add_parser("units", help="Peta Unit Kerja: unit (UNOR) ke OPD")
    unit_commands = units.add_subparsers(dest="units_command", required=True)
    units_import = with_db(unit_commands.add_parser("import", help="muat peta (xlsx/csv), ganti peta lama"))
    units_import.add_argument("file", type=Path, metavar="FILE", help="berkas dengan kolom unit (UNOR NAMA/ID) dan OPD")
    units_import.add_argument("--by", default="cli", help="nama untuk catatan audit")
    units_export = with_db(unit_commands.add_parser("export", help="tulis peta + unit yang belum dipetakan"))
    units_export.add_argument("--out", type=Path, required=True, help="berkas xlsx yang ditulis")

    campaigns = commands.add_parser("campaigns", help="definisi kampanye (PDM 2021 dan templat lain)")
    campaign_commands = campaigns.add_subparsers(dest="campaigns_command", required=True)
    with_db(campaign_commands.add_parser("list", help="definisi bawaan dan yang tersimpan di basis data"))
    with_db(campaign_commands.add_parser("show", help="tahap dan jendela waktu satu kampanye")).add_argument("key")
    adder = with_db(campaign_commands.add_parser("add", help="simpan definisi kampanye (TOML/JSON) ke basis data"))
    adder.add_argument("file", type=Path, metavar="FILE.toml")
    adder.add_argument("--by", default="cli", help="nama untuk catatan audit")

    with_db(commands.add_parser("snapshots", help="daftar snapshot tersimpan"))
    demo = commands.add_parser("demo", help="buat berkas data contoh (terpisah dari data asli)")
    demo.add_argument("--db", type=Path, default=None, help="berkas DuckDB data contoh (bawaan data/pdm-contoh.duckdb)")
    commands.add_parser("hash-password", help="buat hash kata sandi untuk .streamlit/secrets.toml")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(COMMANDS[args.command](args))
    except PdmError as exc:
        print(exc.message, file=sys.stderr)
    except (store.DatabaseError, OSError) as exc:  # a damaged database, a full disk or temporary folder
        database = getattr(args, "db", None) or store.DEFAULT_DB_PATH
        print(store.database_failure(exc, database).message, file=sys.stderr)
    return 1


ROSTER_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".ods")


def unconfirmed_message(notices: Sequence[str]) -> str:
    lines = ["Berkas belum disimpan: periksa dulu hal berikut."]
    lines += [f"  - {notice}" for notice in notices]
    lines.append("Bila berkas memang benar, ulangi dengan opsi --confirm (dicatat di catatan audit).")
    return "\n".join(lines)


MAX_FILES = 500  # one snapshot from at most this many files (a national export split per region is tens)


def roster_files(paths: Sequence[Path]) -> list[Path]:
    """The files named, with a folder standing for every roster file in it (sorted by name);
    RosterError past MAX_FILES."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in ROSTER_SUFFIXES))
        else:
            files.append(path)
        if len(files) > MAX_FILES:
            raise RosterError(
                f"Lebih dari {format_int(MAX_FILES)} berkas untuk satu snapshot. Gabungkan berkasnya, atau impor "
                "per folder yang lebih kecil sebagai snapshot terpisah."
            )
    return files


def _stage(message: str, started: float) -> None:
    """A progress line on the terminal (stderr, so stdout stays the JSON summary)."""
    print(f"[{monotonic() - started:6.1f} s] {message}", file=sys.stderr, flush=True)


def progress_bar(done: int, total: int, width: int = 30) -> str:
    """[#########.....................]  31%  1.333.000 dari 4.300.000 baris"""
    filled = width * done // max(total, 1)
    percent = 100 * done // max(total, 1)
    return f"[{'#' * filled}{'.' * (width - filled)}] {percent:3d}%  {format_int(done)} dari {format_int(total)} baris"


def _show_bar(done: int, total: int) -> None:
    # One terminal line redrawn in place; a log file gets one line per batch.
    end = "\n" if done >= total else ""
    print(f"\r           Menyimpan {progress_bar(done, total)}", end=end, file=sys.stderr, flush=True)


def cmd_ingest(args: argparse.Namespace) -> int:
    files = roster_files(args.files)
    missing = [str(f) for f in files if not f.is_file()]
    if missing or not files:
        print(f"Berkas tidak ditemukan: {', '.join(missing) or ', '.join(map(str, args.files))}", file=sys.stderr)
        return 1
    started = monotonic()
    size = sum(f.stat().st_size for f in files)
    _stage(f"{format_int(len(files))} berkas, {format_int(size // 2**20)} MB", started)
    # The store is opened first: a database held by another process is said at once, and the
    # rows are checked inside its DuckDB, ready to be stored without leaving it.
    con = store.connect(args.db, memory_limit=CHECK_MEMORY)
    try:
        # Several files (e.g. a national export split per region) make one snapshot together;
        # each is read from its place on disk, never whole into memory.
        # Files are opened one at a time, as each is read: a folder of a thousand files is no
        # thousand open files.
        choices = ColumnChoices(con, dict(args.column), forget=False)
        campaign, definition = store.campaign_named(con, args.campaign)
        sources: list[Source] = [(f, f.name) for f in files]
        say = lambda step: _stage(f"{step} ...", started)  # noqa: E731
        roster = read_rosters(sources, args.date, say, con, choices, campaign)
        if roster.hidden_sheets:
            _stage(
                "Lembar tersembunyi tidak dibaca: " + "; ".join(excerpt(s, 80) for s in roster.hidden_sheets), started
            )
        if choices.used:
            _stage("Kolom dipilih: " + "; ".join(f"{c.value} = {h}" for c, h in choices.used.items()), started)
        _stage(
            f"{format_int(roster.row_count)} baris diperiksa: {format_int(roster.error_count)} galat, "
            f"{format_int(roster.warning_count)} peringatan.",
            started,
        )
        check_storable(roster, args.skip_invalid)  # a file with errors is refused for them first
        refused = date_error(roster, date.today())
        if refused:
            roster.checks.close()
            print(refused, file=sys.stderr)
            return 1
        notices = plausibility(con, roster, date.today())
        if notices and not args.confirm:
            roster.checks.close()
            print(unconfirmed_message(notices), file=sys.stderr)
            return 1
        _stage("Menyimpan ...", started)  # announced only for a file that will be saved
        total = roster.valid_count
        saved = ingest_roster(
            con,
            roster,
            skip_invalid=args.skip_invalid,
            replace=args.replace,
            uploaded_by=args.by,
            progress=lambda share: _show_bar(round(share * total), total),
            confirmed_notices=notices,
            definition=definition,
        )
        remember_choices(con, roster.header, choices.used, args.by)
        roster.checks.close()
    finally:
        con.close()
    _stage(f"Selesai: snapshot {format_date(saved.snapshot_date)}, {format_int(saved.rows)} ASN tersimpan.", started)
    summary = {
        "snapshot_date": saved.snapshot_date.isoformat(),
        "read": roster.row_count,  # = rows + skipped (store.save_snapshot refuses anything else)
        "rows": saved.rows,
        "campaign": campaign.key,
        "done": dict(zip((s.key for s in campaign.stages), roster.valid_done, strict=True)),
        "skipped": roster.invalid_row_count,
        "warnings": roster.warning_count,
        "replaced": saved.replaced,
        "notices": notices,
    }
    print(json.dumps(summary))
    return 0


def cmd_rates(args: argparse.Namespace) -> int:
    """Wide (a column per stage figure) by default; with --campaign, one row per stage."""
    from pdm_metrics import rates_output

    con = store.connect(args.db, read_only=True, must_exist=True)
    try:
        campaign, _ = store.campaign_named(con, args.campaign)
        columns: tuple[str, ...]
        if args.campaign:
            records, columns = rates_output.long_records(con, campaign, args.by, args.date), rates_output.LONG_COLUMNS
        else:
            records = rates_output.wide_records(con, campaign, args.by, args.date)
            columns = rates_output.wide_columns(campaign)
    finally:
        con.close()
    if not records:
        print("Belum ada snapshot yang cocok di basis data.", file=sys.stderr)
        return 1
    write_records(records, columns, args.format)
    return 0


def cmd_snapshots(args: argparse.Namespace) -> int:
    con = store.connect(args.db, read_only=True, must_exist=True)
    try:
        keys = [args.campaign] if args.campaign else store.campaigns_with_snapshots(con)
        frame = pd.concat([store.list_snapshots(con, key) for key in keys]) if keys else store.list_snapshots(con)
    finally:
        con.close()
    columns = (
        "snapshot_date", "row_count", "skipped_rows", "source_name", "uploaded_by", "uploaded_at", "is_sample",
        "campaign",
    )  # fmt: skip
    records = [{c: plain_value(row[c]) for c in columns} for row in frame.to_dict("records")]
    write_records(records, columns, "csv")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from pdm_metrics import demo

    con = store.connect(args.db or store.sample_db_path(store.DEFAULT_DB_PATH))
    try:
        real = store.list_snapshots(con)
        if not real.empty and not real["is_sample"].all():
            print("Basis data sudah berisi data asli; data contoh tidak dimuat.", file=sys.stderr)
            return 1
        count = demo.load_sample(con)
    finally:
        con.close()
    print(json.dumps({"sample_snapshots": count, "asn_on_known_date": demo.KNOWN_TOTAL}))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    con = store.connect(args.db, read_only=True, must_exist=True)
    try:
        campaign, _ = store.campaign_named(con, args.campaign)
        dates = set(store.snapshot_dates(con, campaign.key))
        for day in (args.from_date, args.to_date):
            if day not in dates:
                print(f"Snapshot tanggal {format_date(day)} tidak ada di basis data.", file=sys.stderr)
                return 1
        summary = store.change_counts_per_opd(con, args.from_date, args.to_date, campaign=campaign.key)
    finally:
        con.close()
    from pdm_metrics.rates_output import diff_columns

    kinds = {"opd": "opd", **diff_columns(campaign)}
    records = [{c: plain_value(row[kind]) for c, kind in kinds.items()} for row in summary.to_dict("records")]
    write_records(records, tuple(kinds), args.format)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pdm_metrics import export
    from pdm_metrics.views.common import Filters
    from pdm_metrics.views.data import StatusFilter, data_table

    out = checked_output(args.out, args.db)
    con = store.connect(args.db, must_exist=True)
    try:
        campaign, day = campaign_snapshot(con, args.campaign, args.date)
        if day is None:
            return 1
        opd_keys = (name_key(args.opd),) if args.opd else ()
        view_filters = Filters(day, opd_keys, (), masked=args.mask, campaign=campaign)
        _, table = data_table(con, view_filters, StatusFilter())
        if args.opd and table.empty:
            print(f"OPD '{args.opd}' tidak ada pada snapshot {format_date(day)}.", file=sys.stderr)
            return 1
        title = f"Data ASN {campaign.short_name}, snapshot {format_date(day)}"
        subtitle = f"OPD: {args.opd or 'semua'}" + ("; NIP dan email disamarkan" if args.mask else "")
        data = export.to_csv_bytes(table) if args.format == "csv" else export.to_xlsx_bytes(table, title, subtitle)
        write_output(out, data)
        store.record_audit(con, args.by, "ekspor (CLI)", f"{args.out.name}: {len(table)} baris; {subtitle}")
    finally:
        con.close()
    print(json.dumps({"snapshot_date": day.isoformat(), "rows": len(table), "out": str(args.out)}))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The meeting PDF of the Laporan PDF page, for a schedule (e.g. each Monday's report)."""
    from pdm_metrics.views import common, laporan

    out = checked_output(args.out, args.db)
    con = store.connect(args.db, must_exist=True)
    try:
        campaign, day = campaign_snapshot(con, args.campaign, args.date)
        if day is None:
            return 1
        keys = _unit_keys(store.opd_choices(con), args.instansi, args.opd)
        if (args.instansi or args.opd) and not keys:
            print(f"Instansi/OPD '{args.instansi or args.opd}' tidak ada di basis data.", file=sys.stderr)
            return 1
        filters = common.Filters(day, tuple(keys), campaign=campaign)
        _, pdf = laporan.report_pdf(con, common.calendar_in_force(con, campaign), filters, date.today())
        write_output(out, pdf)
        scope = "; ".join(filter(None, [args.instansi and f"instansi {args.instansi}", args.opd and f"OPD {args.opd}"]))
        store.record_audit(
            con, args.by, "laporan (CLI)", f"{args.out.name}: snapshot {day.isoformat()}; {scope or 'semua'}"
        )
    finally:
        con.close()
    if args.email:
        from pdm_metrics.mail import mail_report

        title = f"Laporan {campaign.short_name} {format_date(day)}"
        try:
            mail_report(pdf, args.out.name, title, f"{title} terlampir (Pantau PDM, {scope or 'semua OPD'}).")
        except PdmError as exc:
            print(f"Laporan tersimpan di {args.out}, tetapi tidak terkirim: {exc.message}", file=sys.stderr)
            return 1
    print(json.dumps({"snapshot_date": day.isoformat(), "out": str(args.out), "bytes": len(pdf), "email": args.email}))
    return 0


def _unit_keys(units: pd.DataFrame, instansi: str | None, opd: str | None) -> list[str]:
    """The unit keys whose instansi and OPD names match (case and spacing ignored); all for neither."""

    chosen = units
    if instansi:
        if not units["instansi"].notna().any():
            raise RosterError(
                "Data di basis data ini tidak memuat instansi (berkas satu instansi, mis. satu kabupaten): "
                "hilangkan --instansi, atau pilih --opd."
            )
        chosen = chosen[chosen["instansi"].fillna("").astype(str).map(name_key) == name_key(instansi)]
    if opd:
        plain = chosen["opd"].map(lambda name: name_key(str(name).split(" (")[0]))
        chosen = chosen[(chosen["opd"].astype(str).map(name_key) == name_key(opd)) | (plain == name_key(opd))]
    return [] if not (instansi or opd) else [str(k) for k in chosen["opd_key"]]


def cmd_units(args: argparse.Namespace) -> int:
    """Load the agency's unit -> OPD map (replacing the stored one), or write it out to fill in."""
    from pdm_metrics.views import peta_unit

    if args.units_command == "import" and not args.file.is_file():
        print(f"Berkas {args.file} tidak ditemukan.", file=sys.stderr)
        return 1
    out = checked_output(args.out, args.db) if args.units_command == "export" else None
    con = store.connect(args.db, must_exist=out is not None)
    try:
        if args.units_command == "import":
            read = peta_unit.preview_map_file(args.file.read_bytes(), args.file.name)
            print(peta_unit.apply_map_file(con, read, args.file.name, args.by), file=sys.stderr)
            summary: dict[str, object] = {"entries": len(read.entries), "left_unmapped": read.left_unmapped}
        else:
            frame = peta_unit.map_export_frame(con)
            assert out is not None
            write_output(out, peta_unit.map_workbook(frame, date.today()))
            summary = {"out": str(args.out), "rows": len(frame)}
    finally:
        con.close()
    print(json.dumps(summary))
    return 0


def cmd_hash_password(args: argparse.Namespace) -> int:
    from pdm_metrics import auth

    if sys.stdin.isatty():
        password = getpass.getpass("Kata sandi: ")
        if getpass.getpass("Ulangi kata sandi: ") != password:
            print("Kata sandi tidak sama.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 10:
        print("Kata sandi minimal 10 karakter.", file=sys.stderr)
        return 1
    print(auth.hash_password(password))
    return 0


def cmd_followup(args: argparse.Namespace) -> int:
    from pdm_metrics.cli_followup import followup_command

    return followup_command(args)


def cmd_campaigns(args: argparse.Namespace) -> int:
    from pdm_metrics.cli_campaigns import campaigns_command

    return campaigns_command(args)


COMMANDS = {
    "campaigns": cmd_campaigns,
    "followup": cmd_followup,
    "hash-password": cmd_hash_password,
    "export": cmd_export,
    "report": cmd_report,
    "ingest": cmd_ingest,
    "rates": cmd_rates,
    "snapshots": cmd_snapshots,
    "demo": cmd_demo,
    "diff": cmd_diff,
    "units": cmd_units,
}
