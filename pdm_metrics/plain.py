"""Data is never markup: text from a file (an OPD, a unit, a name, a letter number, a header) made
plain for each place it is shown.

- `md`: Markdown as Streamlit renders it (st.info/warning/markdown/caption, widget labels, help
  texts, expander titles). Every ASCII punctuation mark is escaped with a backslash, which
  CommonMark defines as the literal character: no emphasis, link, image, LaTeX (`$`), colour or
  icon directive (`:red[…]`, `:material/…:`) or HTML can come from data; a bare address gets an
  invisible word joiner so that GitHub's autolinks do not take it for one.
- `plotly_text`: Plotly's HTML subset (hover, ticks, annotations, legends): `<`, `>`, `&` and
  `$` as entities, so `<a href>`, `<b>`, `<img>` and MathJax stay text.
- `whatsapp_text`: WhatsApp's own marks (`*bold*`, `_italic_`, `~strike~`, `` `mono` ``) and
  links: the marks become look-alike characters, a web or mail address loses its dots (`evil․com`),
  so a name never formats the message nor becomes a link in it.
- matplotlib (the PDF's charts) is told not to parse mathtext (`report.py`, `text.parse_math`).
"""

from __future__ import annotations

import html
import re

from pdm_metrics.fmt import printable

_ASCII_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


# GitHub's autolinks of bare addresses are found in the text after the escapes are read, so an
# escape does not stop them: an invisible WORD JOINER inside "https://", "www." and before "@"
# does (the address reads the same, and is no longer one).
_AUTOLINKED = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=ftp)(?=:)|(?<=mailto)(?=:)|(?<=www)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """`text` shown literally in Streamlit Markdown: on one line, control characters as '?',
    every punctuation mark escaped, no address turned into a link."""
    plain = _AUTOLINKED.sub(WORD_JOINER, printable(_LINE_BREAKS.sub(" ", str(text))))
    return _ASCII_PUNCTUATION.sub(r"\\\1", plain)


def plotly_text(text: object) -> str:
    """`text` shown literally by Plotly (which reads a small HTML subset and `$…$` as LaTeX)."""
    return html.escape(printable(text), quote=False).replace("$", "&#36;")


# WhatsApp's formatting marks, each replaced by a look-alike that it does not read as one.
_WHATSAPP_MARKS = str.maketrans({"*": "∗", "_": "‗", "~": "∼", "`": "ˋ", ">": "›"})
# An address WhatsApp would turn into a link: a scheme, an email, or a dotted name ending in a TLD.
_LINKABLE = re.compile(
    r"(?i)\b(?:[a-z][a-z0-9+.-]*://\S+|[^\s@]+@[^\s@]+\.[a-z]{2,}|(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?)"
)


def whatsapp_text(text: object) -> str:
    """`text` (a name, an OPD) placed in a WhatsApp message without formatting it or linking."""
    plain = printable(_LINE_BREAKS.sub(" ", str(text))).translate(_WHATSAPP_MARKS)
    return _LINKABLE.sub(lambda m: m.group(0).replace(".", "․").replace(":", "∶"), plain)
