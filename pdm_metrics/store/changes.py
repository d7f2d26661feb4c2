"""The changes between two snapshots (Perubahan): worked out once per pair, stored, then read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics.schema import CHANGE_KINDS, STAGE_SLOTS, Table, done_column, newly_done_column
from pdm_metrics.store.db import Connection, first, has_column, in_campaign, list_param
from pdm_metrics.store.derived import CHANGE_TABLES

# Names in the order a reader looks them up: "Badan Kesbangpol", "Bapenda", "BKPSDM" (a plain
# ORDER BY puts every capital before every small letter); the exact text breaks ties.
OPD_BY_NAME = "lower(opd), opd"

_ANY_CHANGE = " OR ".join(f'"{kind}"' for kind in CHANGE_KINDS)

# A status the earlier file lacked counts as not yet done (NULL -> false); a stage is undone
# ("regressed") only where the later file says so (false, not a column it lacks).
_DONE_SIDES = ", ".join(
    f"coalesce(a.{done_column(n)}, false) AS a_{n}, coalesce(b.{done_column(n)}, false) AS b_{n}, "
    f"b.{done_column(n)} = false AS b_not_{n}"
    for n in STAGE_SLOTS
)
_NEWLY_DONE = ", ".join(f"both_sides AND b_{n} AND NOT a_{n} AS {newly_done_column(n)}" for n in STAGE_SLOTS)
_UNDONE = " OR ".join(f"(a_{n} AND b_not_{n})" for n in STAGE_SLOTS)
_CHANGES_SELECT = f"""
    WITH a AS (SELECT * FROM {Table.ROSTER} WHERE snapshot_id = $from_id),
         b AS (SELECT * FROM {Table.ROSTER} WHERE snapshot_id = $to_id),
         pairs AS (
            SELECT coalesce(b.nip, a.nip) AS nip, coalesce(b.nama, a.nama) AS nama, coalesce(b.email, a.email) AS email,
                   a.opd AS opd_before, b.opd AS opd_after, a.opd_key AS key_before, b.opd_key AS key_after,
                   a.nip IS NOT NULL AND b.nip IS NOT NULL AS both_sides,
                   {_DONE_SIDES},
                   a.nip IS NOT NULL AS in_a, b.nip IS NOT NULL AS in_b
            FROM a FULL OUTER JOIN b ON a.nip = b.nip
         ),
         flagged AS (
            SELECT $from_id AS from_id, $to_id AS to_id, nip, nama, email, opd_before, opd_after, key_before, key_after,
                   {_NEWLY_DONE},
                   both_sides AND coalesce({_UNDONE}, false) AS regressed,
                   in_b AND NOT in_a AS joined,
                   in_a AND NOT in_b AS "left",
                   both_sides AND key_before <> key_after AS moved_in,
                   both_sides AND key_before <> key_after AS moved_out
            FROM pairs
         )
    SELECT *, row_number() OVER (
        ORDER BY coalesce(key_after, key_before), coalesce(opd_after, opd_before), nama, nip) AS list_order
    FROM flagged WHERE {_ANY_CHANGE}"""

_STORED_PAIR = f"(SELECT * FROM {Table.CHANGES} WHERE from_id = $from_id AND to_id = $to_id)"

# A change belongs to the chosen OPD when the ASN was there before or is there now.
_CHOSEN_UNITS = "($opd::VARCHAR[] IS NULL OR list_contains($opd, key_before) OR list_contains($opd, key_after))"


def _store_changes(cur: Connection, from_id: int, to_id: int) -> None:
    pair = {"from_id": from_id, "to_id": to_id}
    cur.execute(f"INSERT INTO {Table.CHANGES} {_CHANGES_SELECT}", pair)
    counts = _per_opd_counts(_STORED_PAIR)
    cur.execute(f"INSERT INTO {Table.CHANGE_COUNTS} SELECT $from_id, $to_id, * FROM ({counts})", pair)
    cur.execute(f"INSERT INTO {Table.CHANGE_PAIRS} VALUES (?, ?)", [from_id, to_id])


def store_neighbour_changes(cur: Connection, snapshot_id: int, snapshot_date: date, campaign: str) -> None:
    """The changes from the campaign's snapshot before and to its snapshot after (what Perubahan
    opens with); another campaign's snapshots are not neighbours."""
    before, after = first(
        cur.execute(
            f"""SELECT (SELECT arg_max(id, snapshot_date) FROM {Table.SNAPSHOTS}
                        WHERE snapshot_date < $day AND campaign = $campaign),
                   (SELECT arg_min(id, snapshot_date) FROM {Table.SNAPSHOTS}
                        WHERE snapshot_date > $day AND campaign = $campaign)""",
            {"day": snapshot_date, "campaign": campaign},
        )
    )
    if before is not None:
        _store_changes(cur, int(before), snapshot_id)
    if after is not None:
        _store_changes(cur, snapshot_id, int(after))


