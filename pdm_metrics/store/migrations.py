"""The database's shape, as numbered migrations recorded in `meta` (key `schema_version`).

A new database runs them all; an existing one runs those after its recorded number, each in
its own transaction. Databases written before the numbering (no `schema_version`) start at 0:
every step below is written to be harmless on tables that already have its change, so they
reach the same shape as a new database.

To change the shape, append a step; never edit one that has shipped. (The one exception: steps 1
and 9 no longer declare a sequence or primary keys, which DuckLake does not have; a database that
made them keeps them, and no code relies on them.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pdm_metrics.campaign import shipped_campaign_text
from pdm_metrics.errors import StoreError
from pdm_metrics.fmt import excerpt
from pdm_metrics.schema import (
    CHANGE_KINDS,
    STAGE_SLOTS,
    Table,
    done_column,
    done_on_column,
    has_date_flag,
    has_status_flag,
)
from pdm_metrics.store import legacy
from pdm_metrics.store.changes import store_missing_neighbour_changes
from pdm_metrics.store.db import RESTORE_HINT, Connection, first, has_column, set_meta, transaction
from pdm_metrics.store.derived import CHANGE_TABLES, fill_email_users, fill_units, rebuild_derived_summaries
from pdm_metrics.store.snapshots import remove_sample_snapshots

_SNAPSHOT_COLUMNS = """
    id BIGINT NOT NULL,
    snapshot_date DATE NOT NULL,
    source_name VARCHAR,
    source_sha256 VARCHAR,
    uploaded_at TIMESTAMP,
    uploaded_by VARCHAR,
    row_count BIGINT,
    skipped_rows BIGINT,
    has_activation_date BOOLEAN,
    has_pdm BOOLEAN,
    has_verification BOOLEAN,
    has_email BOOLEAN,
    has_jenis_asn BOOLEAN,
    is_sample BOOLEAN
