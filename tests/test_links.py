"""A view in the address: read as a reader writes it, unknown values left out with a notice, and
through AppTest a shared address opens Ringkasan on that snapshot and OPD."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from pdm_metrics.views import links
from tests.conftest import shown
from tests.pdm_2021 import PDM
from tests.test_campaign_engine import SKP

ROOT = Path(__file__).resolve().parent.parent
UNITS = pd.DataFrame(
    {"opd_key": ["dinas kesehatan", "dinas pendidikan"], "opd": ["Dinas Kesehatan", "Dinas Pendidikan"]}
)
DATES = {PDM.key: [dt.date(2021, 7, 11), dt.date(2021, 9, 20)], SKP.key: [dt.date(2025, 1, 15)]}


def read(**params: list[str]) -> links.LinkedView:
    return links.read_address(params, [SKP, PDM], DATES.__getitem__, UNITS)


def test_an_address_names_campaign_date_opd_jenis_and_stage() -> None:
    linked = read(
        kampanye=["pdm-2021"], tanggal=["2021-09-20"], opd=["dinas  KESEHATAN"], jenis=["PPPK"], tahap=["pdm"]
    )
    assert linked == links.LinkedView("pdm-2021", dt.date(2021, 9, 20), ("dinas kesehatan",), ("PPPK",), "pdm")
    params = links.address("pdm-2021", dt.date(2021, 9, 20), ["Dinas Kesehatan"], ["PPPK"], "pdm")
    assert read(**params) == linked  # what the app writes, it reads back
    assert read() == links.LinkedView()


def test_unknown_values_are_left_out_with_a_notice() -> None:
    linked = read(kampanye=["skp-2099"], tanggal=["20-09-2021"], opd=["Dinas Antah"], jenis=["Honorer"], tahap=["x"])
    assert (linked.campaign, linked.day, linked.opd_keys, linked.jenis_asn, linked.stage) == (None, None, (), (), None)
    assert linked.notices == (
        "kampanye 'skp-2099' tidak ada",
        "tanggal '20-09-2021' bukan tanggal YYYY-MM-DD",
        "OPD 'Dinas Antah' tidak ada",
        "jenis ASN 'Honorer' tidak dikenal",
        "tahap 'x' tidak ada di kampanye ini",
    )
    # A date is one of the campaign's snapshots (the first campaign when none is named).
    assert read(tanggal=["2021-09-20"]).notices == ("tidak ada snapshot tanggal 20 September 2021",)
    assert read(kampanye=["pdm-2021"], tanggal=["2021-09-20"]).day == dt.date(2021, 9, 20)


def test_a_shared_address_opens_ringkasan_on_that_view(app_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["tanggal"] = "2021-07-11"
    at.query_params["opd"] = "dinas kesehatan"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="snapshot").value == dt.date(2021, 7, 11)
    assert at.multiselect(key="opd_filter").value == ["dinas kesehatan"]
    title = shown(at.title[0].value)
    headings = [shown(h.value) for h in at.subheader]
    assert "Semua OPD" in headings and not any("terendah" in h for h in headings)  # one OPD: one table, not two
    assert "11 Juli 2021" in title and not any("tidak dikenal" in shown(i.value) for i in at.info)
    at.selectbox(key="snapshot").set_value(dt.date(2021, 12, 31))
    at.run()
    written = {name: [value] if isinstance(value, str) else list(value) for name, value in at.query_params.items()}
    assert written == {"tanggal": ["2021-12-31"], "opd": ["Dinas Kesehatan"]}
    st.cache_data.clear()


def test_an_address_with_unknown_values_opens_the_latest_with_a_notice(app_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["tanggal"] = "2030-01-01"
    at.run()
    assert not at.exception and at.selectbox(key="snapshot").value == dt.date(2021, 12, 31)
    assert any("tidak ada snapshot tanggal 1 Januari 2030" in shown(i.value) for i in at.info)
    assert "5 OPD terendah (verifikasi)" in [shown(h.value) for h in at.subheader]


def query(at: AppTest) -> dict[str, list[str]]:
    return {name: [value] if isinstance(value, str) else list(value) for name, value in at.query_params.items()}


def test_the_stage_chosen_on_a_page_is_in_the_address_until_the_date_changes(app_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["tanggal"] = "2021-09-27"
    at.query_params["tahap"] = "aktivasi"
    at.run()
    at.switch_page("app_pages/tindak_lanjut.py")
    at.run()
    control = at.button_group[0]
    assert control.value == "aktivasi" and not at.exception  # the address's stage, not the open one
    assert query(at) == {"tanggal": ["2021-09-27"], "tahap": ["aktivasi"]}
    control.set_value("pdm").run()
    assert query(at) == {"tanggal": ["2021-09-27"], "tahap": ["pdm"]}
    assert "tahap=pdm" in at.sidebar.code[0].value  # Salin tautan holds the view on screen
    at.selectbox(key="snapshot").set_value(dt.date(2021, 12, 31)).run()
    # Another snapshot opens on its own open stage, and the address no longer names one.
    assert query(at) == {"tanggal": ["2021-12-31"]} and at.button_group[0].value == "verifikasi"
    st.cache_data.clear()
