"""The checks of one campaign's files, put together from the rules (rules.py): every statement in
order, the report, the texts they use, and the per-word lookups (`CheckPlan`, one per campaign).

A campaign's stages are its own: each has its status words looked up and, where its definition
reads a day, that day checked; the SQL is generated for the stages the campaign has (slots beyond
them are not read), so a one-stage campaign's national file does no work for eight.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import pyarrow as pa

from pdm_metrics.campaign import Campaign, Stage
from pdm_metrics.checks.rules import (
    CELL_COLUMNS,
    DATE_PARAMS,
    ERROR,
    JENIS_PARAMS,
    MAX_SHOWN_VALUE,
    NIP_ERROR,
    NIP_PARAMS,
    NIP_WARNING,
    PROBLEM_COLUMNS,
    SPELLINGS_SQL,
    STATUS_PARAMS,
    TEXT_COLUMNS,
    TEXT_PARAMS,
    WARNING,
    WHITESPACE_PARAMS,
    jenis_word_value,
    parse_roster_date,
    plain_text,
    stage_params,
    status_check,
    text_check,
)
from pdm_metrics.schema import PERSON_ROSTER_COLUMNS, STAGE_COLUMNS, Column

# ----------------------------------------------------------------------------- every row assessed


def _parsed_sql(stages: Sequence[Stage]) -> str:
    """Each cell as read, its rule's first steps, and every stage's status word and day looked
    up. Rows with no cell at all are left out (they keep their place in the row numbering).
    {source} is the table of cells and {position} its column of row positions. A NIP of digits
    only (nearly all) needs no other rule: CASE runs the others on the rest alone, where AND
    would run them on every row."""
    looked_up = [f"s{s.slot}.flag AS status_{s.slot}_flag" for s in stages]
    looked_up += [f"d{s.slot}.day AS {s.done_on_column}" for s in stages if s.date_aliases]
    joins = [f"LEFT JOIN status_words_{s.slot} s{s.slot} ON s{s.slot}.value = r.status_{s.slot}" for s in stages]
    joins += [f"LEFT JOIN stage_dates d{s.slot} ON d{s.slot}.value = r.date_{s.slot}" for s in stages if s.date_aliases]
    return f"""
SELECT r.{{position}} AS position, r.part,
       {", ".join(f"r.{c} AS {c}_cell" for c in CELL_COLUMNS)},
       regexp_full_match(r.nip, '[0-9]+') AS nip_digits_only,
       CASE WHEN nip_digits_only THEN r.nip
            ELSE regexp_replace(regexp_replace(r.nip, $leading_quote, ''), $nip_junk, '', 'g') END AS nip_clean,
       n.row_number IS NOT NULL
           OR CASE WHEN nip_digits_only THEN false ELSE coalesce(regexp_full_match(r.nip, $scientific), false) END
           AS nip_numeric,
       CASE WHEN nip_digits_only THEN true ELSE regexp_full_match(nip_clean, '[0-9]+') END AS nip_clean_digits,
       {", ".join(plain_text(c) for c in TEXT_COLUMNS)},
       {", ".join(looked_up)}, j.kind AS jenis_word
FROM {{source}} r
JOIN parts p ON p.part = r.part
LEFT JOIN numeric_nips n ON n.part = r.part AND n.row_number = p.first_row + r.{{position}} - p.start
{chr(10).join(joins)}
LEFT JOIN jenis_words j ON j.value = r.jenis_asn
WHERE coalesce({", ".join(f"r.{c}" for c in CELL_COLUMNS)}) IS NOT NULL
"""


def _stage_checks(stage: Stage) -> str:
    """A stage's stored values (done, the day) and the message of each of its checks."""
    n, on = stage.slot, stage.done_on_column
    status = f"d.status_{n}_flag AS {stage.done_column}, {status_check(f'status_{n}')} AS status_{n}_error"
    if not stage.date_aliases:
        return f"{status}, NULL::DATE AS {on}, NULL::VARCHAR AS date_{n}_error, NULL::VARCHAR AS date_{n}_warning"
    return f"""{status}, d.{on},
       CASE WHEN d.date_{n}_cell IS NOT NULL AND d.{on} IS NULL THEN $msg_date_unreadable
            WHEN d.{on} < $earliest_{n} THEN $msg_date_early_{n} END AS date_{n}_error,
       CASE WHEN d.{on} > $snapshot_date THEN $msg_date_late_{n} END AS date_{n}_warning"""


