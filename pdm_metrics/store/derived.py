"""Tables derived from the roster rows, written in the same transaction as the rows: the OPD
summary, the NIP profile summary, the unit list, and how many ASN share each email."""

from __future__ import annotations

from pdm_metrics.schema import STAGE_SLOTS, Table, done_column
from pdm_metrics.store.db import Connection

# Changes between snapshots are derived too, but worked out when a pair is first asked for:
# never backed up, emptied on restore.
CHANGE_TABLES = (Table.CHANGES, Table.CHANGE_COUNTS, Table.CHANGE_PAIRS)

PROFILE_GROUPS = """TRY_CAST(substr(r.nip, 1, 4) AS INTEGER) AS birth_year,
       substr(r.nip, 15, 1) AS gender_digit,
       TRY_CAST(substr(r.nip, 9, 4) AS INTEGER) AS start_year,
       r.jenis_asn"""
# Done per stage slot: every slot is counted (a slot the campaign does not use counts 0; the
# snapshot's has_status flags say which are real), so summaries need not know the campaign.
DONE_COLUMNS = ", ".join(done_column(n) for n in STAGE_SLOTS)
STAGE_COUNTS = ", ".join(f"count(*) FILTER (WHERE {done_column(n)})" for n in STAGE_SLOTS)
STAGE_SUMS = ", ".join(f"sum({{alias}}.{done_column(n)})::BIGINT AS {done_column(n)}" for n in STAGE_SLOTS)
PROFILE_COUNTS = "count(*) AS total, " + ", ".join(
    f"count(*) FILTER (WHERE r.{done_column(n)}) AS {done_column(n)}" for n in STAGE_SLOTS
)


def stage_sums(alias: str) -> str:
    """sum(<alias>.done_n) AS done_n for every slot (summed summaries)."""
    return STAGE_SUMS.replace("{alias}", alias)


def insert_summary(cur: Connection, snapshot_id: int) -> None:
    """Counts per unit and jenis ASN of one snapshot, with the OPD each unit is in: what every
    page but Data reads (summed per OPD). The unit map then sets `mapped` (store.unit_map)."""
    cur.execute(
        f"""INSERT INTO {Table.SUMMARY}
                (snapshot_id, opd_key, opd, jenis_asn, total, {DONE_COLUMNS}, instansi_key, instansi,
                 unit_key, unit, unit_id, mapped)
            SELECT snapshot_id, min(opd_key), min(opd), jenis_asn, count(*), {STAGE_COUNTS},
                   min(instansi_key), min(instansi), unit_key, min(unit), unit_id, false
            FROM {Table.ROSTER} WHERE snapshot_id = ?
            GROUP BY snapshot_id, unit_key, unit_id, jenis_asn""",
        [snapshot_id],
    )


def fill_units(cur: Connection) -> None:
    """Rows stored before units were kept apart from OPD (older databases and backups): their
    unit is the OPD they were stored under."""
    cur.execute(f"UPDATE {Table.ROSTER} SET unit = opd, unit_key = opd_key WHERE unit_key IS NULL")
    cur.execute(f"UPDATE {Table.SUMMARY} SET unit = opd, unit_key = opd_key, mapped = false WHERE unit_key IS NULL")


def insert_profile_summary(cur: Connection, snapshot_id: int) -> None:
    """Counts by what the NIP says (birth year, gender, appointment year) and jenis ASN: the
    Profil NIP page reads them instead of parsing every NIP again."""
    cur.execute(
        f"""INSERT INTO {Table.PROFILE} (snapshot_id, birth_year, gender_digit, start_year, jenis_asn,
                                         total, {DONE_COLUMNS})
            SELECT r.snapshot_id, {PROFILE_GROUPS}, {PROFILE_COUNTS}
            FROM {Table.ROSTER} r WHERE r.snapshot_id = ? GROUP BY ALL""",
        [snapshot_id],
    )


def rebuild_units(cur: Connection) -> None:
    """Every unit ever stored with its latest spelling (the sidebar's choices)."""
    cur.execute(f"DELETE FROM {Table.UNITS}")
    cur.execute(
        f"""INSERT INTO {Table.UNITS}
            SELECT m.opd_key, arg_max(m.opd, s.snapshot_date), arg_max(m.instansi_key, s.snapshot_date),
                   arg_max(m.instansi, s.snapshot_date)
            FROM {Table.SUMMARY} m JOIN {Table.SNAPSHOTS} s ON s.id = m.snapshot_id
            GROUP BY m.opd_key"""
    )


def rebuild_derived_summaries(cur: Connection) -> None:
    """The NIP profile summary and the unit list, from what is stored (after a restore or an upgrade)."""
    cur.execute(f"DELETE FROM {Table.PROFILE}")
    for (snapshot_id,) in cur.execute(f"SELECT id FROM {Table.SNAPSHOTS}").fetchall():
        insert_profile_summary(cur, int(snapshot_id))
    rebuild_units(cur)


def fill_email_users(cur: Connection) -> None:
    """Rows stored without the count of ASN sharing their email (older databases and backups) get it."""
    cur.execute(
        f"""UPDATE {Table.ROSTER} r SET email_users = shared.n
            FROM (SELECT snapshot_id, email, count(*) AS n FROM {Table.ROSTER} WHERE email <> '' GROUP BY ALL) shared
            WHERE r.snapshot_id = shared.snapshot_id AND r.email = shared.email AND r.email_users IS NULL"""
    )