def store_missing_neighbour_changes(cur: Connection) -> None:
    """The changes between each snapshot and the one before it, where not stored (after an
    upgrade or a restore emptied them): a read finds them as an ingest leaves them."""
    pairs = cur.execute(
        f"""SELECT before_id, id FROM (
                SELECT id, lag(id) OVER (PARTITION BY campaign ORDER BY snapshot_date) AS before_id
                FROM {Table.SNAPSHOTS})
            WHERE before_id IS NOT NULL
              AND (before_id, id) NOT IN (SELECT (from_id, to_id) FROM {Table.CHANGE_PAIRS})"""
    ).fetchall()
    for from_id, to_id in pairs:
        _store_changes(cur, int(from_id), int(to_id))


def recompute_stored_changes(cur: Connection) -> None:
    """Work out again every stored pair (after the units were regrouped into other OPD)."""
    pairs = cur.execute(f"SELECT from_id, to_id FROM {Table.CHANGE_PAIRS}").fetchall()
    for table in CHANGE_TABLES:
        cur.execute(f"DELETE FROM {table}")
    for from_id, to_id in pairs:
        _store_changes(cur, int(from_id), int(to_id))


def forget_changes(cur: Connection, snapshot_ids: Sequence[int]) -> None:
    for table in CHANGE_TABLES:
        cur.execute(
            f"DELETE FROM {table} WHERE list_contains($ids, from_id) OR list_contains($ids, to_id)",
            {"ids": list(snapshot_ids)},
        )


def _pair_ids(con: Connection, from_date: date, to_date: date, campaign: str | None) -> tuple[int | None, int | None]:
    sql = f"""SELECT (SELECT id FROM {Table.SNAPSHOTS} s WHERE snapshot_date = $a AND {in_campaign("s")}),
                     (SELECT id FROM {Table.SNAPSHOTS} s WHERE snapshot_date = $b AND {in_campaign("s")})"""
    from_id, to_id = first(con.cursor().execute(sql, {"a": from_date, "b": to_date, "campaign": campaign}))
    return from_id, to_id


def _changes_source(
    con: Connection, from_date: date, to_date: date, campaign: str | None
) -> tuple[str, dict[str, object], bool]:
    """The changes between two snapshots as a FROM-able query, and whether they are stored.

    Neighbouring snapshots have their changes stored at ingest (what Perubahan opens with); any
    other pair is worked out in the query itself. A read never writes: it must not wait behind an
    upload for the writers' lock, nor hold one up."""
    from_id, to_id = _pair_ids(con, from_date, to_date, campaign)
    params: dict[str, object] = {"from_id": from_id, "to_id": to_id}
    sql = f"SELECT count(*) FROM {Table.CHANGE_PAIRS} WHERE from_id = $from_id AND to_id = $to_id"
    (stored,) = first(con.cursor().execute(sql, params))
    if stored and has_column(con, Table.CHANGES, "list_order"):
        return _STORED_PAIR, params, True
    return f"({_CHANGES_SELECT})", params, False


@dataclass(frozen=True)
class ChangeReport:
    """Everything Perubahan shows for a pair: totals, counts per OPD, the first names of each kind."""

    totals: dict[str, int]
    per_opd: pd.DataFrame  # opd + CHANGE_KINDS, by OPD name
    lists: dict[str, pd.DataFrame]  # kind -> nip, nama, email, opd_before, opd_after (the first `limit`)


def change_report(
    con: Connection,
    from_date: date,
    to_date: date,
    opd_keys: Sequence[str] | None = None,
    limit: int | None = None,
    campaign: str | None = None,
) -> ChangeReport:
    """Perubahan's page in one pass. A pair not stored at ingest is worked out once, into a
    temporary table of this read's own cursor (never the writers' lock), and every count and list
    is read from it: nationally one join of two snapshots instead of ten."""
    source, params, stored = _changes_source(con, from_date, to_date, campaign)
    cur = con.cursor()
    try:
        if not stored:
            cur.execute(f"CREATE TEMP TABLE pair_changes AS SELECT * FROM {source}", params)
            source, params = "pair_changes", {}
        chosen = {**params, "opd": list_param(opd_keys)}
        counts = ", ".join(f'count(*) FILTER (WHERE "{kind}")' for kind in CHANGE_KINDS)
        row = first(cur.execute(f"SELECT {counts} FROM {source} WHERE {_CHOSEN_UNITS}", chosen))
        totals = {kind: int(value) for kind, value in zip(CHANGE_KINDS, row or (0,) * len(CHANGE_KINDS), strict=True)}
        if stored:  # its counts per OPD were written with it
            per_opd = change_counts_per_opd(con, from_date, to_date, opd_keys, campaign)
        else:
            per_opd = cur.execute(
                f"SELECT * FROM ({_per_opd_counts(source, _CHOSEN_UNITS)}) ORDER BY {OPD_BY_NAME}", chosen
            ).df()
        lists = {
            kind: cur.execute(
                f"""SELECT nip, nama, email, opd_before, opd_after FROM {source}
                    WHERE "{kind}" AND {_CHOSEN_UNITS} ORDER BY list_order LIMIT $limit""",
                {**chosen, "limit": limit},
            ).df()
            for kind in CHANGE_KINDS
        }
    finally:
        cur.close()  # its temporary table goes with it
    return ChangeReport(totals, per_opd, lists)


