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
    short_name = "SKP 2024"                           # optional: titles and messages (default: name)
    consequence = "TPP ASN yang belum mengunggah SKP ditunda."   # optional: in follow-up messages
    sanction = "TPP ditunda"                          # optional: the list of who missed a deadline
    email_token_stage = ""                            # optional: the stage whose token goes by email

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
    subjects = ["UNGGAH", "DIUNGGAH"]                 # optional: "Sudah Unggah" / "Belum Diunggah"
    count_name = "unggah"                             # optional: the wide rates CSV's column names
    rate_name = "unggah_rate"                         #   (default done_<key>, rate_<key>)
    earliest = 2018-01-01                             # optional: no day of it can be earlier
    earliest_reason = "sebelum MySAPK ada"            #   and why (default 1 Jan 2000, "terlalu awal")
    action = "mengunggah SKP tahunan 2024 di e-Kinerja"   # optional: "belum <action>" (default: word)
    guide = "Cara unggah: …"                          # optional: how to, at the end of a message

A stage's place in the definition is its slot (1 to schema.MAX_STAGES): the store keeps each
slot's status in columns of its own (schema.done_column), so the stages are data and the
columns are not named after any of them.
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
from pdm_metrics.schema import (
    COLUMN_LABELS,
    HEADER_ALIASES,
    MAX_STAGES,
    PERSON_REQUIRED,
    Column,
    JenisAsn,
    date_column,
    done_column,
    done_on_column,
    has_date_flag,
    has_status_flag,
    name_problem,
    newly_done_column,
    normalise_header,
    status_column,
)

CAMPAIGN_FOLDER = Path(__file__).resolve().parent.parent / "data" / "campaigns"
PDM_2021 = "pdm-2021"
KINDS = ("tenggat", "batas akses", "tanpa tenggat")
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Columns every campaign reads the same way: a stage's column may not be taken for one of them.
PERSON_COLUMNS = (Column.NIP, Column.NAMA, Column.OPD, Column.EMAIL, Column.EMAIL_GOV, Column.JENIS_ASN,
                  Column.INSTANSI)  # fmt: skip
_CAMPAIGN_FIELDS = frozenset({"key", "name", "source", "headline", "jenis_asn", "stages", "short_name",
                              "consequence", "sanction", "email_token_stage"})  # fmt: skip
_STAGE_FIELDS = frozenset({"key", "name", "label", "word", "definition", "columns", "done", "not_done",
                           "date_columns", "start", "end", "kind", "target", "subjects", "count_name",
                           "rate_name", "earliest", "earliest_reason", "action", "guide"})  # fmt: skip
# A stage's day before this is a typo or an Excel serial read wrong, unless the stage says otherwise.
DEFAULT_EARLIEST = date(2000, 1, 1)


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
    slot: int = 1  # its place in the campaign (1 = first)
    subjects: tuple[str, ...] = ()  # normalised: what "Sudah …" / "Belum …" may be about
    count_name: str = ""
    rate_name: str = ""
    earliest: date = DEFAULT_EARLIEST  # a day the stage was done cannot be before it
    earliest_reason: str = "terlalu awal"
    action: str = ""  # what the ASN is asked to do, in a message: "belum <action>"
    guide: str = ""  # how to do it (the follow-up message's last lines), may be empty

    @property
    def early_date_message(self) -> str:
        return f"Tanggal {self.word} {self.earliest_reason} (sebelum {format_date(self.earliest)})"

    # The stored columns of this stage (schema): the same for every campaign's n-th stage.
    @property
    def done_column(self) -> str:
        return done_column(self.slot)

    @property
    def done_on_column(self) -> str:
        return done_on_column(self.slot)

    @property
    def has_flag(self) -> str:
        return has_status_flag(self.slot)

    @property
    def has_date_flag(self) -> str:
        return has_date_flag(self.slot)

    @property
    def newly_done_column(self) -> str:
        return newly_done_column(self.slot)

    @property
    def status_column(self) -> Column:
        return status_column(self.slot)

    @property
    def date_column(self) -> Column:
        return date_column(self.slot)

    @property
    def rate_column(self) -> str:
        return f"rate_{self.slot}"

    def word_value(self, word: str) -> bool | None:
        """True/False for one of this stage's status words, None for a word it does not know.
        "Sudah <subject>", "Telah <subject>" and "Belum <subject>" are read whole; anything else
        is unknown and refused, never read by its first word ("Sudah Tidak Aktif", "Tidak
        diketahui" are no answer)."""
        normal = _word(word).rstrip(".")
        if normal in {_word(w) for w in self.done}:
            return True
        if normal in {_word(w) for w in self.not_done}:
            return False
        first, _, rest = normal.partition(" ")
        if rest in self.subjects:
            if first in {"SUDAH", "TELAH"}:
                return True
            if first == "BELUM":
                return False
        return None

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
    short_name: str = ""  # in titles and messages (default: name)
    consequence: str = ""  # what befalls an ASN who misses it, in a sentence (messages)
    sanction: str = ""  # the same in a few words (the list of who missed a deadline)
    email_token_stage: str = ""  # the stage whose token goes to the registered email (Risiko email)

    @property
    def email_stage(self) -> Stage | None:
        return self.stage(self.email_token_stage) if self.email_token_stage else None

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

    def stage_in_slot(self, slot: int) -> Stage:
        return self.stages[slot - 1]

    @property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self)


