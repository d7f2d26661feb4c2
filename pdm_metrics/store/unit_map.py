"""Peta Unit Kerja: the agency's table of which OPD each unit belongs to (its SOTK).

SIASN's UNOR NAMA is the smallest unit (a school, a puskesmas, a bidang), not the OPD. Every
roster row keeps its unit as read (`unit`, `unit_key`, `unit_id`); its `opd`/`opd_key` are the
OPD the map puts the unit in, or the unit itself when the map does not name it. Everything that
works per OPD reads `opd_key`, so applying the map regroups every stored snapshot at once: the
rows and the summary of the units whose OPD changed are rewritten, and the stored changes
between snapshots are worked out again, in one transaction.

A map entry matches a stored unit by its ID where both have one (SIASN's UNOR ID), otherwise by
its name without regard to case and spacing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from pdm_metrics.fmt import format_int
from pdm_metrics.nip import SPACE
from pdm_metrics.schema import Table
from pdm_metrics.store.changes import OPD_BY_NAME, recompute_stored_changes
from pdm_metrics.store.db import Connection, first, in_campaign, transaction
from pdm_metrics.store.derived import rebuild_units, stage_sums
from pdm_metrics.store.journal import audit, bump_data_version

# A name as a key: whitespace collapsed, lower case (as the roster checks key OPD names).
_NAME_KEY = "lower(regexp_replace(trim({0}), $space_run, ' ', 'g'))"
_SPACE_PARAM = {"space_run": f"{SPACE}+"}

# A stored unit's name key without its instansi ("instansi › unit" in a file with instansi).
_PLAIN_UNIT_KEY = (
    "CASE WHEN u.instansi_key IS NULL THEN u.unit_key ELSE substr(u.unit_key, length(u.instansi_key) + 4) END"
)


@dataclass(frozen=True)
class MapEntry:
    """One line of the map: a unit (by ID, by name, or both) and its OPD."""

    unit_id: str | None
    unit: str | None
    opd: str


@dataclass(frozen=True)
class MapApplied:
    """What applying a map changed."""

    entries: int  # units in the map
    regrouped_units: int  # stored units whose OPD changed
    regrouped_rows: int  # roster rows (over every snapshot) whose OPD changed
    unmapped_units: int  # stored units the map does not name


def has_unit_map(con: Connection) -> bool:
    (count,) = first(con.cursor().execute(f"SELECT count(*) FROM {Table.UNIT_MAP}"))
    return bool(count)


def unit_map(con: Connection) -> pd.DataFrame:
    """The map as stored (unit_id, unit, opd), by OPD then unit."""
    sql = f"SELECT unit_id, unit, opd FROM {Table.UNIT_MAP} ORDER BY {OPD_BY_NAME}, lower(unit), unit_id"
    return con.cursor().execute(sql).df()


def stored_units(con: Connection) -> pd.DataFrame:
    """Every unit of the latest snapshot of each campaign (unit_key, unit_id, unit, instansi, opd,
    mapped) with its ASN there (asn; the largest where two campaigns have it), most ASN first:
    what the map is filled in from. Units only older snapshots had are gone from the agency, and
    counting them again would add each ASN once per snapshot."""
    sql = f"""
        WITH latest AS (
            SELECT arg_max(id, (snapshot_date, id)) AS id FROM {Table.SNAPSHOTS} GROUP BY campaign
        ), per_campaign AS (
            SELECT m.snapshot_id, m.unit_key, m.unit_id,
                   -- the unit's own name: a file with instansi stores it as "name (instansi)"
                   CASE WHEN min(m.instansi) IS NULL THEN min(m.unit)
                        ELSE left(min(m.unit), length(min(m.unit)) - length(min(m.instansi)) - 3) END AS unit,
                   min(m.instansi) AS instansi, min(m.opd) AS opd, bool_and(m.mapped) AS mapped,
                   sum(m.total)::BIGINT AS asn
            FROM {Table.SUMMARY} m WHERE m.snapshot_id IN (SELECT id FROM latest)
            GROUP BY m.snapshot_id, m.unit_key, m.unit_id
        )
        SELECT unit_key, unit_id, min(unit) AS unit, min(instansi) AS instansi, min(opd) AS opd,
               bool_and(mapped) AS mapped, max(asn)::BIGINT AS asn
        FROM per_campaign GROUP BY unit_key, unit_id ORDER BY asn DESC, lower(min(unit))"""
    return con.cursor().execute(sql).df()


def unmapped_units(con: Connection, snapshot_date: object, campaign: str | None = None) -> pd.DataFrame:
    """The units of one snapshot that the map does not name (unit, asn), most ASN first; empty
    while no map is loaded (each unit is then its own OPD, as the file says)."""
    if not has_unit_map(con):
        return pd.DataFrame({"unit": pd.Series(dtype=str), "asn": pd.Series(dtype="int64")})
    sql = f"""SELECT min(m.unit) AS unit, sum(m.total)::BIGINT AS asn
              FROM {Table.SUMMARY} m JOIN {Table.SNAPSHOTS} s ON s.id = m.snapshot_id
              WHERE s.snapshot_date = $date AND {in_campaign("s")} AND NOT m.mapped
              GROUP BY m.unit_key, m.unit_id ORDER BY asn DESC, lower(min(m.unit))"""
    return con.cursor().execute(sql, {"date": snapshot_date, "campaign": campaign}).df()


def unit_totals(con: Connection, snapshot_date: object, campaign: str | None = None) -> pd.DataFrame:
    """Per unit as read (unit_key, unit, total, done_<slot>…) of one snapshot, whatever OPD it is in."""
    sql = f"""SELECT m.unit_key, min(m.unit) AS unit, sum(m.total)::BIGINT AS total, {stage_sums("m")}
              FROM {Table.SUMMARY} m JOIN {Table.SNAPSHOTS} s ON s.id = m.snapshot_id
              WHERE s.snapshot_date = $date AND {in_campaign("s")} GROUP BY m.unit_key"""
    return con.cursor().execute(sql, {"date": snapshot_date, "campaign": campaign}).df()


def unit_counts(
    con: Connection, snapshot_date: object, opd_key: str, jenis_asn: list[str] | None, campaign: str | None = None
) -> pd.DataFrame:
    """The units one OPD is made of on one date (unit, total, done_<slot>…), by name."""
    sql = f"""SELECT min(m.unit) AS unit, sum(m.total)::BIGINT AS total, {stage_sums("m")}
              FROM {Table.SUMMARY} m JOIN {Table.SNAPSHOTS} s ON s.id = m.snapshot_id
              WHERE s.snapshot_date = $date AND {in_campaign("s")} AND m.opd_key = $opd
                AND ($jenis::VARCHAR[] IS NULL OR list_contains($jenis, m.jenis_asn))
              GROUP BY m.unit_key, m.unit_id ORDER BY lower(min(m.unit))"""
    params = {"date": snapshot_date, "opd": opd_key, "jenis": jenis_asn, "campaign": campaign}
    return con.cursor().execute(sql, params).df()


def replace_unit_map(con: Connection, entries: list[MapEntry], actor: str, source: str) -> MapApplied:
    """The map becomes `entries` (checked by pdm_metrics.unit_map), applied to every snapshot."""
    with transaction(con) as cur:
        cur.execute(f"DELETE FROM {Table.UNIT_MAP}")
        _insert_entries(cur, entries, actor)
        applied = _regroup(cur, None)
        audit(cur, actor, "ganti peta unit kerja", f"{source}: {_applied_text(applied)}")
        bump_data_version(cur)
    return applied


def map_units(con: Connection, entries: list[MapEntry], actor: str) -> MapApplied:
    """Add or change the OPD of some units (the page's editor), applied to every snapshot."""
    with transaction(con) as cur:
        for entry in entries:
            key = _entry_key(cur, entry)
            cur.execute(
                f"""DELETE FROM {Table.UNIT_MAP}
                    WHERE ($id::VARCHAR IS NOT NULL AND unit_id = $id) OR ($id::VARCHAR IS NULL AND unit_key = $key)""",
                {"id": entry.unit_id, "key": key},
            )
        _insert_entries(cur, entries, actor)
        applied = _regroup(cur, None)
        names = ", ".join(f"{e.unit or e.unit_id} → {e.opd}" for e in entries[:20])
        more = f" dan {format_int(len(entries) - 20)} lainnya" if len(entries) > 20 else ""
        audit(cur, actor, "petakan unit kerja", f"{names}{more}: {_applied_text(applied)}")
        bump_data_version(cur)
    return applied


def apply_unit_map(cur: Connection, snapshot_id: int) -> None:
    """Group one new snapshot's units by the map (in the ingest's transaction)."""
    (count,) = first(cur.execute(f"SELECT count(*) FROM {Table.UNIT_MAP}"))
    if count:
        _regroup(cur, snapshot_id)


def regroup_units(cur: Connection) -> MapApplied:
    """Group every stored snapshot's units by the map as it stands (after a restore)."""
    return _regroup(cur, None)


def _entry_key(cur: Connection, entry: MapEntry) -> str | None:
    if entry.unit is None:
        return None
    (key,) = first(cur.execute(f"SELECT {_NAME_KEY.format('$unit')}", {"unit": entry.unit, **_SPACE_PARAM}))
    return str(key)


def _insert_entries(cur: Connection, entries: list[MapEntry], actor: str) -> None:
    frame = pd.DataFrame(
        {
            "unit_id": [e.unit_id for e in entries],
            "unit": [e.unit for e in entries],
            "opd": [e.opd for e in entries],
        },
        dtype=object,
    )
    cur.register("new_map_entries", frame)
    try:
        cur.execute(
            f"""INSERT INTO {Table.UNIT_MAP} (unit_id, unit, unit_key, opd, opd_key, mapped_by, mapped_at)
                SELECT nullif(trim(unit_id), ''), regexp_replace(trim(unit), $space_run, ' ', 'g'),
                       {_NAME_KEY.format("unit")}, regexp_replace(trim(opd), $space_run, ' ', 'g'),
                       {_NAME_KEY.format("opd")}, $actor, now()::TIMESTAMP
                FROM new_map_entries""",
            {"actor": actor, **_SPACE_PARAM},
        )
    finally:
        cur.unregister("new_map_entries")


def _regroup(cur: Connection, snapshot_id: int | None) -> MapApplied:
    """Put the units (of one snapshot, or all) in the OPD the map names; a unit it does not name
    is its own OPD. Only what changes is rewritten."""
    params: dict[str, object] = {"snapshot": snapshot_id}
    scope = "($snapshot::BIGINT IS NULL OR u.snapshot_id = $snapshot)"
    cur.execute(f"CREATE OR REPLACE TEMP TABLE unit_opd AS {_UNIT_OPD_SQL.format(scope=scope)}", params)
    same_unit = "u.unit_key = x.unit_key AND u.unit_id IS NOT DISTINCT FROM x.unit_id"
    moved = f"{same_unit} AND {scope} AND (u.opd_key IS DISTINCT FROM x.opd_key OR u.opd IS DISTINCT FROM x.opd)"
    (units,) = first(
        cur.execute(
            f"SELECT count(*) FROM unit_opd x WHERE EXISTS (SELECT 1 FROM {Table.SUMMARY} u WHERE {moved})", params
        )
    )
    (rows,) = first(
        cur.execute(
            f"UPDATE {Table.ROSTER} u SET opd = x.opd, opd_key = x.opd_key FROM unit_opd x WHERE {moved}", params
        )
    )
    cur.execute(
        f"""UPDATE {Table.SUMMARY} u SET opd = x.opd, opd_key = x.opd_key, mapped = x.mapped
            FROM unit_opd x WHERE {same_unit} AND {scope}""",
        params,
    )
    (unmapped, entries) = first(
        cur.execute(f"SELECT count(*) FILTER (WHERE NOT mapped), (SELECT count(*) FROM {Table.UNIT_MAP}) FROM unit_opd")
    )
    cur.execute("DROP TABLE unit_opd")
    if snapshot_id is None:
        rebuild_units(cur)
        if rows:
            recompute_stored_changes(cur)
    return MapApplied(int(entries), int(units), int(rows), int(unmapped))


# The map as two lookups: by ID, and by a name that the map gives one OPD only (a name given two
# stays unmapped, and is flagged as such).
_MAP_LOOKUPS = f"""by_id AS (
    SELECT unit_id, min(opd) AS opd, min(opd_key) AS opd_key FROM {Table.UNIT_MAP} WHERE unit_id IS NOT NULL
    GROUP BY unit_id
), named AS (
    SELECT *, bool_or(unit_id IS NULL) OVER (PARTITION BY unit_key) AS has_plain_entry
    FROM {Table.UNIT_MAP} WHERE unit_key IS NOT NULL
), by_name AS (
    -- An entry with an ID speaks for that ID; its name serves units stored without an ID, unless
    -- an entry without ID names the same unit.
    SELECT unit_key, min(opd) AS opd, min(opd_key) AS opd_key FROM named WHERE unit_id IS NULL OR NOT has_plain_entry
    GROUP BY unit_key HAVING count(DISTINCT opd_key) = 1
)"""

# Each stored unit (in {scope}) with the OPD the map gives it: by ID first, else by name. A unit
# of a file with instansi goes to that OPD of its own instansi.
_UNIT_OPD_SQL = f"""
WITH units AS (
    SELECT u.unit_key, u.unit_id, arg_max(u.unit, u.snapshot_id) AS unit, min(u.instansi_key) AS instansi_key,
           min(u.instansi) AS instansi
    FROM {Table.SUMMARY} u WHERE {{scope}} GROUP BY u.unit_key, u.unit_id
), {_MAP_LOOKUPS}, matched AS (
    SELECT u.*, coalesce(i.opd, n.opd) AS map_opd, coalesce(i.opd_key, n.opd_key) AS map_key
    FROM (SELECT *, {_PLAIN_UNIT_KEY} AS plain_key FROM units u) u
    LEFT JOIN by_id i ON i.unit_id = u.unit_id
    LEFT JOIN by_name n ON n.unit_key = u.plain_key
)
SELECT unit_key, unit_id, map_opd IS NOT NULL AS mapped,
       CASE WHEN map_opd IS NULL THEN unit WHEN instansi_key IS NULL THEN map_opd
            ELSE map_opd || ' (' || instansi || ')' END AS opd,
       CASE WHEN map_opd IS NULL THEN unit_key WHEN instansi_key IS NULL THEN map_key
            ELSE instansi_key || ' › ' || map_key END AS opd_key
FROM matched"""


def map_coverage(con: Connection, rows: pa.Table) -> tuple[int, int, int]:
    """Of the units of a file not yet stored (`rows`: the checked rows, whose opd is the unit as
    read), how many the map names (by the same rule as the stored ones), how many there are, and
    how many carry a UNOR ID."""
    cur = con.cursor()
    cur.register("file_units", rows.select(["opd", "unit_id", "valid"]).rename_columns(["unit", "unit_id", "valid"]))
    try:
        sql = f"""WITH units AS (
                    SELECT DISTINCT {_NAME_KEY.format("unit")} AS unit_key, nullif(trim(unit_id), '') AS unit_id
                    FROM file_units WHERE valid AND nullif(trim(unit), '') IS NOT NULL
                  ), {_MAP_LOOKUPS}
                  SELECT count(*) FILTER (WHERE coalesce(i.opd, n.opd) IS NOT NULL), count(*), count(u.unit_id)
                  FROM units u LEFT JOIN by_id i ON i.unit_id = u.unit_id
                  LEFT JOIN by_name n ON n.unit_key = u.unit_key"""
        covered, total, with_id = first(cur.execute(sql, _SPACE_PARAM))
    finally:
        cur.unregister("file_units")
    return int(covered), int(total), int(with_id)


def _applied_text(applied: MapApplied) -> str:
    return (
        f"{format_int(applied.entries)} unit dalam peta; {format_int(applied.regrouped_units)} unit "
        f"({format_int(applied.regrouped_rows)} baris) pindah OPD; "
        f"{format_int(applied.unmapped_units)} unit belum dipetakan"
    )
