"""Rows that arrive already typed (a backup's roster) checked by the rules an upload's rows pass:
a NIP of 18 digits, a name and an OPD present, every text within MAX_TEXT_LENGTH and free of
control characters, a known jenis ASN, an activation date no earlier than MySAPK. A backup whose
rows an upload would refuse is not restored (store.restore_zip)."""

from __future__ import annotations

from pdm_metrics.checks.rules import EARLIEST_ACTIVATION
from pdm_metrics.fmt import excerpt, format_int
from pdm_metrics.nip import NIP_LENGTH
from pdm_metrics.schema import CONTROL_CHARACTERS, MAX_TEXT_LENGTH, JenisAsn
from pdm_metrics.store.db import Connection

# column -> what it is called in a message; required columns may not be empty.
_TEXTS = {"nama": "Nama", "opd": "OPD", "unit": "Unit kerja", "instansi": "Instansi", "email": "Email",
          "email_gov": "Email instansi", "unit_id": "ID unit"}  # fmt: skip
_REQUIRED = ("nama", "opd")


def _rules(columns: set[str]) -> list[tuple[str, str, str]]:
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
    if "activated_on" in columns:
        rules.append(("Tanggal aktivasi sebelum MySAPK ada", "activated_on", "activated_on < $earliest"))
    return rules


def stored_row_problems(cur: Connection, roster_file: str) -> list[str]:
    """Each rule the rows of a roster Parquet file break: how many rows, and the first value."""
    columns = {str(row[0]) for row in cur.execute("DESCRIBE SELECT * FROM read_parquet(?)", [roster_file]).fetchall()}
    problems = []
    params = {
        "file": roster_file,
        "control": CONTROL_CHARACTERS,
        "max_text": MAX_TEXT_LENGTH,
        "earliest": EARLIEST_ACTIVATION,
    }
    for reason, shown, condition in _rules(columns):
        used = {k: v for k, v in params.items() if f"${k}" in condition or k == "file"}
        sql = f"SELECT count(*), first({shown}::VARCHAR) FROM read_parquet($file) WHERE {condition}"
        count, example = cur.execute(sql, used).fetchone() or (0, None)
        if count:
            value = "" if example is None else f" (mis. '{excerpt(example, 40)}')"
            problems.append(f"{format_int(count)} baris: {reason}{value}")
    return problems