class Vocabulary:
    """How a file's headers are read for one campaign: the person columns (schema), then each
    stage's status and date columns under the headers its definition lists."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.aliases: dict[Column, tuple[str, ...]] = dict(HEADER_ALIASES)
        self.labels: dict[Column, str] = dict(COLUMN_LABELS)
        for stage in campaign.stages:
            self.aliases[stage.status_column] = stage.aliases
            self.aliases[stage.date_column] = stage.date_aliases
            self.labels[stage.status_column] = f"Status {stage.label}"
            self.labels[stage.date_column] = f"Tanggal {stage.label}"
        self._lookup = {alias: column for column, names in self.aliases.items() for alias in names}
        # Required on upload: who (NIP, Nama, OPD) and the headline stage's status.
        self.required: tuple[Column, ...] = (*PERSON_REQUIRED, campaign.headline_stage.status_column)

    @property
    def columns(self) -> tuple[Column, ...]:
        """Every column a file of this campaign can have, in the store's order."""
        return tuple(self.labels)

    def column_for(self, text: object) -> Column | None:
        """The column a header cell names for this campaign, or None for extra columns."""
        return self._lookup.get(normalise_header(text))

    def rank(self, column: Column, text: object) -> int:
        """How preferred a header is for its column: its place among the aliases (0 = first)."""
        return self.aliases[column].index(normalise_header(text))

    def stage_of(self, column: Column) -> Stage | None:
        """The stage whose status or date `column` is (None for a person column)."""
        return next((s for s in self.campaign.stages if column in (s.status_column, s.date_column)), None)


def load_campaign(path: Path) -> Campaign:
    """A definition file (.toml, or .json with the same fields), checked whole."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CampaignError(f"Definisi kampanye {excerpt(path.name, 80)} tidak dapat dibaca.") from exc
    return campaign_from_text(text, path.name)


def campaign_from_text(text: str, file_name: str) -> Campaign:
    """A definition's text (TOML, or JSON when the name ends in .json), checked whole."""
    return campaign_from_mapping(definition_fields(text, file_name), excerpt(file_name, 80))


def definition_fields(text: str, file_name: str) -> dict[str, object]:
    """A definition's fields as parsed (not yet checked): TOML, or JSON when the name ends in .json."""
    shown = excerpt(file_name, 80)
    try:
        raw = json.loads(text) if file_name.lower().endswith(".json") else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise CampaignError(f"Definisi kampanye {shown} bukan TOML/JSON yang sah: {excerpt(exc, 120)}.") from exc
    if not isinstance(raw, dict):
        raise CampaignError(f"Definisi kampanye {shown} harus berupa tabel kunci = nilai.")
    return raw


def shipped_campaigns(folder: Path = CAMPAIGN_FOLDER) -> dict[str, Campaign]:
    """The definitions shipped with the app (PDM 2021 and the templates), by key."""
    campaigns = [load_campaign(path) for path in sorted(folder.glob("*.toml"))]
    return {c.key: c for c in campaigns}


def shipped_campaign_text(key: str, folder: Path = CAMPAIGN_FOLDER) -> tuple[str, str]:
    """A shipped definition's text and file name, as the store keeps a campaign in use."""
    for path in sorted(folder.glob("*.toml")):
        if load_campaign(path).key == key:
            return path.read_text(encoding="utf-8"), path.name
    raise CampaignError(f"Tidak ada definisi kampanye '{excerpt(key)}' di {CAMPAIGN_FOLDER.name}.")


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
    stages = tuple(_stage(entry, where, slot) for slot, entry in enumerate(stages_raw, start=1))
    _refuse_shared_keys_and_columns(stages, where)
    headline = check.text("headline", required=False) or stages[0].key
    if headline not in {s.key for s in stages}:
        raise CampaignError(f"{where}: 'headline' = '{excerpt(headline)}' bukan kunci salah satu tahap.")
    jenis = check.words("jenis_asn", required=False)
    unknown = [j for j in jenis if j not in {k.value for k in JenisAsn}]
    if unknown:
        raise CampaignError(f"{where}: 'jenis_asn' hanya boleh PNS dan/atau PPPK, bukan '{excerpt(unknown[0])}'.")
    email_stage = check.text("email_token_stage", required=False)
    if email_stage and email_stage not in {s.key for s in stages}:
        raise CampaignError(f"{where}: 'email_token_stage' = '{excerpt(email_stage)}' bukan kunci salah satu tahap.")
    name = check.text("name")
    return Campaign(
        key,
        name,
        check.text("source"),
        headline,
        jenis,
        stages,
        short_name=check.text("short_name", required=False) or name,
        consequence=check.text("consequence", required=False),
        sanction=check.text("sanction", required=False) or "Tahap tidak diselesaikan sampai tenggat",
        email_token_stage=email_stage,
    )


def _stage(entry: object, campaign: str, slot: int) -> Stage:
    where = f"{campaign}, tahap ke-{slot}"  # until its key is read, then named by it
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
    word = check.text("word", required=False) or label.lower()
    subjects = check.words("subjects", required=False) or (label, word)
    return Stage(
        key=key,
        name=name,
        label=label,
        word=word,
        definition=check.text("definition", required=False) or name,
        columns=check.words("columns"),
        done=done,
        not_done=not_done,
        date_columns=check.words("date_columns", required=False),
        start=start,
        end=end,
        kind=kind,
        target=check.percent("target"),
        slot=slot,
        subjects=tuple(dict.fromkeys(_word(w) for w in subjects)),
        count_name=check.text("count_name", required=False) or f"done_{key.replace('-', '_')}",
        rate_name=check.text("rate_name", required=False) or f"rate_{key.replace('-', '_')}",
        earliest=check.day("earliest") if "earliest" in entry else DEFAULT_EARLIEST,
        earliest_reason=check.text("earliest_reason", required=False) or "terlalu awal",
        action=check.text("action", required=False) or word,
        guide=check.text("guide", required=False),
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