"""
_CHANGES_DDL = f"""CREATE TABLE IF NOT EXISTS {Table.CHANGES} (
    from_id BIGINT NOT NULL, to_id BIGINT NOT NULL, nip VARCHAR, nama VARCHAR, email VARCHAR,
    opd_before VARCHAR, opd_after VARCHAR, key_before VARCHAR, key_after VARCHAR,
    {", ".join(f'"{kind}" BOOLEAN' for kind in CHANGE_KINDS)}, list_order BIGINT)"""
_CHANGE_COUNTS_DDL = f"""CREATE TABLE IF NOT EXISTS {Table.CHANGE_COUNTS} (from_id BIGINT NOT NULL,
    to_id BIGINT NOT NULL, opd VARCHAR, {", ".join(f'"{kind}" BIGINT' for kind in CHANGE_KINDS)})"""
_CHANGE_PAIRS_DDL = f"CREATE TABLE IF NOT EXISTS {Table.CHANGE_PAIRS} (from_id BIGINT NOT NULL, to_id BIGINT NOT NULL)"

# How the stored changes are numbered (list_order); changes numbered another way are forgotten.
CHANGE_ORDER = "unit key, unit, name, NIP"


def _base_tables(cur: Connection) -> None:
    """The tables of the first release (a regency's own file: no instansi level yet)."""
    statements = (
        f"CREATE TABLE IF NOT EXISTS {Table.SNAPSHOTS} ({_SNAPSHOT_COLUMNS})",
        f"""CREATE TABLE IF NOT EXISTS {Table.ROSTER} (
            snapshot_id BIGINT NOT NULL, nip VARCHAR NOT NULL, nama VARCHAR, opd VARCHAR,
            opd_key VARCHAR, jenis_asn VARCHAR, activated BOOLEAN, activated_on DATE,
            pdm_done BOOLEAN, verified BOOLEAN, email VARCHAR)""",
        f"""CREATE TABLE IF NOT EXISTS {Table.SUMMARY} (
            snapshot_id BIGINT NOT NULL, opd_key VARCHAR, opd VARCHAR, jenis_asn VARCHAR,
            total BIGINT, activated BIGINT, pdm_done BIGINT, verified BIGINT)""",
        f"""CREATE TABLE IF NOT EXISTS {Table.ARCHIVED_SNAPSHOTS} (
            {_SNAPSHOT_COLUMNS},
            archived_at TIMESTAMP, archived_by VARCHAR, replaced_by_id BIGINT)""",
        f"""CREATE TABLE IF NOT EXISTS {Table.AUDIT} (
            logged_at TIMESTAMP NOT NULL, actor VARCHAR, action VARCHAR NOT NULL, detail VARCHAR)""",
        f"CREATE TABLE IF NOT EXISTS {Table.META} (key VARCHAR NOT NULL, value VARCHAR)",
        f"""CREATE TABLE IF NOT EXISTS {Table.EXTENSIONS} (
            phase VARCHAR NOT NULL, new_end DATE NOT NULL, letter_number VARCHAR NOT NULL,
            letter_date DATE NOT NULL, scope VARCHAR, added_by VARCHAR, added_at TIMESTAMP)""",
    )
    for statement in statements:
        cur.execute(statement)


def _instansi_level(cur: Connection) -> None:
    """National and provincial files carry an instansi (NULL: a regency's own file)."""
    for table in (Table.ROSTER, Table.SUMMARY):
        cur.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS instansi VARCHAR")
        cur.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS instansi_key VARCHAR")


def _email_users(cur: Connection) -> None:
    """How many ASN of a snapshot share each row's email, counted at ingest (Risiko email)."""
    if not has_column(cur, Table.ROSTER, "email_users"):
        cur.execute(f"ALTER TABLE {Table.ROSTER} ADD COLUMN email_users BIGINT")
        fill_email_users(cur)


def _derived_summaries(cur: Connection) -> None:
    """The NIP profile summary (Profil NIP) and the unit list (the sidebar's choices). They are
    filled from what is stored by the stage-slot step (9), which reads the rows by today's names."""
    units = "opd_key VARCHAR, opd VARCHAR, instansi_key VARCHAR, instansi VARCHAR"
    cur.execute(f"CREATE TABLE IF NOT EXISTS {Table.UNITS} ({units})")
    cur.execute(
        f"""CREATE TABLE IF NOT EXISTS {Table.PROFILE} (
            snapshot_id BIGINT NOT NULL, birth_year INTEGER, gender_digit VARCHAR, start_year INTEGER,
            jenis_asn VARCHAR, total BIGINT, activated BIGINT, pdm_done BIGINT, verified BIGINT)"""
    )


def _numbered_changes(cur: Connection) -> None:
    """The changes between snapshots, numbered in reading order (CHANGE_ORDER). They are derived:
    changes stored unnumbered or in another order are dropped and worked out again when asked for."""
    if not has_column(cur, Table.CHANGES, "list_order"):
        for table in (Table.CHANGES, Table.CHANGE_PAIRS):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(_CHANGES_DDL)
    cur.execute(_CHANGE_COUNTS_DDL)
    cur.execute(_CHANGE_PAIRS_DDL)
    order = first(cur.execute(f"SELECT value FROM {Table.META} WHERE key = 'change_order'"))
    if order != (CHANGE_ORDER,):
        for table in CHANGE_TABLES:
            cur.execute(f"DELETE FROM {table}")
        set_meta(cur, "change_order", CHANGE_ORDER)
    # The changes themselves are worked out by step 9, which reads the rows by today's names.


def _sample_data_apart(cur: Connection) -> None:
    """Sample snapshots leave the database they were written into: they now live in a file of
    their own (db.sample_db_path), built again from the same seed when first shown."""
    remove_sample_snapshots(cur, "sistem")


def _column_choices(cur: Connection) -> None:
    """The file column an operator chose for a field, remembered per header (reading.files.header_key)."""
    cur.execute(
        f"""CREATE TABLE IF NOT EXISTS {Table.COLUMN_CHOICES} (
            header_key VARCHAR NOT NULL, field VARCHAR NOT NULL, header VARCHAR NOT NULL,
            chosen_by VARCHAR, chosen_at TIMESTAMP)"""
    )


def _units_apart(cur: Connection) -> None:
    """Each row keeps its unit as read (SIASN's UNOR, with its ID) beside the OPD the agency's
    Peta Unit Kerja puts it in, and the second email SIASN exports (EMAIL GOV)."""
    for table in (Table.ROSTER, Table.SUMMARY):
        for column in ("unit", "unit_key", "unit_id"):
            cur.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} VARCHAR")
    cur.execute(f"ALTER TABLE {Table.ROSTER} ADD COLUMN IF NOT EXISTS email_gov VARCHAR")
    cur.execute(f"ALTER TABLE {Table.SUMMARY} ADD COLUMN IF NOT EXISTS mapped BOOLEAN")
    fill_units(cur)
    cur.execute(
        f"""CREATE TABLE IF NOT EXISTS {Table.UNIT_MAP} (
            unit_id VARCHAR, unit VARCHAR, unit_key VARCHAR, opd VARCHAR NOT NULL, opd_key VARCHAR NOT NULL,
            mapped_by VARCHAR, mapped_at TIMESTAMP)"""
    )