def _assessed_sql(stages: Sequence[Stage]) -> str:
    """Every row normalised with the message of each check (NULL when it passes)."""
    return f"""
WITH parsed AS ({_parsed_sql(stages)}), nips AS (
    SELECT *, {NIP_ERROR} AS nip_error FROM parsed
), decoded AS (
    SELECT *,
           CASE WHEN substr(nip, 1, 4) <> '0000' THEN try_strptime(substr(nip, 1, 8), '%Y%m%d') END AS birth,
           TRY_CAST(substr(nip, 9, 4) AS INTEGER) AS start_year,
           TRY_CAST(substr(nip, 13, 2) AS INTEGER) AS kind_code
    FROM (SELECT *, CASE WHEN nip_error IS NULL THEN nip_clean END AS nip FROM nips)
)
SELECT d.position, d.part, d.nip, d.nip_error,
       {NIP_WARNING} AS nip_warning,
       d.nama_value AS nama, {text_check("nama", "true")} AS nama_error,
       CASE WHEN $has_instansi THEN o.name || ' (' || i.name || ')' ELSE o.name END AS opd,
       CASE WHEN $has_instansi THEN i.key || ' › ' || o.key ELSE o.key END AS opd_key,
       {text_check("opd", "true")} AS opd_error,
       i.name AS instansi, i.key AS instansi_key,
       {text_check("instansi", "$has_instansi")} AS instansi_error,
       {", ".join(_stage_checks(s) for s in stages)},
       lower(d.email_cell) AS email, {text_check("email", None)} AS email_error,
       lower(d.email_gov_cell) AS email_gov, {text_check("email_gov", None)} AS email_gov_error,
       d.unit_id_value AS unit_id, {text_check("unit_id", None)} AS unit_id_error,
       coalesce(d.jenis_word, CASE WHEN d.kind_code BETWEEN 1 AND 12 THEN 'PNS' WHEN d.nip IS NOT NULL THEN 'PPPK' END)
           AS jenis_asn,
       CASE WHEN d.jenis_asn_cell IS NOT NULL AND d.jenis_word IS NULL THEN $msg_jenis_unknown END AS jenis_asn_error
FROM decoded d
LEFT JOIN spellings o ON o.level = 'opd' AND o.key = lower(d.opd_value)
LEFT JOIN spellings i ON i.level = 'instansi' AND i.key = lower(d.instansi_value)
"""


def _all_null(columns: Sequence[str]) -> str:
    return " AND ".join(f"{name} IS NULL" for name in columns)


# What later steps need of each row: its values, whether it is to be stored (`keep`: no check
# failed; duplicates are taken out later) and whether no check warned (`clean`). The messages
# themselves are worked out again for the few flagged rows only, so a national file does not
# hold a dozen mostly empty text columns in memory.
def _checked_sql(plan: CheckPlan) -> str:
    return f"""
CREATE TABLE checked AS
SELECT position, part, {", ".join(plan.roster_columns)},
       {_all_null(plan.error_columns)} AS keep, {_all_null(plan.warning_columns)} AS clean
FROM ({plan.assessed("raw", "rowid")})
"""


# A checked row's Excel-style number in its own file or sheet, and that source's name (derived
# from its part, so the per-row table does not carry them).
_NUMBERED_SQL = """
CREATE VIEW numbered AS
SELECT c.*, p.first_row + c.position - p.start AS row_number, p.label AS source
FROM checked c JOIN parts p USING (part)
"""

# ----------------------------------------------------------------------------- duplicates

_DUPLICATE_PARAMS: dict[str, object] = {
    "msg_duplicate_conflict": "NIP yang sama muncul dengan data berbeda di baris {rows}",
    "msg_duplicate_identical": "Duplikat identik dengan baris {row}; hanya satu yang disimpan",
}


