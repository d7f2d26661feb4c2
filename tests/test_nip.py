from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pdm_metrics.nip import clean_nip, nip_error, nip_kind, nip_structure_warning, parse_nip
from pdm_metrics.roster import roster_from_frame
from pdm_metrics.schema import JenisAsn
from tests.pdm_2021 import PDM

digits18 = st.text(alphabet="0123456789", min_size=18, max_size=18)


@given(digits18, st.sampled_from(["", "'"]), st.lists(st.sampled_from([" ", "."]), max_size=4))
def test_clean_nip_removes_apostrophe_spaces_and_dots(nip: str, prefix: str, noise: list[str]) -> None:
    spaced = prefix + "".join(d + (noise[i % len(noise)] if noise and i % 5 == 4 else "") for i, d in enumerate(nip))
    assert clean_nip(spaced) == nip
    assert nip_error(spaced) is None


@given(st.text(alphabet="0123456789", min_size=1, max_size=30).filter(lambda s: len(s) != 18))
def test_wrong_length_is_an_error_naming_the_length(nip: str) -> None:
    assert nip_error(nip) == f"NIP harus 18 digit (terbaca {len(nip)} digit)"


@given(st.text(min_size=1).filter(lambda s: any(c.isalpha() for c in s) and "e" not in s.lower()))
def test_letters_are_an_error(text: str) -> None:
    assert nip_error(text) is not None


@pytest.mark.parametrize("text", ["1,99001E+17", "1.99001012020121e17", "1,99E+17", "'1.99001E+17"])
def test_scientific_notation_is_rejected_with_advice(text: str) -> None:
    error = nip_error(text)
    assert error is not None and "Teks" in error


def test_pns_and_pppk_are_told_apart_by_digits_13_14() -> None:
    assert nip_kind("199001012020121001") is JenisAsn.PNS
    assert nip_kind("199203152021211003") is JenisAsn.PPPK
    info = parse_nip("198512312010012002")
    assert info.gender == "P" and info.birth_date is not None and info.birth_date.year == 1985


def test_structure_warnings() -> None:
    assert nip_structure_warning("199001012020121001") is None
    assert nip_structure_warning("199203152021211003") is None  # PPPK is valid
    assert "tanggal lahir" in (nip_structure_warning("199013452020121001") or "")
    assert "jenis kelamin" in (nip_structure_warning("199001012020123001") or "")
    assert "pengangkatan" in (nip_structure_warning("199001011995121001") or "")


@given(
    st.dates(min_value=pd.Timestamp("1950-01-01").date(), max_value=pd.Timestamp("2000-12-31").date()),
    st.integers(0, 14),
    st.integers(1, 12),
    st.sampled_from("12"),
    st.integers(1, 999),
)
def test_any_well_formed_pns_nip_has_no_warning(birth, years_after, month, gender, seq) -> None:  # type: ignore[no-untyped-def]
    start = min(birth.year + 18 + years_after, 2035)
    nip = f"{birth:%Y%m%d}{start}{month:02d}{gender}{seq:03d}"
    assert nip_error(nip) is None
    assert nip_structure_warning(nip) is None
    assert nip_kind(nip) is JenisAsn.PNS


@settings(max_examples=40, deadline=None)
@example(
    [
        "199001012020121001",  # valid PNS
        "199203152021211003",  # valid PPPK
        "199013452020121001",  # no such birth date
        "193001012020121001",  # born before 1940
        "199001012040121001",  # appointed after 2035
        "199001011995121001",  # appointed before 15
        "199001012004121001",  # appointed at 14, the edge
        "199001012020123001",  # gender digit 3
        "199001012020121000",  # PNS sequence 000
        "000001012020121001",  # year 0
    ]
)
@given(st.lists(st.text(alphabet="0123456789", min_size=18, max_size=18), min_size=1, max_size=30, unique=True))
def test_file_checks_give_the_same_structure_warning_as_one_nip(nips: list[str]) -> None:
    """The SQL over a whole file and the Python for one NIP apply the same rules."""
    raw = pd.DataFrame({"nip": nips, "nama": "A", "opd": "Dinas A", "status_1": "Sudah"})
    problems = roster_from_frame(raw, dt.date(2021, 7, 11), "contoh.csv", "", PDM).problems
    from_file = dict(zip(problems["value"], problems["reason"], strict=True))
    assert from_file == {nip: w for nip in nips if (w := nip_structure_warning(nip)) is not None}