def _stages_as_data(cur: Connection) -> None:
    """Campaigns are data: each stage's status lives in the columns of its slot (done_1 …), a
    snapshot belongs to a campaign, and the definitions are stored. Every snapshot stored before
    is a PDM 2021 snapshot with every figure unchanged (its aktivasi, pdm and verifikasi are
    slots 1, 2 and 3)."""
    for table, names in legacy.RENAMED.items():
        for old, new in names.items():
            if has_column(cur, table, old):
                cur.execute(f'ALTER TABLE {table} RENAME COLUMN "{old}" TO "{new}"')
    for slot in STAGE_SLOTS:
        cur.execute(f"ALTER TABLE {Table.ROSTER} ADD COLUMN IF NOT EXISTS {done_column(slot)} BOOLEAN")
        cur.execute(f"ALTER TABLE {Table.ROSTER} ADD COLUMN IF NOT EXISTS {done_on_column(slot)} DATE")
        for table in (Table.SUMMARY, Table.PROFILE):
            cur.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {done_column(slot)} BIGINT")
    for table in (Table.SNAPSHOTS, Table.ARCHIVED_SNAPSHOTS):
        cur.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS campaign VARCHAR")
        for slot in STAGE_SLOTS:
            for flag in (has_status_flag(slot), has_date_flag(slot)):
                cur.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {flag} BOOLEAN")
    cur.execute(f"ALTER TABLE {Table.EXTENSIONS} ADD COLUMN IF NOT EXISTS campaign VARCHAR")
    cur.execute(
        f"""CREATE TABLE IF NOT EXISTS {Table.CAMPAIGNS} (
            key VARCHAR NOT NULL, definition VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
            added_by VARCHAR, added_at TIMESTAMP)"""
    )
    fill_legacy_campaign(cur)
    # Derived tables worked out by the names they now have (changes by the new kinds).
    for table in CHANGE_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(_CHANGES_DDL)
    cur.execute(_CHANGE_COUNTS_DDL)
    cur.execute(_CHANGE_PAIRS_DDL)
    store_missing_neighbour_changes(cur)
    (profiled, units, snapshots) = first(
        cur.execute(
            f"SELECT (SELECT count(*) FROM {Table.PROFILE}), (SELECT count(*) FROM {Table.UNITS}), count(*) "
            f"FROM {Table.SNAPSHOTS}"
        )
    )
    if snapshots and not (profiled and units):
        rebuild_derived_summaries(cur)


