"""A campaign as data: a population of ASN, stages with a status per person, and their windows.

A campaign is a definition file (TOML, read with the standard library's tomllib; JSON with the
same fields is accepted too). PDM 2021 is one, shipped as data/campaigns/pdm-2021.toml beside
ready templates for other campaigns. A definition is checked whole before it is used: an
unknown field, a duplicate stage, an end before its start, a stage without done words, or a
stage column that a file's NIP, Nama or OPD would be taken for is refused with a message that
names the field (CampaignError), and nothing is stored.

    key = "skp-2024"                                  # a-z, 0-9, '-'
    name = "Penyusunan SKP Tahunan 2024"
    source = "SE Kepala BKN Nomor 11 Tahun 2023"      # legal basis, shown with the deadlines
    headline = "unggah"                               # the stage shown first (default: the first)
    jenis_asn = ["PNS", "PPPK"]                       # who it counts (default: everyone)

    [[stages]]
    key = "unggah"
    name = "Unggah SKP"                               # the stage's full name (calendar, PDF)
    label = "Unggah SKP"                              # short, for columns and tabs (default: name)
    word = "unggah SKP"                               # inside a sentence: "belum unggah SKP"
    definition = "ASN telah mengunggah SKP tahunan 2024 di e-Kinerja."
    columns = ["STATUS SKP", "STATUS UNGGAH SKP"]     # headers of the stage's status column
    done = ["Sudah", "Sudah Unggah"]                  # status words, compared without case/spacing
    not_done = ["Belum", "Belum Unggah"]
    date_columns = ["TANGGAL UNGGAH"]                 # optional: when it was done
    start = 2024-12-01
    end = 2025-01-10
    kind = "tenggat"                                  # | "batas akses" | "tanpa tenggat" (no end)
    target = 100                                      # percent (default 100)
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from pdm_metrics.errors import PdmError
from pdm_metrics.fmt import excerpt, format_date
from pdm_metrics.schema import HEADER_ALIASES, Column, JenisAsn, name_problem, normalise_header

CAMPAIGN_FOLDER = Path(__file__).resolve().parent.parent / "data" / "campaigns"
PDM_2021 = "pdm-2021"
KINDS = ("tenggat", "batas akses", "tanpa tenggat")
MAX_STAGES = 12
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Columns every campaign reads the same way: a stage's column may not be taken for one of them.
PERSON_COLUMNS = (Column.NIP, Column.NAMA, Column.OPD, Column.EMAIL, Column.EMAIL_GOV, Column.JENIS_ASN,
                  Column.INSTANSI)  # fmt: skip
_CAMPAIGN_FIELDS = frozenset({"key", "name", "source", "headline", "jenis_asn", "stages"})
_STAGE_FIELDS = frozenset({"key", "name", "label", "word", "definition", "columns", "done", "not_done",
                           "date_columns", "start", "end", "kind", "target"})  # fmt: skip


class CampaignError(PdmError):
    """A campaign definition that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    label: str
    word: str
    definition: str
    columns: tuple[str, ...]  # headers as written in the definition
    done: tuple[str, ...]
    not_done: tuple[str, ...]
    date_columns: tuple[str, ...]
    start: date
    end: date | None  # None: "tanpa tenggat"
    kind: str
    target: Decimal

    @property
    def aliases(self) -> tuple[str, ...]:
        """The status column's headers as the reader compares them (schema.normalise_header)."""
        return tuple(dict.fromkeys(normalise_header(c) for c in self.columns))

    @property
    def date_aliases(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normalise_header(c) for c in self.date_columns))


@dataclass(frozen=True)
class Campaign:
    key: str
    name: str
    source: str
    headline: str
    jenis_asn: tuple[str, ...]  # empty: everyone
    stages: tuple[Stage, ...]

    def stage(self, key: str) -> Stage:
        found = next((s for s in self.stages if s.key == key), None)
        if found is None:
            raise CampaignError(f"Kampanye {self.name} tidak memiliki tahap '{excerpt(key)}'.")
        return found

    @property
    def headline_stage(self) -> Stage:
        return self.stage(self.headline)

    @property
    def start(self) -> date:
        return min(s.start for s in self.stages)


