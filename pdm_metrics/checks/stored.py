"""Rows that arrive already typed (a backup's roster) checked by the rules an upload's rows pass:
a NIP of 18 digits, a name and an OPD present, every text within MAX_TEXT_LENGTH and free of
control characters, a known jenis ASN, no day a stage was done before its campaign allows. A
backup whose rows an upload would refuse is not restored (store.restore_zip)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pdm_metrics.campaign import PDM_2021, Campaign, campaign_from_text, shipped_campaign
from pdm_metrics.fmt import excerpt, format_int
from pdm_metrics.nip import NIP_LENGTH
from pdm_metrics.schema import CONTROL_CHARACTERS, MAX_STAGES, MAX_TEXT_LENGTH, JenisAsn, Table, done_on_column
from pdm_metrics.store import legacy
from pdm_metrics.store.db import Connection

# column -> what it is called in a message; required columns may not be empty.
_TEXTS = {"nama": "Nama", "opd": "OPD", "unit": "Unit kerja", "instansi": "Instansi", "email": "Email",
          "email_gov": "Email instansi", "unit_id": "ID unit"}  # fmt: skip
_REQUIRED = ("nama", "opd")


def _rules(columns: set[str], earliest: Mapping[str, tuple[date, str]]) -> list[tuple[str, str, str]]:
    """(what is wrong, the row's shown value, the SQL condition) for each rule whose column the file has."""
    rules = [("NIP bukan 18 digit", "nip", f"nip IS NULL OR NOT regexp_full_match(nip, '[0-9]{{{NIP_LENGTH}}}')")]
    for column, label in _TEXTS.items():
        if column not in columns:
            continue
        if column in _REQUIRED:
            rules.append((f"{label} kosong", "nip", f"{column} IS NULL OR trim({column}) = ''"))
        rules.append((f"{label} berisi karakter kontrol", column, f"regexp_matches({column}, $control)"))
        rules.append((f"{label} lebih dari {MAX_TEXT_LENGTH} karakter", column, f"length({column}) > $max_text"))
    if "jenis_asn" in columns:
        known = ", ".join(f"'{kind.value}'" for kind in JenisAsn)
        rules.append(("Jenis ASN tidak dikenal", "jenis_asn", f"jenis_asn NOT IN ({known})"))
    for column, (day, reason) in earliest.items():
        if column in columns:
            rules.append((reason, column, f"{column} < DATE '{day.isoformat()}'"))
    return rules


def _earliest_days(cur: Connection, files: Mapping[str, str]) -> dict[str, tuple[date, str]]:
    """Per day column of the backup's roster, the earliest day its stage allows and the message:
    by the campaigns the backup holds (one from before campaigns were data is PDM 2021's)."""
    campaigns: list[Campaign] = []
    if Table.CAMPAIGNS in files:
        rows = cur.execute("SELECT definition, file_name FROM read_parquet(?)", [files[Table.CAMPAIGNS]]).fetchall()
        campaigns = [campaign_from_text(str(text), str(name)) for text, name in rows]
    found: dict[str, tuple[date, str]] = {}
    for campaign in campaigns or [shipped_campaign(PDM_2021)]:
        for stage in campaign.stages:
            day = found.get(stage.done_on_column)
            if day is None or stage.earliest < day[0]:  # several campaigns: the most lenient
                found[stage.done_on_column] = (stage.earliest, stage.early_date_message)
    legacy_days = {old: new for old, new in legacy.RENAMED[Table.ROSTER].items() if new.startswith("done_on_")}
    found |= {old: found[new] for old, new in legacy_days.items() if new in found}
    return {c: found[c] for c in (*legacy_days, *(done_on_column(n) for n in range(1, MAX_STAGES + 1))) if c in found}


def stored_row_problems(cur: Connection, files: Mapping[str, str]) -> list[str]:
    """Each rule the rows of a backup's roster Parquet file break: how many rows, and the first value."""
    roster_file = files[Table.ROSTER]
    columns = {str(row[0]) for row in cur.execute("DESCRIBE SELECT * FROM read_parquet(?)", [roster_file]).fetchall()}
    problems = []
    params = {"file": roster_file, "control": CONTROL_CHARACTERS, "max_text": MAX_TEXT_LENGTH}
    for reason, shown, condition in _rules(columns, _earliest_days(cur, files)):
        used = {k: v for k, v in params.items() if f"${k}" in condition or k == "file"}
        sql = f"SELECT count(*), first({shown}::VARCHAR) FROM read_parquet($file) WHERE {condition}"
        count, example = cur.execute(sql, used).fetchone() or (0, None)
        if count:
            value = "" if example is None else f" (mis. '{excerpt(example, 40)}')"
            problems.append(f"{format_int(count)} baris: {reason}{value}")
    return problems
