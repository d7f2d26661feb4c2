"""Sending the meeting PDF by email (`report --email`), so the head receives it without opening
the dashboard. The SMTP settings come from the environment (a systemd unit's Environment= or an
EnvironmentFile only root can read):

    PDM_SMTP_HOST       mail server (required)
    PDM_SMTP_PORT       bawaan 587 (465 for ssl, 25 for none)
    PDM_SMTP_SECURITY   starttls (bawaan) | ssl | none
    PDM_SMTP_USER, PDM_SMTP_PASSWORD   login, when the server asks for one
    PDM_SMTP_FROM       sender address (required)
    PDM_SMTP_TO         recipients, separated by commas (required)

A failure is a MailError saying what failed in Indonesian; the PDF stays where it was written.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pdm_metrics.errors import PdmError
from pdm_metrics.fmt import excerpt

SECURITIES = {"starttls": 587, "ssl": 465, "none": 25}
TIMEOUT_SECONDS = 60


class MailError(PdmError):
    """The report could not be sent (settings missing or wrong, server refused or unreachable)."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    security: str
    user: str
    password: str
    sender: str
    recipients: tuple[str, ...]


def settings_from(environ: Mapping[str, str] = os.environ) -> MailSettings:
    """The SMTP settings of the environment; MailError naming what is missing or wrong."""
    missing = [name for name in ("PDM_SMTP_HOST", "PDM_SMTP_FROM", "PDM_SMTP_TO") if not environ.get(name, "").strip()]
    if missing:
        raise MailError(f"Pengaturan email belum lengkap: isi {', '.join(missing)} (lihat docs/deployment.md).")
    security = environ.get("PDM_SMTP_SECURITY", "starttls").strip().lower()
    if security not in SECURITIES:
        raise MailError(f"PDM_SMTP_SECURITY harus starttls, ssl atau none, bukan '{excerpt(security)}'.")
    port_text = environ.get("PDM_SMTP_PORT", "").strip() or str(SECURITIES[security])
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise MailError(f"PDM_SMTP_PORT harus nomor port 1–65535, bukan '{excerpt(port_text)}'.")
    recipients = tuple(r.strip() for r in environ["PDM_SMTP_TO"].split(",") if r.strip())
    return MailSettings(
        environ["PDM_SMTP_HOST"].strip(),
        int(port_text),
        security,
        environ.get("PDM_SMTP_USER", ""),
        environ.get("PDM_SMTP_PASSWORD", ""),
        environ["PDM_SMTP_FROM"].strip(),
        recipients,
    )


def report_message(settings: MailSettings, pdf: bytes, file_name: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, settings.sender, ", ".join(settings.recipients)
    message["Date"], message["Message-ID"] = formatdate(localtime=True), make_msgid(domain="pantau-pdm")
    message.set_content(body)
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=file_name)
    return message


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server; MailError in Indonesian when it cannot be."""
    where = f"{settings.host}:{settings.port}"
    try:
        if settings.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
        with server:
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                server.login(settings.user, settings.password)
            server.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"Server email {where} menolak login {excerpt(settings.user)}: periksa PDM_SMTP_USER dan PDM_SMTP_PASSWORD."
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"Server email {where} menolak penerima: {excerpt(', '.join(exc.recipients), 200)}.") from exc
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise MailError(f"Server email {where} menolak pengiriman: {excerpt(exc, 200)}.") from exc
    except OSError as exc:
        raise MailError(f"Server email {where} tidak dapat dihubungi ({excerpt(exc, 120)}).") from exc


def mail_report(pdf: bytes, file_name: str, subject: str, body: str, environ: Mapping[str, str] = os.environ) -> int:
    """Send a written report to the environment's recipients; how many it went to."""
    settings = settings_from(environ)
    send(settings, report_message(settings, pdf, file_name, subject, body))
    return len(settings.recipients)