def fill_legacy_campaign(cur: Connection) -> None:
    """Snapshots (and extensions) stored before campaigns were data are PDM 2021's: its
    definition is stored, and the headline status, which every file had, is marked present.
    Also run on a restored older backup."""
    for table in (Table.SNAPSHOTS, Table.ARCHIVED_SNAPSHOTS):
        cur.execute(
            f"UPDATE {table} SET campaign = ?, {legacy.HEADLINE_FLAG} = true WHERE campaign IS NULL",
            [legacy.LEGACY_CAMPAIGN],
        )
        for slot in STAGE_SLOTS:
            for flag in (has_status_flag(slot), has_date_flag(slot)):
                cur.execute(f"UPDATE {table} SET {flag} = false WHERE {flag} IS NULL")
    cur.execute(f"UPDATE {Table.EXTENSIONS} SET campaign = ? WHERE campaign IS NULL", [legacy.LEGACY_CAMPAIGN])
    used = first(cur.execute(f"SELECT count(*) FROM {Table.SNAPSHOTS} WHERE campaign = ?", [legacy.LEGACY_CAMPAIGN]))
    stored = first(cur.execute(f"SELECT count(*) FROM {Table.CAMPAIGNS} WHERE key = ?", [legacy.LEGACY_CAMPAIGN]))
    if used and used[0] and not (stored and stored[0]):
        text, file_name = shipped_campaign_text(legacy.LEGACY_CAMPAIGN)
        cur.execute(
            f"INSERT INTO {Table.CAMPAIGNS} VALUES (?, ?, ?, 'sistem', now()::TIMESTAMP)",
            [legacy.LEGACY_CAMPAIGN, text, file_name],
        )


def _data_version_log(cur: Connection) -> None:
    """The data version becomes an append-only log (journal.bump_data_version): on a lake, servers
    saving at once append beside each other, where updating one shared row made them conflict."""
    cur.execute(f"CREATE TABLE IF NOT EXISTS {Table.DATA_VERSIONS} (version BIGINT NOT NULL, bumped_at TIMESTAMP)")
    cur.execute(
        f"""INSERT INTO {Table.DATA_VERSIONS}
            SELECT coalesce(max(value::BIGINT), 0), now()::TIMESTAMP FROM {Table.META} WHERE key = 'data_version'"""
    )
    cur.execute(f"DELETE FROM {Table.META} WHERE key = 'data_version'")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    apply: Callable[[Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "base tables", _base_tables),
    Migration(2, "instansi level", _instansi_level),
    Migration(3, "email users counted at ingest", _email_users),
    Migration(4, "NIP profile summary and unit list", _derived_summaries),
    Migration(5, "changes numbered in reading order", _numbered_changes),
    Migration(6, "sample data apart from real data", _sample_data_apart),
    Migration(7, "column choices remembered per header", _column_choices),
    Migration(8, "units apart from OPD (Peta Unit Kerja), EMAIL GOV kept", _units_apart),
    Migration(9, "campaigns as data: stage slots, a campaign per snapshot", _stages_as_data),
    Migration(10, "data version as an append-only log", _data_version_log),
)
LATEST_VERSION = MIGRATIONS[-1].number


def schema_version(con: Connection) -> int:
    """The number of the last migration this database ran (0: new, or from before the numbering);
    StoreError when the record is not a number (a damaged or foreign meta table)."""
    if not has_column(con, Table.META, "key"):
        return 0
    row = first(con.cursor().execute(f"SELECT value FROM {Table.META} WHERE key = 'schema_version'"))
    if not row:
        return 0
    if not str(row[0]).isdigit():
        raise StoreError(f"Catatan versi skema basis data ini rusak ('{excerpt(row[0])}'). {RESTORE_HINT}")
    return int(row[0])


def check_version(con: Connection) -> None:
    """A database written by a newer Pantau PDM is not opened: this version would misread it."""
    version = schema_version(con)
    if version > LATEST_VERSION:
        raise StoreError(
            f"Basis data ini dibuat oleh versi Pantau PDM yang lebih baru (skema {version}; versi ini "
            f"mengenal sampai {LATEST_VERSION}). Perbarui aplikasinya; basis data tidak diubah."
        )


def upgrade(con: Connection) -> list[int]:
    """Run every migration this database has not run yet, in order; returns their numbers."""
    done = schema_version(con)
    applied = []
    for migration in MIGRATIONS:
        if migration.number <= done:
            continue
        with transaction(con) as cur:
            migration.apply(cur)
            set_meta(cur, "schema_version", str(migration.number))
        applied.append(migration.number)
    return applied
