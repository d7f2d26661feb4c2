"""`python -m pdm_metrics followup`: what Tindak Lanjut offers, for automation: the WhatsApp text
of every OPD (names grouped by unit kerja), or the follow-up workbook."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pdm_metrics import store
from pdm_metrics.outputs import campaign_snapshot, checked_output, write_output
from pdm_metrics.unit_map import name_key

# Between two OPD's messages in the text file: each is sent to its own group.
MESSAGE_BREAK = "\n\n" + "-" * 40 + "\n\n"


def add_parser(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
    day: Callable[[str], date],
) -> None:
    follow = with_db(commands.add_parser("followup", help="daftar tindak lanjut per OPD (teks WhatsApp atau xlsx)"))
    follow.add_argument("--stage", default=None, metavar="KEY", help="kunci tahap (bawaan: tahap yang masih berjalan)")
    follow.add_argument("--opd", default=None, help="nama OPD (huruf besar/kecil dan spasi diabaikan)")
    follow.add_argument("--date", type=day, default=None, help="bawaan: snapshot terbaru")
    follow.add_argument("--format", choices=("text", "xlsx"), required=True)
    follow.add_argument("--out", type=Path, required=True)
    follow.add_argument("--mask", action="store_true", help="samarkan NIP dan email")
    follow.add_argument("--by", default="cli", help="nama untuk catatan audit")


def followup_command(args: argparse.Namespace) -> int:
    from pdm_metrics.views import common, tindak_lanjut

    out = checked_output(args.out, args.db)
    con = store.connect(args.db, must_exist=True)
    try:
        campaign, day = campaign_snapshot(con, args.campaign, args.date)
        if day is None:
            return 1
        calendar = common.calendar_in_force(con, campaign)
        if args.stage is not None and args.stage not in {s.key for s in campaign.stages}:
            keys = ", ".join(s.key for s in campaign.stages)
            print(f"Tahap '{args.stage}' tidak ada di kampanye {campaign.key} (pilih: {keys}).", file=sys.stderr)
            return 1
        stage = campaign.stage(args.stage) if args.stage else calendar.open_stage(day)
        opd_keys = (name_key(args.opd),) if args.opd else ()
        filters = common.Filters(day, opd_keys, masked=args.mask, campaign=campaign)
        view = tindak_lanjut.follow_up(con, calendar, filters, stage)
        assert view is not None  # the date is one of the campaign's snapshots
        if args.opd and not view.opds and common.units_in_selection(con, filters) == 0:
            print(f"OPD '{args.opd}' tidak ada pada snapshot {day.isoformat()}.", file=sys.stderr)
            return 1
        if args.format == "xlsx":
            data = view.workbook
        else:
            data = MESSAGE_BREAK.join(o.message for o in view.opds).encode("utf-8") + b"\n"
        write_output(out, data)
        listed = sum(len(o.missing) for o in view.opds)
        detail = f"{args.out.name}: {stage.key}, snapshot {day.isoformat()}, {len(view.opds)} OPD, {listed} ASN"
        store.record_audit(con, args.by, "tindak lanjut (CLI)", detail)
    finally:
        con.close()
    print(json.dumps({"snapshot_date": day.isoformat(), "stage": stage.key, "opd": len(view.opds), "asn": listed}))
    return 0
