"""The meeting PDF sent by email (`report --email`) through an SMTP server this test starts on
127.0.0.1: the message, its recipients and its attachment; a failure said plainly, exit 1, the
PDF kept on disk."""

from __future__ import annotations

import email
import shutil
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from pdm_metrics.cli import main
from pdm_metrics.mail import MailError, settings_from


class Inbox:
    """What the SMTP server received: each message as parsed, with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once it is closed


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def mail_env(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    monkeypatch.setenv("PDM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PDM_SMTP_PORT", str(port))
    monkeypatch.setenv("PDM_SMTP_SECURITY", "none")
    monkeypatch.setenv("PDM_SMTP_FROM", "pantau@bkpsdm.example.go.id")
    monkeypatch.setenv("PDM_SMTP_TO", "kepala@bkpsdm.example.go.id, sekretaris@bkpsdm.example.go.id")


def test_report_is_sent_with_its_pdf_attached(
    smtp_server: tuple[Inbox, int],
    sample_db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    inbox, port = smtp_server
    mail_env(monkeypatch, port)
    db, out = tmp_path / "copy.duckdb", tmp_path / "laporan-pdm.pdf"
    shutil.copy(sample_db_path, db)
    assert main(["report", "--db", str(db), "--date", "2021-07-11", "--out", str(out), "--email"]) == 0
    assert '"email": true' in capsys.readouterr().out
    ((recipients, message),) = inbox.messages
    assert recipients == ["kepala@bkpsdm.example.go.id", "sekretaris@bkpsdm.example.go.id"]
    assert message["Subject"] == "Laporan PDM 11 Juli 2021" and message["From"] == "pantau@bkpsdm.example.go.id"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "laporan-pdm.pdf" and attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == out.read_bytes()


def test_a_report_that_cannot_be_sent_says_so_and_stays_on_disk(
    sample_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mail_env(monkeypatch, free_port())
    db, out = tmp_path / "copy.duckdb", tmp_path / "laporan.pdf"
    shutil.copy(sample_db_path, db)
    assert main(["report", "--db", str(db), "--out", str(out), "--email"]) == 1
    said = capsys.readouterr().err
    assert f"Laporan tersimpan di {out}, tetapi tidak terkirim: Server email 127.0.0.1:" in said
    assert "tidak dapat dihubungi" in said and "Traceback" not in said
    assert out.read_bytes().startswith(b"%PDF")


COMPLETE = {"PDM_SMTP_HOST": "m", "PDM_SMTP_FROM": "a@b", "PDM_SMTP_TO": "c@d, e@f"}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "isi PDM_SMTP_HOST, PDM_SMTP_FROM, PDM_SMTP_TO"),
        (
            {"PDM_SMTP_HOST": "m", "PDM_SMTP_FROM": "a@b", "PDM_SMTP_TO": "c@d", "PDM_SMTP_SECURITY": "tls"},
            "bukan 'tls'",
        ),
        ({"PDM_SMTP_HOST": "m", "PDM_SMTP_FROM": "a@b", "PDM_SMTP_TO": "c@d", "PDM_SMTP_PORT": "x"}, "bukan 'x'"),
    ],
)
def test_incomplete_mail_settings_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(MailError, match=message):
        settings_from(environ)
    defaults = settings_from(COMPLETE)
    assert (defaults.port, defaults.security, defaults.recipients) == (587, "starttls", ("c@d", "e@f"))
