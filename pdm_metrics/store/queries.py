"""Reading what the pages show. Every read filtered by the sidebar builds its WHERE clause with
`selection`, so the OPD and jenis ASN choice means the same on every page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics.schema import STAGE_SLOTS, Table, done_column, done_on_column, has_status_flag
from pdm_metrics.store.changes import OPD_BY_NAME
from pdm_metrics.store.db import Connection, first, in_campaign, list_param, table_exists
from pdm_metrics.store.derived import PROFILE_COUNTS, PROFILE_GROUPS, stage_sums

# Which stages a snapshot's file carried, one flag per slot (campaign.Stage.has_flag).
_STAGE_FLAGS = ", ".join(f"s.{has_status_flag(n)}" for n in STAGE_SLOTS)


def selection(
    alias: str, opd_keys: Sequence[str] | None, jenis_asn: Sequence[str] | None, has_units: bool = True
) -> tuple[str, dict[str, object]]:
    """The sidebar's OPD and jenis ASN choice over the rows named `alias` (a literal of this
    module): (SQL condition, its parameters). Nothing chosen means everything. A table without
    units (the NIP profile summary) is filtered by jenis ASN only."""
    jenis = f"($jenis::VARCHAR[] IS NULL OR list_contains($jenis, {alias}.jenis_asn))"
    if not has_units:
        return jenis, {"jenis": list_param(jenis_asn)}
    units = f"($opd::VARCHAR[] IS NULL OR list_contains($opd, {alias}.opd_key))"
    return f"{units} AND {jenis}", {"opd": list_param(opd_keys), "jenis": list_param(jenis_asn)}


def snapshot_dates(con: Connection, campaign: str | None = None) -> list[date]:
    """The dates of one campaign's snapshots, oldest first (campaign None: the database's own)."""
    sql = f"SELECT snapshot_date FROM {Table.SNAPSHOTS} s WHERE {in_campaign('s')} ORDER BY snapshot_date"
    return [row[0] for row in con.cursor().execute(sql, {"campaign": campaign}).fetchall()]


def list_snapshots(con: Connection, campaign: str | None = None) -> pd.DataFrame:
    sql = f"SELECT * FROM {Table.SNAPSHOTS} s WHERE {in_campaign('s')} ORDER BY snapshot_date"
    return con.cursor().execute(sql, {"campaign": campaign}).df()


def campaigns_with_snapshots(con: Connection) -> list[str]:
    """The keys of the campaigns that have snapshots, the newest snapshot's first."""
    sql = f"SELECT campaign FROM {Table.SNAPSHOTS} GROUP BY campaign ORDER BY max(snapshot_date) DESC, max(id) DESC"
    return [str(row[0]) for row in con.cursor().execute(sql).fetchall()]


def archived_snapshots(con: Connection) -> pd.DataFrame:
    return con.cursor().execute(f"SELECT * FROM {Table.ARCHIVED_SNAPSHOTS} ORDER BY archived_at").df()


# The columns of the summary that name a unit, per level.
UNIT_COLUMNS = {"opd": ("m.opd_key", "m.opd"), "instansi": ("m.instansi_key", "m.instansi")}


def summary_counts(
    con: Connection,
    by_opd: bool,
    snapshot_date: date | None = None,
    opd_keys: Sequence[str] | None = None,
    jenis_asn: Sequence[str] | None = None,
    level: str = "opd",
    campaign: str | None = None,
) -> pd.DataFrame:
    """Counts per snapshot (and per unit), from the summary table, with availability flags.

    The unit is the OPD, or with level="instansi" the instansi (returned under the same
    opd_key/opd column names, so every consumer works at either level).
    """
    key_column, name_column = UNIT_COLUMNS[level]
    chosen, params = selection("m", opd_keys, jenis_asn)
    group = f"s.snapshot_date, {_STAGE_FLAGS}" + (f", {key_column}" if by_opd else "")
    select_opd = f"{key_column} AS opd_key, arg_max({name_column}, s.snapshot_date) AS opd," if by_opd else ""
    sql = f"""
        SELECT s.snapshot_date, {_STAGE_FLAGS}, {select_opd}
               sum(m.total)::BIGINT AS total, {stage_sums("m")}
        FROM {Table.SUMMARY} m JOIN {Table.SNAPSHOTS} s ON s.id = m.snapshot_id
        WHERE ($date::DATE IS NULL OR s.snapshot_date = $date) AND {in_campaign("s")} AND {chosen}
        GROUP BY {group}
    """
    if by_opd and snapshot_date is None:
        # The display name of a unit is its spelling in the latest snapshot shown.
        sql = f"""SELECT * REPLACE (arg_max(opd, snapshot_date) OVER (PARTITION BY opd_key) AS opd)
                  FROM ({sql}) ORDER BY snapshot_date, opd_key"""
    else:
        sql += " ORDER BY s.snapshot_date" + (", opd_key" if by_opd else "")
    return con.cursor().execute(sql, {**params, "date": snapshot_date, "campaign": campaign}).df()


def done_counts_by_day(
    con: Connection,
    snapshot_date: date,
    slot: int,
    opd_keys: Sequence[str] | None = None,
    jenis_asn: Sequence[str] | None = None,
    per_unit: bool = False,
    campaign: str | None = None,
) -> pd.DataFrame:
    """Number of ASN of one snapshot who did stage `slot` on each day (day, done), from the days
    its file gives; `per_unit`, on each day in each unit (opd_key, day, done)."""
    chosen, params = selection("r", opd_keys, jenis_asn)
    unit = "r.opd_key, " if per_unit else ""
    done, on = done_column(slot), done_on_column(slot)
    sql = f"""
        SELECT {unit}r.{on} AS day, count(*) AS done
        FROM {Table.ROSTER} r JOIN {Table.SNAPSHOTS} s ON s.id = r.snapshot_id
        WHERE s.snapshot_date = $date AND {in_campaign("s")} AND r.{done} AND r.{on} IS NOT NULL AND {chosen}
        GROUP BY ALL ORDER BY ALL
    """
    return con.cursor().execute(sql, {**params, "date": snapshot_date, "campaign": campaign}).df()


