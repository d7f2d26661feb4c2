"""Safe on a network (2): data is never markup (Markdown, Plotly, the PDF, WhatsApp, CSV), and a
masked role sees no full NIP or email in any table."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pdm_metrics import cli, export, store
from pdm_metrics.plain import WORD_JOINER, md, plotly_text, whatsapp_text
from pdm_metrics.views import common, laporan, opd, tindak_lanjut
from tests.hostile_names import HOSTILE_OPD, MARKERS, OUTSIDE, SEPTEMBER, build_hostile_database
from tests.pdm_2021 import ACTIVATION, PDM, UPDATE

# CommonMark with GitHub's autolinks of bare addresses, as Streamlit's renderer reads Markdown.
COMMONMARK = MarkdownIt("commonmark", {"linkify": False}).enable(["strikethrough", "table"])


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80))
def test_md_renders_as_the_text_itself(text: str) -> None:
    rendered = COMMONMARK.render(md(text)).strip()
    body = rendered.removeprefix("<p>").removesuffix("</p>")
    assert "<" not in body.replace("&lt;", "")  # no element at all: no emphasis, link, image, code
    shown = html.unescape(body).replace(WORD_JOINER, "")
    assert shown.split() == md_expected(text).split()  # the same words: spacing is the renderer's


def md_expected(text: str) -> str:
    """What the reader sees: the text on one line, control characters as '?'."""
    one_line = re.sub(r"[\r\n\u2028\u2029]+", " ", text)
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", one_line)


def test_md_breaks_what_streamlit_adds_to_markdown() -> None:
    escaped = md(f":red[MERAH] :material/home: $E=mc^2$ https://{OUTSIDE} www.{OUTSIDE}")
    unescaped = re.sub(r"\\.", "", escaped)  # what is left once every escaped character is taken out
    assert not re.search(r"[:\[\]$/.]", unescaped) and "MERAH" in unescaped
    # GitHub's autolink literals (found after escapes are read) see no address either
    assert not re.search(r"https?://|www\.|\w@\w", re.sub(r"\\(.)", r"\1", escaped))


def test_plotly_text_is_no_html_and_no_latex() -> None:
    shown = plotly_text("<a href='x'>A</a> <b>B</b> <img src=y> $x$ & <br>")
    assert "<" not in shown and ">" not in shown and "$" not in shown
    assert html.unescape(shown) == "<a href='x'>A</a> <b>B</b> <img src=y> $x$ & <br>"


@pytest.mark.parametrize("name", ["*TEBAL*", "_MIRING_", "~CORET~", "```kode```", "> kutipan"])
def test_whatsapp_marks_in_names_are_plain(name: str) -> None:
    assert not set(whatsapp_text(name)) & set("*_~`>")


@pytest.mark.parametrize(
    "name", [f"https://{OUTSIDE}/x", f"http://{OUTSIDE}", f"www.{OUTSIDE}", f"budi@{OUTSIDE}", f"{OUTSIDE}/x"]
)
def test_whatsapp_text_links_nothing(name: str) -> None:
    shown = whatsapp_text(f"Nama {name} Santoso")
    assert OUTSIDE not in shown and "://" not in shown and shown.startswith("Nama ") and shown.endswith(" Santoso")


def test_whatsapp_text_keeps_ordinary_names() -> None:
    assert whatsapp_text("Dinas P.U. dan Penataan Ruang") == "Dinas P.U. dan Penataan Ruang"


# ----------------------------------------------------------------------------- a hostile database


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[store.Connection]:
    folder = tmp_path_factory.mktemp("hostile")
    con = store.connect(build_hostile_database(folder / "hostile.duckdb", folder))
    yield con
    con.close()


def test_the_pdf_builds_with_hostile_names(hostile: store.Connection) -> None:
    day, pdf = laporan.report_pdf(hostile, common.calendar_in_force(hostile, PDM), common.Filters(SEPTEMBER), SEPTEMBER)
    assert day == SEPTEMBER and pdf.startswith(b"%PDF")


def test_charts_carry_names_as_text(hostile: store.Connection) -> None:
    calendar = common.calendar_in_force(hostile, PDM)
    for metric in PDM.stages:
        view = opd.opd_overview(hostile, common.Filters(SEPTEMBER), metric, "opd", False)
        assert view is not None
        for figure in (view.ranking, view.heatmap):
            texts = _figure_texts(figure.to_plotly_json())
            assert texts and not [t for t in texts if re.search(r"<(a|img|b|i)\b|\$", t)]
    key = str(store.opd_choices(hostile)["opd_key"].iloc[0])
    detail = opd.opd_detail(hostile, calendar, common.Filters(SEPTEMBER), key)
    assert not re.search(r"<(a|img)\b|\$", str(detail.figure.layout.title.text))


def _figure_texts(node: object) -> list[str]:
    """Every text a figure draws: titles, tick and hover texts, annotations, category names."""
    found: list[str] = []
    if isinstance(node, dict):
        for value in node.values():
            found += _figure_texts(value)
    elif isinstance(node, list | tuple):
        for value in node:
            found += _figure_texts(value)
    elif isinstance(node, str) and any(marker in node for marker in MARKERS):
        found.append(node)
    return found


def test_whatsapp_messages_take_no_markup_from_names(hostile: store.Connection) -> None:
    view = tindak_lanjut.follow_up(hostile, common.calendar_in_force(hostile, PDM), common.Filters(SEPTEMBER), UPDATE)
    assert view is not None and view.opds
    for item in view.opds:
        first, *rest = item.message.splitlines()
        assert first.startswith("*Tindak lanjut") and first.endswith("*")  # our own heading, bold
        assert first[1:-1].count("*") == 0 and "_" not in first
        body = "\n".join(rest)
        assert not set(body) & set("_~`") and OUTSIDE not in body
        assert not [line for line in rest if "*" in line.split(" – NIP ")[0]]  # masked NIP keep their stars


def test_command_line_csv_disarms_formulas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = build_hostile_database(tmp_path / "hostile.duckdb", tmp_path)
    for command in (["rates", "--by", "opd"], ["diff", "--from", "2021-07-11", "--to", "2021-09-20"]):
        capsys.readouterr()
        assert cli.main([*command, "--db", str(path)]) == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        opds = [row["opd"] for row in rows if row["opd"]]
        assert "'@SUM(1+1) Bagian RUMUS" in opds
        assert not [name for name in opds if name[0] in "=+-@"]


def test_a_masked_role_sees_no_full_nip_or_email_in_email_risk(hostile: store.Connection) -> None:
    risks = tindak_lanjut.email_risk(hostile, ACTIVATION, common.Filters(SEPTEMBER, masked=True)).risks
    assert not risks.empty and "Email instansi (EMAIL GOV)" in risks
    assert_masked(risks)
    shown = tindak_lanjut.email_risk(hostile, ACTIVATION, common.Filters(SEPTEMBER, masked=False)).risks
    assert shown["Email instansi (EMAIL GOV)"].str.fullmatch(r"\d{18}@tanjabbarkab\.go\.id").all()


FULL_NIP = re.compile(r"(?<!\d)\d{8} ?\d{6} ?\d ?\d{3}(?!\d)")
FULL_EMAIL = re.compile(r"[\w.%+-]{2,}@[\w-]+\.")


def assert_masked(frame: pd.DataFrame) -> None:
    text = frame.astype(str).to_csv(index=False)
    assert not FULL_NIP.search(text) and not FULL_EMAIL.search(text), text[:400]


def test_mask_personal_reaches_every_column() -> None:
    frame = pd.DataFrame(
        {
            "NIP": ["199001012020121001"],
            "NIP lama": ["199001012020121001"],
            "Email": ["budi.santoso@gmail.com"],
            "Email instansi (EMAIL GOV)": ["199001012020121001@tanjabbarkab.go.id"],
            "Cara memperbaiki": ["Daftarkan 199001012020121001@tanjabbarkab.go.id; NIP 19900101 202012 1 001"],
            "Jumlah": [3],
        }
    )
    masked = export.mask_personal(frame)
    assert_masked(masked)
    assert masked["Email"].iloc[0] == "b***@gmail.com" and masked["Jumlah"].iloc[0] == 3
    assert masked["Cara memperbaiki"].iloc[0] == "Daftarkan 1***@tanjabbarkab.go.id; NIP 19900101********01"


def test_hostile_opd_are_stored_as_written(hostile: store.Connection) -> None:
    assert set(HOSTILE_OPD) <= set(store.opd_choices(hostile)["opd"])