def load_campaign(path: Path) -> Campaign:
    """A definition file (.toml, or .json with the same fields), checked whole."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CampaignError(f"Definisi kampanye {excerpt(path.name, 80)} tidak dapat dibaca.") from exc
    return campaign_from_text(text, path.name)


def campaign_from_text(text: str, file_name: str) -> Campaign:
    """A definition's text (TOML, or JSON when the name ends in .json), checked whole."""
    shown = excerpt(file_name, 80)
    try:
        raw = json.loads(text) if file_name.lower().endswith(".json") else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise CampaignError(f"Definisi kampanye {shown} bukan TOML/JSON yang sah: {excerpt(exc, 120)}.") from exc
    if not isinstance(raw, Mapping):
        raise CampaignError(f"Definisi kampanye {shown} harus berupa tabel kunci = nilai.")
    return campaign_from_mapping(raw, shown)


def shipped_campaigns(folder: Path = CAMPAIGN_FOLDER) -> dict[str, Campaign]:
    """The definitions shipped with the app (PDM 2021 and the templates), by key."""
    campaigns = [load_campaign(path) for path in sorted(folder.glob("*.toml"))]
    return {c.key: c for c in campaigns}


def shipped_campaign(key: str) -> Campaign:
    found = shipped_campaigns().get(key)
    if found is None:
        raise CampaignError(f"Tidak ada definisi kampanye '{excerpt(key)}' di {CAMPAIGN_FOLDER.name}.")
    return found


# ----------------------------------------------------------------------------- checking a definition


def campaign_from_mapping(raw: Mapping[str, object], where: str = "definisi") -> Campaign:
    """A campaign from parsed fields; CampaignError naming the first field that is wrong."""
    check = _Fields(raw, where, _CAMPAIGN_FIELDS)
    key = check.key("key")
    stages_raw = raw.get("stages")
    if not isinstance(stages_raw, Sequence) or isinstance(stages_raw, str) or not stages_raw:
        raise CampaignError(f"{where}: 'stages' harus berisi sedikitnya satu tahap ([[stages]]).")
    if len(stages_raw) > MAX_STAGES:
        raise CampaignError(f"{where}: paling banyak {MAX_STAGES} tahap (ada {len(stages_raw)}).")
    stages = tuple(_stage(entry, where, number) for number, entry in enumerate(stages_raw, start=1))
    _refuse_shared_keys_and_columns(stages, where)
    headline = check.text("headline", required=False) or stages[0].key
    if headline not in {s.key for s in stages}:
        raise CampaignError(f"{where}: 'headline' = '{excerpt(headline)}' bukan kunci salah satu tahap.")
    jenis = check.words("jenis_asn", required=False)
    unknown = [j for j in jenis if j not in {k.value for k in JenisAsn}]
    if unknown:
        raise CampaignError(f"{where}: 'jenis_asn' hanya boleh PNS dan/atau PPPK, bukan '{excerpt(unknown[0])}'.")
    return Campaign(key, check.text("name"), check.text("source"), headline, jenis, stages)


def _stage(entry: object, campaign: str, number: int) -> Stage:
    where = f"{campaign}, tahap ke-{number}"  # until its key is read, then named by it
    if not isinstance(entry, Mapping):
        raise CampaignError(f"{where}: tahap harus berupa tabel ([[stages]]).")
    check = _Fields(entry, where, _STAGE_FIELDS)
    key = check.key("key")
    where = check.where = f"{campaign}, tahap '{key}'"
    name = check.text("name")
    done, not_done = check.words("done"), check.words("not_done")
    shared = {_word(w) for w in done} & {_word(w) for w in not_done}
    if shared:
        raise CampaignError(f"{where}: kata '{excerpt(sorted(shared)[0])}' ada di 'done' dan 'not_done' sekaligus.")
    kind = check.text("kind", required=False) or "tenggat"
    if kind not in KINDS:
        raise CampaignError(f"{where}: 'kind' harus salah satu dari {', '.join(KINDS)}, bukan '{excerpt(kind)}'.")
    start = check.day("start")
    end = check.day("end") if kind != "tanpa tenggat" or "end" in entry else None
    if end is not None and end < start:
        raise CampaignError(f"{where}: 'end' ({format_date(end)}) sebelum 'start' ({format_date(start)}).")
    label = check.text("label", required=False) or name
    return Stage(
        key=key,
        name=name,
        label=label,
        word=check.text("word", required=False) or label.lower(),
        definition=check.text("definition", required=False) or name,
        columns=check.words("columns"),
        done=done,
        not_done=not_done,
        date_columns=check.words("date_columns", required=False),
        start=start,
        end=end,
        kind=kind,
        target=check.percent("target"),
    )


