"""Two campaigns in one database, in a real browser at 1366 px and on a 390 px phone: the
sidebar's Kampanye switches every page, each speaks its own stages, and no PDM word appears
on the SKP campaign."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from pdm_metrics import store
from pdm_metrics.campaign import shipped_campaign
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import read_roster
from tests.browser.conftest import _serve
from tests.browser.test_flows import choose, close_sidebar, main_text, new_page, open_page, open_sidebar
from tests.conftest import load_sample_as_real_data
from tests.files import xlsx_bytes
from tests.test_campaign_engine import PDM_WORDS

pytestmark = pytest.mark.browser
SKP = shipped_campaign("skp-2024")
SKP_DAYS = (dt.date(2024, 12, 20), dt.date(2025, 1, 15))  # halfway, and after the 10 January deadline
PDM_NAME = shipped_campaign("pdm-2021").name


def skp_file(people: list[tuple[str, str, str]], day: dt.date, share: float, seed: int) -> bytes:
    """The SKP status of every ASN of the sample on `day`: `share` of them uploaded, each on a
    day of the window up to `day`."""
    pick = random.Random(seed)
    rows: list[list[str]] = [["NIP", "NAMA", "UNIT KERJA", "STATUS SKP", "TANGGAL UNGGAH"]]
    window = (min(day, SKP.stages[0].end or day) - SKP.stages[0].start).days
    for nip, name, opd in people:
        done = pick.random() < share
        on = SKP.stages[0].start + dt.timedelta(days=pick.randint(0, window))
        rows.append([nip, name, opd, "Sudah" if done else "Belum", on.strftime("%d/%m/%Y") if done else ""])
    return xlsx_bytes(rows)


@pytest.fixture(scope="module")
def two_campaign_url(sample_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("kampanye")
    con = store.connect(folder / "app.duckdb")
    load_sample_as_real_data(con)  # PDM 2021: 16 snapshots of 3.923 ASN
    latest = store.roster_rows(con, store.snapshot_dates(con)[-1])
    people = list(zip(latest["nip"], latest["nama"], latest["opd"], strict=True))
    for day, share, seed in ((SKP_DAYS[0], 0.55, 1), (SKP_DAYS[1], 0.93, 2)):
        roster = read_roster(skp_file(people, day, share, seed), f"skp_{day:%Y%m%d}.xlsx", day, SKP)
        ingest_roster(con, roster)
        roster.checks.close()
    con.close()
    yield from _serve(sample_db_path, folder, secrets=None)


def widest_element(page) -> int:  # type: ignore[no-untyped-def]
    """The right edge, in px, of the furthest element of the page (wider than the viewport: sideways scrolling)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


@pytest.mark.parametrize(("width", "suffix"), [(1366, ""), (390, "-ponsel")])
def test_kampanye_switches_every_page_between_pdm_2021_and_skp(  # type: ignore[no-untyped-def]
    browser, two_campaign_url: str, screenshot_dir: Path, width: int, suffix: str
) -> None:
    context, page = new_page(browser, width, 900)
    open_page(page, two_campaign_url)
    # The newest snapshot is SKP's: the dashboard opens on it.
    page.screenshot(path=str(screenshot_dir / f"kampanye-skp{suffix}.png"), full_page=width < 1000)
    text = main_text(page)
    assert "Unggah SKP" in text and "3.667 dari 3.923" in text, text
    assert not PDM_WORDS.search(text), PDM_WORDS.search(text)
    assert widest_element(page) <= width
    open_sidebar(page)
    choose(page, "Kampanye", PDM_NAME)
    if width < 1000:
        close_sidebar(page)
    text = main_text(page)
    assert "Aktivasi" in text and "Verifikasi" in text and "3.923" in text and "Unggah SKP" not in text
    page.screenshot(path=str(screenshot_dir / f"kampanye-pdm{suffix}.png"), full_page=width < 1000)
    open_sidebar(page)
    choose(page, "Kampanye", SKP.name)
    for label in ("Tren & Tenggat", "OPD", "Tindak Lanjut", "Data & Unduh"):
        open_sidebar(page)
        open_page(page, two_campaign_url, label)
        text = main_text(page)
        assert not PDM_WORDS.search(text), (label, PDM_WORDS.search(text), text[:300])
        assert "SKP" in text, label
    context.close()