def opd_choices(con: Connection) -> pd.DataFrame:
    """Every OPD key with its latest spelling and instansi, sorted by name (for selectors)."""
    return con.cursor().execute(f"SELECT * FROM {Table.UNITS} ORDER BY {OPD_BY_NAME}").df()


@dataclass(frozen=True)
class RosterFilter:
    """What the Data & Unduh page and exports filter on; None means 'all'."""

    opd_keys: tuple[str, ...] | None = None
    jenis_asn: tuple[str, ...] | None = None
    done: tuple[tuple[int, bool], ...] = ()  # (stage slot, done or not) each row must meet
    campaign: str | None = None  # whose snapshot (None: the database's own campaign)


def roster_source(snapshot_date: date, where: RosterFilter) -> tuple[str, dict[str, object]]:
    """FROM … WHERE … of the roster rows `where` selects on one date (rows named r), and its parameters."""
    chosen, params = selection("r", where.opd_keys, where.jenis_asn)
    statuses = {f"done_{slot}": bool(done) for slot, done in where.done if slot in STAGE_SLOTS}
    met = "".join(f" AND r.{done_column(int(k[5:]))} IS NOT DISTINCT FROM ${k}" for k in statuses)
    sql = f"""
        FROM {Table.ROSTER} r JOIN {Table.SNAPSHOTS} s ON s.id = r.snapshot_id
        WHERE s.snapshot_date = $date AND {in_campaign("s")} AND {chosen}{met}
    """
    return sql, {**params, "date": snapshot_date, "campaign": where.campaign, **statuses}


def roster_rows(
    con: Connection, snapshot_date: date, where: RosterFilter = RosterFilter(), limit: int | None = None
) -> pd.DataFrame:
    """The roster rows of one snapshot, filtered, by unit then name (the first `limit`). Units
    come in the order of their keys: by name whatever the case ("Badan …" before "BKPSDM"),
    and within their instansi when the file has one (the order the rows are stored in)."""
    source, params = roster_source(snapshot_date, where)
    stages = ", ".join(f"r.{c}" for n in STAGE_SLOTS for c in (done_column(n), done_on_column(n)))
    sql = f"""SELECT r.nip, r.nama, r.opd, r.jenis_asn, {stages}, r.email, r.email_gov, r.unit
              {source} ORDER BY r.opd_key, r.opd, r.nama, r.nip LIMIT $limit"""
    return con.cursor().execute(sql, {**params, "limit": limit}).df()


def roster_row_count(con: Connection, snapshot_date: date, where: RosterFilter = RosterFilter()) -> int:
    source, params = roster_source(snapshot_date, where)
    (count,) = first(con.cursor().execute(f"SELECT count(*) {source}", params))
    return int(count)


def email_sharing(con: Connection, snapshot_date: date, campaign: str | None = None) -> pd.DataFrame:
    """The NIPs of one snapshot whose email other ASN use too, with how many use it (counted at ingest)."""
    sql = f"""
        SELECT r.nip, r.email_users
        FROM {Table.ROSTER} r JOIN {Table.SNAPSHOTS} s ON s.id = r.snapshot_id
        WHERE s.snapshot_date = $date AND {in_campaign("s")} AND r.email_users > 1
    """
    return con.cursor().execute(sql, {"date": snapshot_date, "campaign": campaign}).df()


def nip_profile_counts(
    con: Connection,
    snapshot_date: date,
    opd_keys: Sequence[str] | None = None,
    jenis_asn: Sequence[str] | None = None,
    campaign: str | None = None,
) -> pd.DataFrame:
    """Counts per birth year, gender digit, appointment year and jenis ASN, read from the NIP:
    from the summary written at ingest, or for chosen OPD from their roster rows."""
    if opd_keys:
        chosen, params = selection("r", opd_keys, jenis_asn)
        sql = f"""
            SELECT {PROFILE_GROUPS}, {PROFILE_COUNTS}
            FROM {Table.ROSTER} r JOIN {Table.SNAPSHOTS} s ON s.id = r.snapshot_id
            WHERE s.snapshot_date = $date AND {in_campaign("s")} AND {chosen}
            GROUP BY ALL
        """
    else:
        chosen, params = selection("p", None, jenis_asn, has_units=False)
        sql = f"""
            SELECT p.birth_year, p.gender_digit, p.start_year, p.jenis_asn, sum(p.total)::BIGINT AS total,
                   {stage_sums("p")}
            FROM {Table.PROFILE} p JOIN {Table.SNAPSHOTS} s ON s.id = p.snapshot_id
            WHERE s.snapshot_date = $date AND {in_campaign("s")} AND {chosen}
            GROUP BY ALL
        """
    return con.cursor().execute(sql, {**params, "date": snapshot_date, "campaign": campaign}).df()


def deadline_extensions(con: Connection) -> pd.DataFrame:
    cur = con.cursor()
    if not table_exists(cur, Table.EXTENSIONS):  # a database from before extensions, opened read-only
        return pd.DataFrame(
            columns=["phase", "new_end", "letter_number", "letter_date", "scope", "added_by", "added_at", "campaign"]
        )
    return cur.execute(f"SELECT * FROM {Table.EXTENSIONS} ORDER BY added_at").df()
