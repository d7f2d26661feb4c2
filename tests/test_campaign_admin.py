"""Managing campaigns: adding one from a template or a file, correcting a kept one's names and
windows (audited, its snapshots' figures unchanged), downloading its definition; and the
sidebar's Kampanye switching every page of a database that follows several."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pdm_metrics import store
from pdm_metrics.campaign import CampaignError, campaign_from_text
from pdm_metrics.campaign_edit import Window, edit_of
from pdm_metrics.errors import StoreError
from pdm_metrics.views import kampanye
from tests.apptest import open_app
from tests.conftest import shown
from tests.pdm_2021 import PDM
from tests.test_campaign_engine import PDM_WORDS, SKP, SKP_TEXT, pdm_file, skp_file, stored

ROOT = Path(__file__).resolve().parent.parent


def test_a_template_is_previewed_then_kept_and_a_second_definition_under_its_key_refused(
    db: store.Connection,
) -> None:
    page = kampanye.campaigns_page(db)
    assert {"pdm-2021", "skp-2024", "pppk-paruh-waktu-2025"} <= set(page.templates) and not page.kept
    preview = kampanye.template_preview("skp-2024")
    assert (
        preview.stages["Tahap"].iloc[0].endswith("(utama)") and preview.stages["Berakhir"].iloc[0] == "10 Januari 2025"
    )
    kampanye.add_definition(db, preview, "operator")
    page = kampanye.campaigns_page(db)
    assert list(page.kept) == ["skp-2024"] and "skp-2024" not in page.templates
    row = page.table.set_index("Kunci").loc["skp-2024"]
    assert (row["Asal"], row["Snapshot"], row["Terakhir"]) == ("tersimpan", "0", "belum ada")
    other = preview.text.replace(preview.campaign.name, "SKP yang lain")
    with pytest.raises(StoreError, match="sudah menyimpan kampanye 'skp-2024'"):
        kampanye.add_definition(db, kampanye.file_preview(other.encode(), "lain.toml"), "operator")
    assert store.stored_campaigns(db)["skp-2024"].name == preview.campaign.name
    assert "tambah kampanye" in set(store.audit_entries(db)["action"])


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (SKP_TEXT.encode(), "skp.txt", "pilih berkas .toml atau .json"),
        (b"\xff\xfe" + SKP_TEXT.encode("utf-16-le"), "skp.toml", "bukan teks UTF-8"),
        (SKP_TEXT.replace("short_name", "nama_pendek").encode(), "skp.toml", "nama_pendek"),
        (SKP_TEXT.replace('done = ["Sudah Unggah", "Sudah"]', "done = []").encode(), "skp.toml", "'done'"),
        (b"key = ", "skp.toml", "bukan TOML/JSON yang sah"),
    ],
)
def test_a_bad_definition_file_is_refused_naming_what_is_wrong(
    db: store.Connection, data: bytes, name: str, message: str
) -> None:
    with pytest.raises(CampaignError, match=message):
        kampanye.file_preview(data, name)
    assert store.stored_campaigns(db) == {}


def test_an_edit_changes_names_and_windows_only_audited_and_the_figures_stay(tmp_path: Path) -> None:
    con = stored(tmp_path / "skp.duckdb", SKP, SKP_TEXT, [(skp_file(), "skp.csv", dt.date(2025, 1, 15))])
    counts = store.summary_counts(con, True)
    edit = edit_of(SKP)
    later = Window("unggah", dt.date(2024, 12, 1), dt.date(2025, 1, 31))
    changed = kampanye.edit_campaign(
        con, SKP.key, edit.__class__("SKP Tahunan 2024 (diperbaiki)", "SKP", edit.source, (later,)), "admin"
    )
    assert changed == [
        "nama: Penyusunan SKP Tahunan (uji) → SKP Tahunan 2024 (diperbaiki)",
        "Unggah SKP: 1 Desember 2024 – 10 Januari 2025 → 1 Desember 2024 – 31 Januari 2025",
    ]
    kept = store.stored_campaigns(con)[SKP.key]
    assert (kept.name, kept.stages[0].end, kept.stages[0].aliases) == (
        "SKP Tahunan 2024 (diperbaiki)",
        dt.date(2025, 1, 31),
        SKP.stages[0].aliases,
    )
    assert store.summary_counts(con, True).equals(counts)
    entry = store.audit_entries(con).query("action == 'ubah kampanye'")["detail"].iloc[0]
    assert entry.startswith("skp-uji: nama: ") and "31 Januari 2025" in entry
    data, file_name = kampanye.definition_file(con, SKP.key)
    assert file_name == "skp-uji.toml" and campaign_from_text(data.decode(), file_name) == kept
    backwards = Window("unggah", dt.date(2025, 2, 1), dt.date(2025, 1, 31))
    with pytest.raises(CampaignError, match=r"'end' .* sebelum 'start'"):
        kampanye.edit_campaign(con, SKP.key, edit.__class__(kept.name, "SKP", edit.source, (backwards,)), "admin")
    assert store.stored_campaigns(con)[SKP.key] == kept
    assert kampanye.edit_campaign(con, SKP.key, edit_of(kept), "admin") == []  # nothing to keep
    with pytest.raises(CampaignError, match="belum tersimpan"):
        kampanye.edit_campaign(con, "pppk-paruh-waktu-2025", edit, "admin")
    con.close()


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [str(m.label) + " " + str(m.value) for m in at.metric]
    parts += [" ".join(map(str, frame.value.columns)) for frame in at.dataframe]
    return shown("\n".join(parts))


def test_the_sidebar_switches_every_page_between_campaigns(streamlit_db: Path) -> None:
    stored(streamlit_db, PDM, "", [(pdm_file(), "pdm.csv", dt.date(2021, 7, 11))]).close()
    stored(streamlit_db, SKP, SKP_TEXT, [(skp_file(), "skp.csv", dt.date(2025, 1, 15))]).close()
    at = open_app()
    choice = at.selectbox(key="kampanye")
    assert choice.options == [SKP.name, PDM.name] and choice.value == SKP.key
    assert "Unggah SKP" in page_text(at) and not PDM_WORDS.search(page_text(at))
    assert at.selectbox(key="snapshot").options == ["15 Januari 2025"]
    choice.set_value(PDM.key)
    at.run()
    assert "Aktivasi" in page_text(at) and "Unggah SKP" not in page_text(at)
    assert at.selectbox(key="snapshot").options == ["11 Juli 2021"]
    for page in ("app_pages/tren.py", "app_pages/opd.py", "app_pages/tindak_lanjut.py", "app_pages/data.py"):
        at.selectbox(key="kampanye").set_value(SKP.key)
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not PDM_WORDS.search(page_text(at)), page
    st.cache_resource.clear()


def test_the_kampanye_page_adds_a_template(streamlit_db: Path) -> None:
    at = open_app("app_pages/kampanye.py")
    assert "templat bawaan" in set(at.dataframe[0].value["Asal"])
    at.selectbox(key="campaign_template").set_value("skp-2024")
    at.run()
    at.button(key="campaign_add").click()
    at.run()
    assert not at.exception and "tersimpan" in shown(at.success[0].value)
    table = at.dataframe[0].value.set_index("Kunci")
    assert table.loc["skp-2024", "Asal"] == "tersimpan"
    assert at.selectbox(key="campaign_edit").value == "skp-2024"
    st.cache_resource.clear()
