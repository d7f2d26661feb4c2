"""The checks on their own: every rule's SQL and its texts are held together, and the engine
checks cells handed to it directly (no file, no store)."""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa

from pdm_metrics.checks import plan as check_plans
from pdm_metrics.checks import rules
from pdm_metrics.checks.engine import RosterChecks
from pdm_metrics.schema import Column
from tests.files import NIP_A, NIP_B
from tests.pdm_2021 import ACTIVATION, PDM

# Bound per call rather than from CHECK_PARAMS: the part being added, and a CSV's reading options.
PER_CALL = {"part", "path", "delimiter", "skip", "columns"}


def parameters(sql: str) -> set[str]:
    return set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))


def test_every_parameter_a_rule_names_has_a_value_and_every_value_is_used() -> None:
    plan = check_plans.check_plan(PDM)
    statements = [*plan.statements, plan.problems_sql, rules.trimmed("cell")]  # trimmed: as cells arrive
    named = set().union(*(parameters(sql) for sql in statements))
    given = set(plan.params) | set(check_plans.switches(frozenset(), None))
    assert named - given == set()  # a rule whose text or switch is missing
    assert given - named - {f"has_{c.value}" for c in Column} == set()  # a text no rule uses (a typo)


def test_the_engine_checks_cells_handed_to_it() -> None:
    checks = RosterChecks(PDM)
    cells = {c.value: pa.nulls(3, pa.string()) for c in Column}
    cells |= {
        "nip": pa.array([NIP_A, "12345", NIP_B]),
        "nama": pa.array(["Budi", "Siti", "Ani"]),
        "opd": pa.array(["Dinas A", "dinas  a", "Dinas B"]),
        ACTIVATION.status_column.value: pa.array(["Sudah", "Belum", "Mungkin"]),
    }
    checks.add_cells("x.csv", 2, pa.table(cells), [])
    columns = frozenset({Column.NIP, Column.NAMA, Column.OPD, ACTIVATION.status_column})
    problems = checks.check(
        check_plans.switches(columns, dt.date(2021, 7, 11)), check_plans.lookup_tables(PDM, checks.distinct_cells)
    )
    assert list(problems.columns) == list(rules.PROBLEM_COLUMNS)
    assert list(zip(problems["row_number"], problems["column_label"], strict=True)) == [
        (3, "NIP"),
        (4, "Status Aktivasi"),
    ]
    assert "tidak dikenal" in problems.iloc[1]["reason"]
    assert checks.counts() == (3, 1, (1, 0, 0))  # only the first row is valid, and activated
    rows = checks.rows().to_pylist()
    assert rows[1]["opd"] == "Dinas A"  # the same unit whatever its case and spacing
    checks.close()


def test_status_words_are_read_by_their_vocabulary() -> None:
    assert [ACTIVATION.word_value(w) for w in ("Sudah", "belum verifikasi", "1", "Mungkin")] == [
        True,
        False,
        True,
        None,
    ]