def change_totals(
    con: Connection,
    from_date: date,
    to_date: date,
    opd_keys: Sequence[str] | None = None,
    campaign: str | None = None,
) -> dict[str, int]:
    """How many ASN changed in each way (CHANGE_KINDS) between two snapshots."""
    source, params, _ = _changes_source(con, from_date, to_date, campaign)
    counts = ", ".join(f'count(*) FILTER (WHERE "{kind}")' for kind in CHANGE_KINDS)
    sql = f"SELECT {counts} FROM {source} WHERE {_CHOSEN_UNITS}"
    row = first(con.cursor().execute(sql, {**params, "opd": list_param(opd_keys)})) or (0,) * len(CHANGE_KINDS)
    return {kind: int(value) for kind, value in zip(CHANGE_KINDS, row, strict=True)}


def _per_opd_counts(source: str, where: str = "true") -> str:
    """One row per OPD (opd + CHANGE_KINDS) of the changes in `source` that meet `where`: who
    left or moved out counts for the former OPD, every other change for the current one."""
    before_side = ("left", "moved_out")
    before = ", ".join(f'"{k}"' if k in before_side else f'false AS "{k}"' for k in CHANGE_KINDS)
    after = ", ".join(f'false AS "{k}"' if k in before_side else f'"{k}"' for k in CHANGE_KINDS)
    counts = ", ".join(f'count(*) FILTER (WHERE "{kind}") AS "{kind}"' for kind in CHANGE_KINDS)
    return f"""
        WITH chosen AS (SELECT * FROM {source} WHERE {where}),
             sides AS (SELECT opd_before AS opd, {before} FROM chosen
                       UNION ALL SELECT opd_after AS opd, {after} FROM chosen)
        SELECT opd, {counts} FROM sides WHERE opd IS NOT NULL GROUP BY opd
        HAVING bool_or({_ANY_CHANGE})
    """


def change_counts_per_opd(
    con: Connection,
    from_date: date,
    to_date: date,
    opd_keys: Sequence[str] | None = None,
    campaign: str | None = None,
) -> pd.DataFrame:
    """One row per OPD (opd + CHANGE_KINDS), by OPD name; the counts of a stored pair over all
    OPD are read as stored at ingest."""
    source, params, stored = _changes_source(con, from_date, to_date, campaign)
    if stored and opd_keys is None:
        kinds = ", ".join(f'"{kind}"' for kind in CHANGE_KINDS)
        sql = f"""SELECT opd, {kinds} FROM {Table.CHANGE_COUNTS} WHERE from_id = $from_id AND to_id = $to_id
                  ORDER BY {OPD_BY_NAME}"""
        return con.cursor().execute(sql, params).df()
    sql = f"SELECT * FROM ({_per_opd_counts(source, _CHOSEN_UNITS)}) ORDER BY {OPD_BY_NAME}"
    return con.cursor().execute(sql, {**params, "opd": list_param(opd_keys)}).df()


def change_list(
    con: Connection,
    from_date: date,
    to_date: date,
    kind: str,
    opd_keys: Sequence[str] | None = None,
    limit: int | None = None,
    campaign: str | None = None,
) -> pd.DataFrame:
    """The ASN behind one kind of change (nip, nama, email, opd_before, opd_after), by OPD and name."""
    if kind not in CHANGE_KINDS:
        raise ValueError(kind)
    source, params, _ = _changes_source(con, from_date, to_date, campaign)
    # list_order is the order of migrations.CHANGE_ORDER, numbered once when the pair was stored.
    sql = f"""SELECT nip, nama, email, opd_before, opd_after FROM {source}
              WHERE "{kind}" AND {_CHOSEN_UNITS} ORDER BY list_order LIMIT $limit"""
    return con.cursor().execute(sql, {**params, "opd": list_param(opd_keys), "limit": limit}).df()