def _duplicates_sql(stages: Sequence[Stage]) -> str:
    """Same NIP twice (in any source): identical rows -> keep the first and warn; different ->
    error on every row. A row is named '5', or '5 (b.xlsx)' when several sources are read together."""
    compared = ", ".join(("nama", "opd_key", "jenis_asn", *(c for s in stages for c in _stage_values(s)), "email"))
    return f"""
CREATE TABLE duplicates AS
WITH repeated AS (
    SELECT c.*, CASE WHEN (SELECT count(DISTINCT p.label) FROM parts p WHERE p.part IN (SELECT part FROM checked)) > 1
                     THEN row_number::VARCHAR || ' (' || source || ')' ELSE row_number::VARCHAR END AS ref
    FROM numbered c
    WHERE nip IN (SELECT nip FROM checked WHERE nip IS NOT NULL GROUP BY nip HAVING count(*) > 1)
), variants AS (
    SELECT nip,
           count(DISTINCT ({compared})) AS n,
           array_to_string(list_slice(list(ref ORDER BY position), 1, 10), ', ') AS refs,
           arg_min(ref, position) AS first_ref, min(position) AS first_position
    FROM repeated GROUP BY nip
)
SELECT r.position,
       CASE WHEN v.n > 1 THEN replace($msg_duplicate_conflict, '{{rows}}', v.refs) END AS duplicate_error,
       CASE WHEN v.n = 1 AND r.position <> v.first_position
            THEN replace($msg_duplicate_identical, '{{row}}', v.first_ref) END AS duplicate_warning
FROM repeated r JOIN variants v USING (nip)
"""


def _stage_values(stage: Stage) -> tuple[str, str]:
    return stage.done_column, stage.done_on_column


# The rows to store: no error, and not a later copy of an identical row (the duplicates are
# few, so marking them is cheaper than joining every row to them each time the rows are read).
_UNKEPT_DUPLICATES_SQL = """
UPDATE checked SET keep = false
WHERE position IN (
    SELECT position FROM duplicates WHERE duplicate_error IS NOT NULL OR duplicate_warning IS NOT NULL)
"""
_VALID_SQL = "CREATE VIEW valid AS SELECT * FROM checked WHERE keep"

# Emails that several rows to store share (few; every other email is one person's own).
_SHARED_EMAILS_SQL = """
CREATE TABLE shared_emails AS
SELECT email, count(*) AS n FROM valid WHERE email <> '' GROUP BY email HAVING count(*) > 1
"""

# ----------------------------------------------------------------------------- the report

# The rows with any problem: their cells as read, and every check's message worked out again
# from those cells (few rows, even in a large file).
_FLAGGED_CELLS_SQL = """
CREATE TABLE flagged_cells AS
SELECT rowid AS position, * FROM raw
WHERE rowid IN (SELECT position FROM checked WHERE NOT (keep AND clean) UNION ALL SELECT position FROM duplicates)
"""


def _flagged_sql(plan: CheckPlan) -> str:
    return f"""
CREATE TABLE flagged AS
SELECT a.*, p.first_row + a.position - p.start AS row_number, p.label AS source,
       d.duplicate_error, d.duplicate_warning, {", ".join(f"r.{c} AS {c}_cell" for c in CELL_COLUMNS)}
FROM ({plan.assessed("flagged_cells", "position")}) a
JOIN parts p USING (part) JOIN flagged_cells r USING (position) LEFT JOIN duplicates d USING (position)
WHERE NOT ({_all_null((*plan.error_columns, *plan.warning_columns))}
           AND d.duplicate_error IS NULL AND d.duplicate_warning IS NULL)
"""


_REPORT_PARAMS: dict[str, object] = {"error": ERROR, "warning": WARNING, "max_shown": MAX_SHOWN_VALUE}


def _problem(order: int, column: str, reason: str, level: str, shown: str | None = None) -> str:
    value = shown or f"{column}_cell"
    return f"""SELECT {order} AS check_order, source, row_number, $label_{column} AS column_label,
                      substr(coalesce({value}, ''), 1, $max_shown) AS value, {reason} AS reason, {level} AS level
               FROM flagged WHERE {reason} IS NOT NULL"""


def _problems_sql(stages: Sequence[Stage]) -> str:
    # A value with control characters is shown with each of them as '?'.
    control_shown = "regexp_replace({0}_cell, $control, '?', 'g')"
    dated = [s for s in stages if s.date_aliases]
    checks = [
        ("nip", "nip_error", "$error", None),
        ("nip", "nip_warning", "$warning", None),
        *[(c, f"{c}_error", "$error", control_shown.format(c)) for c in ("nama", "opd", "instansi")],
        *[(f"status_{s.slot}", f"status_{s.slot}_error", "$error", None) for s in stages],
        *[(f"date_{s.slot}", f"date_{s.slot}_error", "$error", None) for s in dated],
        *[(f"date_{s.slot}", f"date_{s.slot}_warning", "$warning", None) for s in dated],
        *[(c, f"{c}_error", "$error", control_shown.format(c)) for c in ("email", "email_gov", "unit_id")],
        ("jenis_asn", "jenis_asn_error", "$error", None),
        ("nip", "duplicate_error", "$error", "nip"),
        ("nip", "duplicate_warning", "$warning", "nip"),
    ]
    union = "\nUNION ALL\n".join(_problem(i, *check) for i, check in enumerate(checks))
    return f"""SELECT {", ".join(PROBLEM_COLUMNS)} FROM ({union})
               ORDER BY source, row_number, column_label, check_order"""


