"""Campaign definitions: the shipped ones load, PDM 2021's is today's calendar and vocabulary, and a
bad definition is refused naming its field."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pdm_metrics.campaign import (
    CampaignError,
    campaign_from_mapping,
    campaign_from_text,
    shipped_campaign,
    shipped_campaigns,
)
from tests.pdm_2021 import ACTIVATION, pdm_calendar

ROOT = Path(__file__).resolve().parent.parent

SKP: dict[str, Any] = {
    "key": "skp-2024",
    "name": "Penyusunan SKP Tahunan 2024",
    "source": "SE Kepala BKN Nomor 11 Tahun 2023",
    "headline": "unggah",
    "stages": [
        {
            "key": "unggah",
            "name": "Unggah SKP",
            "definition": "ASN telah mengunggah SKP tahunan 2024 di e-Kinerja.",
            "columns": ["STATUS SKP", "STATUS UNGGAH SKP"],
            "done": ["Sudah", "Sudah Unggah"],
            "not_done": ["Belum", "Belum Unggah"],
            "date_columns": ["TANGGAL UNGGAH"],
            "start": date(2024, 12, 1),
            "end": date(2025, 1, 10),
        }
    ],
}


def test_the_shipped_definitions_load() -> None:
    campaigns = shipped_campaigns()
    assert set(campaigns) == {"pdm-2021", "skp-2024", "pppk-paruh-waktu-2025", "mfa-asn-digital-2025"}
    pppk = campaigns["pppk-paruh-waktu-2025"]
    assert [(s.key, s.end) for s in pppk.stages] == [
        ("drh", date(2025, 9, 15)),
        ("usul-ni", date(2025, 9, 20)),
        ("penetapan-ni", date(2025, 9, 30)),
    ]
    assert pppk.jenis_asn == ("PPPK",) and campaigns["mfa-asn-digital-2025"].stages[0].kind == "batas akses"
    assert campaigns["skp-2024"].headline_stage.word == "unggah SKP"


def test_pdm_2021_is_the_calendar_and_the_vocabulary_the_reader_uses() -> None:
    pdm = shipped_campaign("pdm-2021")
    vocabulary = pdm.vocabulary
    for slot, stage in enumerate(pdm.stages, start=1):
        assert stage.slot == slot and stage.done_column == f"done_{slot}"
        assert vocabulary.aliases[stage.status_column] == stage.aliases
        assert vocabulary.column_for(stage.columns[0]) == stage.status_column
        assert vocabulary.labels[stage.status_column] == f"Status {stage.label}"
    assert vocabulary.column_for("TGL AKTIVASI") == ACTIVATION.date_column  # abbreviations expanded
    assert vocabulary.required[-1] == ACTIVATION.status_column  # the headline's status is required
    assert [ACTIVATION.word_value(w) for w in ("Sudah", "belum verifikasi", "1", "Mungkin", "Sudah Tidak Aktif")] == [
        True, False, True, None, None,
    ]  # fmt: skip
    phases = pdm_calendar().phases
    assert [(p.key, p.name, p.start, p.end) for p in phases] == [(s.key, s.name, s.start, s.end) for s in pdm.stages]


def changed(path: str, value: object) -> dict[str, Any]:
    """SKP with one field set (path like 'stages.0.end'); the value None removes the field."""
    raw = copy.deepcopy(SKP)
    *parents, last = path.split(".")
    target: Any = raw
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return raw


def second_stage(**fields: object) -> dict[str, Any]:
    raw = copy.deepcopy(SKP)
    raw["stages"].append({**raw["stages"][0], "key": "nilai", "columns": ["STATUS NILAI"], **fields})
    raw["stages"][1].pop("date_columns")
    return raw


BAD = [
    pytest.param(changed("colour", "hijau"), "'colour' tidak dikenal", id="unknown field"),
    pytest.param(changed("stages.0.warna", "x"), "'warna' tidak dikenal", id="unknown stage field"),
    pytest.param(changed("key", "SKP 2024"), "'key'", id="key with capitals and a space"),
    pytest.param(changed("name", None), "'name' wajib", id="no name"),
    pytest.param(changed("stages", []), "sedikitnya satu tahap", id="no stage"),
    pytest.param(second_stage(key="unggah"), "'unggah' dipakai dua kali", id="duplicate stage key"),
    pytest.param(changed("stages.0.end", date(2024, 11, 1)), "'end' (1 November 2024) sebelum 'start'", id="end<start"),
    pytest.param(changed("stages.0.done", []), "'done'", id="no done words"),
    pytest.param(changed("stages.0.done", None), "'done'", id="done missing"),
    pytest.param(changed("stages.0.not_done", ["Sudah"]), "'done' dan 'not_done'", id="a word both ways"),
    pytest.param(changed("stages.0.columns", ["NIP BARU"]), "terbaca sebagai NIP", id="column taken for NIP"),
    pytest.param(changed("stages.0.columns", ["Unit Kerja"]), "terbaca sebagai OPD", id="column taken for OPD"),
    pytest.param(changed("stages.0.date_columns", ["NAMA"]), "terbaca sebagai NAMA", id="date column is Nama"),
    pytest.param(second_stage(columns=["status skp"]), "dipakai oleh tahap 'unggah' dan 'nilai'", id="shared column"),
    pytest.param(changed("headline", "nilai"), "'headline'", id="headline not a stage"),
    pytest.param(changed("stages.0.kind", "wajib"), "'kind'", id="unknown kind"),
    pytest.param(changed("stages.0.target", 150), "'target'", id="target over 100"),
    pytest.param(changed("jenis_asn", ["HONORER"]), "'jenis_asn'", id="unknown jenis ASN"),
    pytest.param(changed("stages.0.start", "1 Desember 2024"), "'start'", id="start not a date"),
    pytest.param(changed("stages.0.name", "Unggah\x1b[2J SKP"), "karakter kontrol", id="control character"),
]


@pytest.mark.parametrize(("raw", "message"), BAD)
def test_a_bad_definition_is_refused_naming_its_field(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(CampaignError) as raised:
        campaign_from_mapping(raw, "skp.toml")
    assert message in raised.value.message and raised.value.message.startswith("skp.toml")


def test_a_stage_without_a_deadline_and_a_json_definition() -> None:
    raw = changed("stages.0.kind", "tanpa tenggat")
    del raw["stages"][0]["end"]
    assert campaign_from_mapping(raw).stages[0].end is None
    as_json = json.dumps(SKP, default=str)
    assert campaign_from_text(as_json, "skp.json").stages[0].end == date(2025, 1, 10)


def test_a_file_that_is_not_toml_is_said_so() -> None:
    with pytest.raises(CampaignError, match="bukan TOML/JSON yang sah"):
        campaign_from_text("key = skp\n[[stages]\n", "skp.toml")


def test_the_command_line_lists_and_shows_the_definitions() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pdm_metrics", "campaigns", *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)

    listed = run("list")
    assert listed.returncode == 0 and "pdm-2021" in listed.stdout and "skp-2024" in listed.stdout
    shown = run("show", "pppk-paruh-waktu-2025")
    assert shown.returncode == 0 and "Usul NI" in shown.stdout and "20 September 2025" in shown.stdout
    missing = run("show", "tidak-ada")
    assert missing.returncode == 1 and "tidak-ada" in missing.stderr and "Traceback" not in missing.stderr
