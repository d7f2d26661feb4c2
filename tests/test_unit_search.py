"""Lists of units: every unit at a regency's scale; nationally a search field, the first units that
match, a caption that says the list is cut, and the chosen units kept whatever is searched."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdm_metrics import unit_search
from pdm_metrics.unit_search import search_note, unit_options
from tests.apptest import figure_of, open_app
from tests.conftest import shown

NAMES = {
    "k-bappeda": "Bappeda",
    "k-dikbud": "Dinas Pendidikan dan Kebudayaan",
    "k-dinkes": "Dinas Kesehatan",
    "k-kominfo": "Dinas Komunikasi dan Informatika",
    "k-rsud": "RSUD KH. Daud Arif",
    "k-setda": "Sekretariat Daerah",
}


@pytest.fixture
def offer_at_most_three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unit_search, "MAX_OFFERED", 3)


def test_a_few_units_are_all_offered_without_search() -> None:
    options = unit_options(NAMES, "dinas", [])
    assert options.keys == list(NAMES) and not options.searchable and not options.cut
    assert search_note(options) is None


@pytest.mark.usefixtures("offer_at_most_three")
def test_many_units_offer_the_first_and_say_the_list_is_cut() -> None:
    options = unit_options(NAMES, "", [])
    assert options.keys == ["k-bappeda", "k-dikbud", "k-dinkes"] and options.cut
    assert search_note(options) == (
        "Ditampilkan 3 pertama menurut abjad dari 6 OPD; ketik sebagian nama di kolom Cari OPD untuk yang lain."
    )


@pytest.mark.usefixtures("offer_at_most_three")
def test_every_word_typed_is_found_in_any_case_and_order() -> None:
    options = unit_options(NAMES, "  KESEHATAN   dinas ", [])
    assert options.keys == ["k-dinkes"] and options.matching == 1 and not options.cut
    assert search_note(options) == "1 OPD yang cocok dengan 'KESEHATAN   dinas'."
    assert unit_options(NAMES, "dinas", []).keys == ["k-dikbud", "k-dinkes", "k-kominfo"]
    many = unit_options(NAMES, "a", [])  # every name has an a
    assert many.matching == 6 and many.cut
    assert search_note(many) == (
        "Ditampilkan 3 pertama menurut abjad dari 6 OPD yang cocok dengan 'a'; persempit pencarian untuk yang lain."
    )


@pytest.mark.usefixtures("offer_at_most_three")
def test_the_chosen_units_stay_offered_in_their_place_and_unknown_keys_are_not() -> None:
    options = unit_options(NAMES, "dinas kes", ["k-setda", None, "k-gone"])
    assert options.keys == ["k-dinkes", "k-setda"]  # the names' order
    nothing = unit_options(NAMES, "kecamatan", ["k-bappeda"])
    assert nothing.keys == ["k-bappeda"] and nothing.matching == 0
    assert search_note(nothing) == "Tidak ada OPD yang cocok dengan 'kecamatan'."


def test_the_sample_regency_has_no_search_field(app_db: Path) -> None:
    at = open_app("app_pages/tren.py")
    assert not at.text_input
    assert len(at.multiselect(key="opd_filter").options) == 45  # every OPD of the sample
    assert len(at.selectbox(key="compare_opd").options) == 46  # and "Tanpa pembanding"


def test_the_sidebar_searches_many_units_and_keeps_the_chosen_one(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unit_search, "MAX_OFFERED", 10)
    at = open_app()
    units = at.multiselect(key="opd_filter")
    assert len(units.options) == 10
    assert "Ditampilkan 10 pertama menurut abjad dari 45 OPD" in shown(at.sidebar.caption[0].value)
    assert "Sekretariat DPRD" not in units.options  # beyond the first ten
    at.text_input(key="opd_filter-cari").input("dprd SEKRETARIAT").run()
    assert at.multiselect(key="opd_filter").options == ["Sekretariat DPRD"]
    assert shown(at.sidebar.caption[0].value) == "1 OPD yang cocok dengan 'dprd SEKRETARIAT'."
    at.multiselect(key="opd_filter").select("Sekretariat DPRD").run()
    at.text_input(key="opd_filter-cari").input("").run()  # another search, or none: the choice stays
    units = at.multiselect(key="opd_filter")
    assert units.value == ["sekretariat dprd"] and units.options[-1] == "Sekretariat DPRD" and len(units.options) == 11
    assert "1 OPD terpilih" in shown(at.caption[0].value)  # the pages follow the choice
    at.text_input(key="opd_filter-cari").input("**tebal** [x](https://evil.example)").run()
    note = at.sidebar.caption[0].value
    # What was typed is text on screen, not markup: stars escaped, the address no link (a word joiner in it).
    assert shown(note).replace("\u2060", "") == "Tidak ada OPD yang cocok dengan '**tebal** [x](https://evil.example)'."
    assert "\\*\\*tebal" in note and "https\u2060\\:" in note
    assert at.multiselect(key="opd_filter").value == ["sekretariat dprd"]


def test_tren_and_opd_lists_search_too(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unit_search, "MAX_OFFERED", 10)
    at = open_app("app_pages/tren.py")
    assert len(at.selectbox(key="compare_opd").options) == 11  # "Tanpa pembanding" and ten OPD
    at.text_input(key="compare_opd-cari").input("rsud").run()
    compare = at.selectbox(key="compare_opd")
    assert compare.options == ["Tanpa pembanding", "RSUD KH. Daud Arif"]
    compare.select_index(1).run()
    assert not at.exception
    assert any(t["name"].startswith("RSUD KH. Daud Arif") for t in figure_of(at)["data"])
    at.switch_page("app_pages/opd.py")
    at.run()
    assert len(at.selectbox(key="opd_detail").options) == 10
    at.text_input(key="opd_detail-cari").input("perikanan").run()
    assert at.selectbox(key="opd_detail").options == ["Dinas Perikanan"]
