"""Deterministic sample data: a synthetic Kabupaten Tanjung Jabung Barat, June-December 2021.

The generator keeps its own truth (`SamplePerson`) so tests can compute every
expected count independently of the reader, the store and the metrics.
On 11 July 2021 exactly 2.829 of 3.923 ASN are activated (72,11%), as reported.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from pdm_metrics import store
from pdm_metrics.campaign import PDM_2021, shipped_campaign, shipped_campaign_text
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import Roster, roster_from_frame
from pdm_metrics.schema import Column

SEED = 20210711
# The sample is a PDM 2021 campaign: its three stages, in the definition's order.
CAMPAIGN = shipped_campaign(PDM_2021)
DEFINITION = shipped_campaign_text(PDM_2021)
KNOWN_DATE = date(2021, 7, 11)
KNOWN_TOTAL = 3923
KNOWN_ACTIVATED = 2829
SNAPSHOT_DATES: tuple[date, ...] = tuple(
    date.fromisoformat(d)
    for d in (
        "2021-06-14", "2021-06-28", "2021-07-11", "2021-07-26", "2021-08-09", "2021-08-23",
        "2021-09-06", "2021-09-14", "2021-09-27", "2021-10-11", "2021-10-25", "2021-11-08",
        "2021-11-22", "2021-12-06", "2021-12-20", "2021-12-31",
    )
)  # fmt: skip
# Exports before the PDM phase carried no PDM/verification columns ("tidak tersedia").
STATUS_COLUMNS_FROM = date(2021, 8, 15)
LEAVE_DATE = date(2021, 10, 1)  # retirements: absent from the 11 Oktober snapshot on
MOVE_DATE = date(2021, 10, 1)  # OPD transfers: in the new OPD from 11 Oktober on
JOIN_DATE = date(2021, 11, 1)  # new PPPK: present from the 8 November snapshot on
# As many new PPPK join as ASN retire, so the population is 3.923 at both ends of the sample.
LEAVERS, MOVERS, JOINERS = 14, 10, 14
EMAIL_DOMAIN = "tanjabbarkab.go.id"

KECAMATAN = (
    "Tungkal Ilir", "Tungkal Ulu", "Merlung", "Batang Asam", "Tebing Tinggi", "Renah Mendaluh",
    "Muara Papalik", "Pengabuan", "Senyerang", "Betara", "Kuala Betara", "Bram Itam", "Seberang Kota",
)  # fmt: skip
# (OPD, relative size, diligence: how readily its ASN activate)
OPD_PROFILES: tuple[tuple[str, int, float], ...] = (
    ("Dinas Pendidikan dan Kebudayaan", 1750, 0.95),
    ("Dinas Kesehatan", 700, 1.05),
    ("RSUD KH. Daud Arif", 260, 0.85),
    ("Sekretariat Daerah", 95, 1.20),
    ("Sekretariat DPRD", 40, 0.80),
    ("Inspektorat", 38, 1.25),
    ("Bappeda", 36, 1.20),
    ("BKPSDM", 42, 1.50),
    ("BPKAD", 48, 1.15),
    ("Bapenda", 40, 1.05),
    ("BPBD", 30, 0.90),
    ("Badan Kesbangpol", 22, 0.75),
    ("Satuan Polisi Pamong Praja", 45, 0.70),
    ("Dinas PUPR", 60, 1.00),
    ("Dinas Perumahan dan Kawasan Permukiman", 28, 0.95),
    ("Dinas Lingkungan Hidup", 34, 0.85),
    ("Dinas Perhubungan", 36, 0.65),
    ("Dinas Sosial", 27, 0.95),
    ("Dinas PPPA dan KB", 33, 1.00),
    ("Dinas Kependudukan dan Pencatatan Sipil", 30, 1.10),
    ("Dinas PMD", 24, 0.90),
    ("Dinas Komunikasi dan Informatika", 26, 1.35),
    ("Dinas Pertanian", 70, 0.70),
    ("Dinas Perikanan", 30, 0.80),
    ("Dinas Perindustrian dan Perdagangan", 27, 0.95),
    ("Dinas Koperasi dan UKM", 22, 0.90),
    ("Dinas Penanaman Modal dan PTSP", 25, 1.10),
    ("Dinas Pariwisata, Pemuda dan Olahraga", 26, 0.85),
    ("Dinas Perpustakaan dan Kearsipan", 20, 0.95),
    ("Dinas Ketahanan Pangan", 24, 0.90),
    ("Dinas Tenaga Kerja dan Transmigrasi", 22, 0.85),
    ("Dinas Perkebunan dan Peternakan", 40, 0.75),
    *((f"Kecamatan {name}", 20, 0.80 + 0.03 * (i % 6)) for i, name in enumerate(KECAMATAN)),
)

MALE_NAMES = (
    "Ahmad", "Muhammad", "Budi", "Agus", "Hendra", "Rudi", "Syahrial", "Zulkifli", "Iwan", "Fauzi",
    "Rizal", "Hasan", "Yusuf", "Andi", "Dedi", "Edi", "Firman", "Hadi", "Irfan", "Joko", "Khairul",
    "Mulyadi", "Nasrul", "Rahmat", "Sutrisno", "Taufik", "Wahyu", "Yudi", "Arief", "Bambang",
)  # fmt: skip
FEMALE_NAMES = (
    "Siti", "Nur", "Dewi", "Sri", "Yuliana", "Rina", "Fitri", "Lestari", "Maya", "Ratna", "Wati",
    "Susanti", "Nurhayati", "Rosmawati", "Erna", "Herlina", "Indah", "Juliana", "Kartini", "Lina",
    "Marlina", "Novita", "Puspita", "Rahmawati", "Sari", "Yanti", "Zubaidah", "Aisyah", "Desi", "Eka",
)  # fmt: skip
FAMILY_NAMES = (
    "Saputra", "Hidayat", "Siregar", "Nasution", "Harahap", "Lubis", "Pratama", "Wijaya", "Santoso",
    "Rahman", "Kurniawan", "Setiawan", "Hasibuan", "Syahputra", "Putri", "Sari", "Handayani",
    "Susilo", "Gunawan", "Purnomo", "Hakim", "Ismail", "Arifin", "Maulana", "Fadillah", "Ramadhan",
    "Utami", "Anggraini", "Permata", "Yusuf",
)  # fmt: skip
PERSONAL_DOMAINS = ("gmail.com", "yahoo.co.id", "yahoo.com")


@dataclass
class SamplePerson:
    """The generator's truth about one ASN."""

    nip: str
    nama: str
    opd: str
    jenis_asn: str
    email: str | None
    activated_on: date | None = None
    pdm_on: date | None = None
    verified_on: date | None = None
    joined_on: date | None = None  # None: present from the first snapshot
    left_on: date | None = None
    moved_to: str | None = None  # new OPD from MOVE_DATE
    aliases: dict[str, str] = field(default_factory=dict)

    def present_on(self, day: date) -> bool:
        return (self.joined_on is None or self.joined_on <= day) and (self.left_on is None or day < self.left_on)

    def opd_on(self, day: date) -> str:
        return self.moved_to if self.moved_to and day >= MOVE_DATE else self.opd

    def activated_by(self, day: date) -> bool:
        return self.activated_on is not None and self.activated_on <= day

    def pdm_by(self, day: date) -> bool:
        return self.pdm_on is not None and self.pdm_on <= day

    def verified_by(self, day: date) -> bool:
        return self.verified_on is not None and self.verified_on <= day