# The fixed texts and patterns of every rule above. Per campaign, CheckPlan adds its stages'
# texts; per file, `switches` adds the rest.
CHECK_PARAMS: dict[str, object] = {
    **WHITESPACE_PARAMS,
    **TEXT_PARAMS,
    **STATUS_PARAMS,
    **NIP_PARAMS,
    **DATE_PARAMS,
    **JENIS_PARAMS,
    **_DUPLICATE_PARAMS,
    **_REPORT_PARAMS,
}


@dataclass(frozen=True)
class CheckPlan:
    """The checks of one campaign's files: the statements in order, the report, the texts they
    use, and the roster columns a checked row has (the person's, then each stage's)."""

    campaign: Campaign

    @property
    def stages(self) -> tuple[Stage, ...]:
        return self.campaign.stages

    @property
    def roster_columns(self) -> tuple[str, ...]:
        return (*PERSON_ROSTER_COLUMNS, *(c for s in self.stages for c in _stage_values(s)))

    @property
    def error_columns(self) -> tuple[str, ...]:
        cells = ("nip", "nama", "opd", "instansi", *(f"status_{s.slot}" for s in self.stages))
        dates = tuple(f"date_{s.slot}" for s in self.stages)
        return tuple(f"{c}_error" for c in (*cells, *dates, "email", "email_gov", "unit_id", "jenis_asn"))

    @property
    def warning_columns(self) -> tuple[str, ...]:
        return ("nip_warning", *(f"date_{s.slot}_warning" for s in self.stages))

    def assessed(self, source: str, position: str) -> str:
        """The assessment over one table of cells (`source`, its row positions in column `position`)."""
        return _assessed_sql(self.stages).replace("{source}", source).replace("{position}", position)

    @property
    def statements(self) -> tuple[str, ...]:
        return (
            SPELLINGS_SQL,
            _checked_sql(self),
            _NUMBERED_SQL,
            _duplicates_sql(self.stages),
            _UNKEPT_DUPLICATES_SQL,
            _VALID_SQL,
            _SHARED_EMAILS_SQL,
            _FLAGGED_CELLS_SQL,
            _flagged_sql(self),
        )

    @property
    def problems_sql(self) -> str:
        return _problems_sql(self.stages)

    @property
    def params(self) -> dict[str, object]:
        labels = self.campaign.vocabulary.labels
        person = {f"label_{c.value}": label for c, label in labels.items() if c not in STAGE_COLUMNS}
        stages = {k: v for s in self.stages for k, v in stage_params(s, labels).items()}
        return {**CHECK_PARAMS, **person, **stages}


@cache
def check_plan(campaign: Campaign) -> CheckPlan:
    return CheckPlan(campaign)


def switches(columns: frozenset[Column], snapshot_date: date | None) -> dict[str, object]:
    """The per-file parameters: which optional columns the file has, and its snapshot date."""
    return {f"has_{c.value}": c in columns for c in Column} | {"snapshot_date": snapshot_date}


def lookup_tables(campaign: Campaign, distinct: Callable[[Sequence[str]], list[str]]) -> dict[str, pa.Table]:
    """The per-word rules applied once to each distinct value that `distinct(columns)` returns:
    each stage's status words, the days stages were done, jenis ASN."""
    stages = campaign.stages
    tables = {
        f"status_words_{s.slot}": _lookup(distinct([s.status_column.value]), "flag", s.word_value, pa.bool_())
        for s in stages
    }
    dates = (
        distinct([s.date_column.value for s in stages if s.date_aliases]) if any(s.date_aliases for s in stages) else []
    )
    tables["stage_dates"] = _lookup(dates, "day", parse_roster_date, pa.date32())
    tables["jenis_words"] = _lookup(distinct([Column.JENIS_ASN.value]), "kind", jenis_word_value, pa.string())
    return tables


def _lookup(values: list[str], name: str, rule: Callable[[str], object], kind: pa.DataType) -> pa.Table:
    """A per-word rule applied to each distinct value once: value -> result."""
    return pa.table({"value": pa.array(values, pa.string()), name: pa.array(map(rule, values), kind)})