def _word(text: str) -> str:
    """A status word as files are compared with it: upper case, single spaces."""
    return " ".join(text.split()).upper()


def _refuse_shared_keys_and_columns(stages: tuple[Stage, ...], where: str) -> None:
    keys = [s.key for s in stages]
    twice = next((k for k in keys if keys.count(k) > 1), None)
    if twice:
        raise CampaignError(f"{where}: kunci tahap '{twice}' dipakai dua kali.")
    person = {alias: column for column in PERSON_COLUMNS for alias in HEADER_ALIASES[column]}
    owner: dict[str, str] = {}
    for stage in stages:
        for header in (*stage.columns, *stage.date_columns):
            alias = normalise_header(header)
            if not alias:
                raise CampaignError(f"{where}, tahap '{stage.key}': kolom '{excerpt(header)}' tanpa huruf atau angka.")
            if alias in person:
                raise CampaignError(
                    f"{where}, tahap '{stage.key}': kolom '{excerpt(header)}' akan terbaca sebagai "
                    f"{person[alias].value.upper()}; pilih judul kolom lain."
                )
            if owner.setdefault(alias, stage.key) != stage.key:
                raise CampaignError(
                    f"{where}: kolom '{excerpt(header)}' dipakai oleh tahap '{owner[alias]}' dan '{stage.key}'."
                )


@dataclass
class _Fields:
    """The fields of one table of a definition, each read with its rule; unknown fields refused."""

    raw: Mapping[str, object]
    where: str
    allowed: frozenset[str]

    def __post_init__(self) -> None:
        unknown = sorted(str(k) for k in self.raw if k not in self.allowed)
        if unknown:
            raise CampaignError(
                f"{self.where}: kolom definisi '{excerpt(unknown[0])}' tidak dikenal "
                f"(yang dikenal: {', '.join(sorted(self.allowed))})."
            )

    def text(self, field: str, required: bool = True) -> str:
        value = self.raw.get(field)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise CampaignError(f"{self.where}: '{field}' wajib diisi dengan teks.")
        if problem := name_problem(value):
            raise CampaignError(f"{self.where}: '{field}' {problem}.")
        return " ".join(value.split())

    def key(self, field: str) -> str:
        value = self.text(field)
        if not _KEY.match(value) or len(value) > 40:
            raise CampaignError(
                f"{self.where}: '{field}' = '{excerpt(value)}' hanya boleh huruf kecil a-z, angka dan '-' "
                "(paling panjang 40), mis. skp-2024."
            )
        return value

    def words(self, field: str, required: bool = True) -> tuple[str, ...]:
        value = self.raw.get(field)
        if value is None and not required:
            return ()
        if isinstance(value, str) or not isinstance(value, Sequence) or not value:
            raise CampaignError(
                f"{self.where}: '{field}' harus berupa daftar teks yang tidak kosong, mis. [\"Sudah\"]."
            )
        words = []
        for item in value:
            if not isinstance(item, str) or not item.strip() or name_problem(item):
                raise CampaignError(f"{self.where}: '{field}' memuat nilai yang bukan teks biasa: '{excerpt(item)}'.")
            words.append(" ".join(item.split()))
        return tuple(dict.fromkeys(words))

    def day(self, field: str) -> date:
        value = self.raw.get(field)
        if isinstance(value, str):  # JSON has no dates: 2024-12-01 as text
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        if isinstance(value, date):
            return value
        raise CampaignError(f"{self.where}: '{field}' harus tanggal berbentuk YYYY-MM-DD.")

    def percent(self, field: str) -> Decimal:
        value = self.raw.get(field, 100)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100:
            raise CampaignError(f"{self.where}: '{field}' harus angka persen di atas 0 sampai 100.")
        return Decimal(str(value))