def _opd_sizes(total: int) -> list[tuple[str, int, float]]:
    weight = sum(size for _, size, _ in OPD_PROFILES)
    sizes = [(name, size * total // weight, diligence) for name, size, diligence in OPD_PROFILES]
    shortfall = total - sum(size for _, size, _ in sizes)
    name, size, diligence = sizes[0]
    sizes[0] = (name, size + shortfall, diligence)
    return sizes


def _make_nip(rng: random.Random, used: set[str], pppk: bool, female: bool) -> str:
    while True:
        birth = date(1963, 1, 1) + timedelta(days=rng.randrange(0, 365 * 34))
        gender = "2" if female else "1"
        if pppk:
            middle = "2021" + "21"  # PPPK: appointment year + code (not a month)
        else:
            year = min(2019, birth.year + rng.randint(22, 34))
            middle = f"{year}{rng.choice((1, 2, 3, 4, 12)):02d}"
        nip = f"{birth:%Y%m%d}{middle}{gender}{rng.randint(1, 12):03d}"
        if nip not in used:
            used.add(nip)
            return nip


def _make_name(rng: random.Random, female: bool, opd: str) -> str:
    first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    name = f"{first} {rng.choice(FAMILY_NAMES)}"
    if opd.startswith("Dinas Pendidikan") and rng.random() < 0.6:
        name += ", S.Pd."
    elif opd in {"Dinas Kesehatan", "RSUD KH. Daud Arif"} and rng.random() < 0.5:
        name += rng.choice((", S.Kep.", ", A.Md.Keb.", ", A.Md.Kep.", ", S.KM."))
    return name


def _make_email(rng: random.Random, nama: str, nip: str, shared_pool: list[str]) -> str | None:
    roll = rng.random()
    local = nama.split(",")[0].lower().replace(" ", ".")
    if roll < 0.08:
        return None
    if roll < 0.12 and shared_pool:
        return rng.choice(shared_pool)  # an operator's address used for several ASN
    if roll < 0.32:
        return f"{local}{nip[-3:]}@{rng.choice(PERSONAL_DOMAINS)}"
    email = f"{local}.{nip[-4:]}@{EMAIL_DOMAIN}"
    if roll < 0.34:
        shared_pool.append(email)
    return email


def _activation_score(rng: random.Random, person: SamplePerson, diligence: float) -> float:
    risk = 0.45 if person.email is None else (0.75 if not person.email.endswith(EMAIL_DOMAIN) else 1.0)
    return rng.random() * diligence * risk


def _spread(rng: random.Random, start: date, end: date, skew: float) -> date:
    """A day between start and end, earlier days likelier for skew > 1."""
    span = (end - start).days
    return start + timedelta(days=int(span * rng.random() ** skew))


def _assign_progress(rng: random.Random, people: list[SamplePerson], scores: list[float]) -> None:
    """Exactly KNOWN_ACTIVATED of the base population activated by 11 July; the rest later or never."""
    order = sorted(range(len(people)), key=lambda i: -scores[i])
    never = 58
    for rank, index in enumerate(order):
        person = people[index]
        if rank < KNOWN_ACTIVATED:
            person.activated_on = _spread(rng, date(2021, 6, 1), KNOWN_DATE, 1.3)
        elif rank < len(order) - never:
            person.activated_on = _spread(rng, KNOWN_DATE + timedelta(days=1), date(2021, 12, 20), 1.8)
        _assign_pdm_and_verification(rng, person, scores[index])


def _assign_pdm_and_verification(rng: random.Random, person: SamplePerson, score: float) -> None:
    if person.activated_on is None or rng.random() < 0.03 + 0.04 * (score < 0.3):
        return
    start = max(person.activated_on, date(2021, 8, 15))
    late = rng.random() < 0.12 + 0.2 * (score < 0.35)
    end = date(2021, 12, 15) if late else max(start, date(2021, 9, 14))
    person.pdm_on = _spread(rng, start, end, 1.4)
    if rng.random() < 0.92:
        verify_from = person.pdm_on + timedelta(days=3)
        person.verified_on = _spread(rng, verify_from, max(verify_from, date(2022, 1, 31)), 1.6)
        if person.verified_on > date(2021, 12, 31):
            person.verified_on = None


def sample_people() -> list[SamplePerson]:
    """The whole sample population with its truth, deterministic."""
    rng = random.Random(SEED)
    used: set[str] = set()
    shared_pool: list[str] = []
    people: list[SamplePerson] = []
    scores: list[float] = []
    for opd, size, diligence in _opd_sizes(KNOWN_TOTAL):
        for _ in range(size):
            female = rng.random() < (0.7 if "Pendidikan" in opd or "Kesehatan" in opd else 0.4)
            pppk = opd.startswith("Dinas Pendidikan") and rng.random() < 0.035
            nip = _make_nip(rng, used, pppk, female)
            nama = _make_name(rng, female, opd)
            person = SamplePerson(nip, nama, opd, "PPPK" if pppk else "PNS", _make_email(rng, nama, nip, shared_pool))
            people.append(person)
            scores.append(_activation_score(rng, person, diligence))
    _assign_progress(rng, people, scores)
    _add_changes(rng, people, used, shared_pool)
    return people


def _add_changes(rng: random.Random, people: list[SamplePerson], used: set[str], pool: list[str]) -> None:
    """Retirements, OPD transfers and new PPPK, so that snapshot differences are realistic."""
    candidates = rng.sample(range(len(people)), LEAVERS + MOVERS)
    for index in candidates[:LEAVERS]:
        people[index].left_on = LEAVE_DATE
    opd_names = [name for name, _, _ in OPD_PROFILES]
    for index in candidates[LEAVERS:]:
        person = people[index]
        person.moved_to = rng.choice([n for n in opd_names if n != person.opd])
    for _ in range(JOINERS):
        female = rng.random() < 0.7
        nip = _make_nip(rng, used, True, female)
        opd = "Dinas Pendidikan dan Kebudayaan" if rng.random() < 0.8 else "Dinas Kesehatan"
        nama = _make_name(rng, female, opd)
        person = SamplePerson(nip, nama, opd, "PPPK", _make_email(rng, nama, nip, pool), joined_on=JOIN_DATE)
        if rng.random() < 0.6:
            person.activated_on = _spread(rng, date(2021, 11, 2), date(2021, 12, 28), 1.2)
        people.append(person)


def _status(flag: bool) -> str:
    return "Sudah" if flag else "Belum"


def snapshot_frame(people: list[SamplePerson], day: date) -> pd.DataFrame:
    """The raw roster export of one snapshot day, as text columns named by Column."""
    present = [p for p in people if p.present_on(day)]
    activation, update, verification = CAMPAIGN.stages
    frame = pd.DataFrame(
        {
            Column.NIP: [p.nip for p in present],
            Column.NAMA: [p.nama for p in present],
            Column.OPD: [p.opd_on(day) for p in present],
            Column.JENIS_ASN: [p.jenis_asn for p in present],
            activation.status_column: [_status(p.activated_by(day)) for p in present],
            activation.date_column: [
                f"{p.activated_on:%d/%m/%Y}" if p.activated_on and p.activated_by(day) else None for p in present
            ],
            Column.EMAIL: [p.email for p in present],
        }
    )
    if day >= STATUS_COLUMNS_FROM:
        frame[update.status_column] = [_status(p.pdm_by(day)) for p in present]
        frame[verification.status_column] = [_status(p.verified_by(day)) for p in present]
    return frame.astype("string")


def sample_roster(people: list[SamplePerson], day: date, con: store.Connection | None = None) -> Roster:
    """One sample snapshot as if read from a file (row numbers as in an export with a header row)."""
    raw = snapshot_frame(people, day)
    digest = hashlib.sha256(raw.to_csv(index=False).encode("utf-8")).hexdigest()
    return roster_from_frame(raw, day, f"contoh_{day:%Y%m%d}.csv", digest, CAMPAIGN, con)


def load_sample(con: store.Connection) -> int:
    """Store every sample snapshot (marked as sample data); returns how many. The generator's
    rows go straight to the store (a first open shows them at once); tests/test_demo.py checks
    that they are stored exactly as the same files read through every roster check would be."""
    people = sample_people()
    for day in SNAPSHOT_DATES:
        store.save_snapshot(con, _SampleRows(people, day), _sample_meta(day), replace=True)
    return len(SNAPSHOT_DATES)


def load_sample_checked(con: store.Connection) -> int:
    """The same snapshots read as files through every roster check (what load_sample must equal)."""
    people = sample_people()
    for day in SNAPSHOT_DATES:
        roster = sample_roster(people, day, con)
        try:
            ingest_roster(con, roster, replace=True, uploaded_by="contoh", is_sample=True, definition=DEFINITION)
        finally:
            roster.checks.close()
    return len(SNAPSHOT_DATES)


def _sample_meta(day: date) -> store.SnapshotMeta:
    stages = frozenset(s.slot for s in CAMPAIGN.stages)
    return store.SnapshotMeta(
        snapshot_date=day,
        source_name=f"contoh_{day:%Y%m%d}.csv",
        # No file was read: the digest names the generator's seed and day instead.
        source_sha256=hashlib.sha256(f"contoh {SEED} {day.isoformat()}".encode()).hexdigest(),
        skipped_rows=0,
        campaign=CAMPAIGN.key,
        headline_slot=CAMPAIGN.headline_stage.slot,
        status_slots=stages if day >= STATUS_COLUMNS_FROM else frozenset({CAMPAIGN.headline_stage.slot}),
        date_slots=frozenset({CAMPAIGN.headline_stage.slot}),
        campaign_text=DEFINITION[0],
        campaign_file=DEFINITION[1],
        has_email=True,
        has_jenis_asn=True,
        uploaded_by="contoh",
        is_sample=True,
    )


class _SampleRows:
    """One sample snapshot's rows as the roster checks would store them (store.ValidRows)."""

    def __init__(self, people: list[SamplePerson], day: date) -> None:
        present = [p for p in people if p.present_on(day)]
        statuses = day >= STATUS_COLUMNS_FROM
        activation, update, verification = CAMPAIGN.stages
        self.frame = pd.DataFrame(
            {
                "nip": [p.nip for p in present],
                "nama": [p.nama for p in present],
                "opd": [p.opd_on(day) for p in present],
                "jenis_asn": [p.jenis_asn for p in present],
                "done_a": [p.activated_by(day) for p in present],
                "done_on_a": [p.activated_on if p.activated_by(day) else None for p in present],
                "done_u": [p.pdm_by(day) if statuses else None for p in present],
                "done_v": [p.verified_by(day) if statuses else None for p in present],
                "email": [p.email for p in present],
            }
        )
        self.columns = (activation.done_column, activation.done_on_column, update.done_column, verification.done_column)

    def store_valid(self, cur: store.Connection, snapshot_id: int, progress: store.StoreProgress | None = None) -> None:
        cur.register("sample_rows", self.frame)
        done, done_on, updated, verified = self.columns
        try:
            cur.execute(
                f"""INSERT INTO roster (snapshot_id, nip, nama, opd, opd_key, unit, unit_key, jenis_asn, {done},
                                       {done_on}, {updated}, {verified}, email, email_users)
                   SELECT ?, nip, nama, opd, lower(opd), opd, lower(opd), jenis_asn, done_a,
                          done_on_a::DATE, done_u::BOOLEAN, done_v::BOOLEAN, lower(email),
                          CASE WHEN email <> '' THEN count(*) OVER (PARTITION BY lower(email)) END
                   FROM sample_rows ORDER BY lower(opd)""",
                [snapshot_id],
            )
        finally:
            cur.unregister("sample_rows")
        if progress is not None:
            progress(1.0)
