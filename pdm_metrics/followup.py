"""Tindak lanjut: snapshot differences, per-OPD follow-up lists and messages, email risk, sanctions.

These turn the numbers into names to chase: what BKPSDM sends to each OPD's
staffing section through its WhatsApp group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics.campaign import Campaign
from pdm_metrics.deadlines import Phase
from pdm_metrics.export import spaced_nip
from pdm_metrics.fmt import format_date, format_days_left, format_int, reading_order
from pdm_metrics.plain import whatsapp_text

# ----------------------------------------------------------------------------- Perubahan

PERSON_CHANGE_LABELS = {
    "regressed": "Status kembali Belum",
    "joined": "ASN masuk",
    "left": "ASN keluar",
    "moved_in": "Pindah masuk OPD",
    "moved_out": "Pindah keluar OPD",
}


def diff_labels(campaign: Campaign) -> dict[str, str]:
    """The kinds of change a campaign's Perubahan shows, in its order: each stage newly done
    ("Baru aktivasi"), then who went back, came, left or moved."""
    return {**{s.newly_done_column: f"Baru {s.word}" for s in campaign.stages}, **PERSON_CHANGE_LABELS}


# At national scale one kind of change can name hundreds of thousands of ASN; the page shows the
# first ones (by OPD and name) and the download holds them all.
SHOWN_CHANGES = 5_000


def change_listing(rows: pd.DataFrame) -> pd.DataFrame:
    """store.change_list rows -> the table a user reads, with Indonesian headers."""
    return pd.DataFrame(
        {
            "NIP": rows["nip"],
            "Nama": rows["nama"],
            "OPD sebelumnya": rows["opd_before"].fillna(""),
            "OPD sekarang": rows["opd_after"].fillna(""),
        }
    ).reset_index(drop=True)


# ----------------------------------------------------------------------------- Tindak lanjut per OPD


@dataclass(frozen=True)
class OpdFollowUp:
    opd: str
    total: int
    missing: pd.DataFrame  # Nama, NIP, Email
    message: str


def follow_up_by_opd(
    missing_rows: pd.DataFrame,
    totals: dict[str, int],
    campaign: Campaign,
    phase: Phase,
    snapshot_date: date,
    most_missing_first: bool = True,
) -> list[OpdFollowUp]:
    """Per OPD with anyone missing the phase: the list and a ready-to-send WhatsApp message. OPD
    with the most ASN still missing first (people to chase, not percentages), or in the order of
    the rows (store.roster_rows lists them by unit name)."""
    result = []
    for opd, group in missing_rows.groupby("opd", sort=False):
        people = pd.DataFrame({"Nama": group["nama"], "NIP": group["nip"], "Email": group["email"].fillna("")})
        if _has_unit_level(group):  # SIASN's UNOR (school, puskesmas) inside the OPD: the desk to route to
            people.insert(0, UNIT, group["unit"].fillna(str(opd)).astype(str))
        people = people.reset_index(drop=True)
        total = totals.get(str(opd), len(people))
        result.append(
            OpdFollowUp(
                str(opd), total, people, whatsapp_message(str(opd), people, total, campaign, phase, snapshot_date)
            )
        )
    if most_missing_first:
        result.sort(key=lambda item: -len(item.missing))  # stable: ties keep the reading order
    return result


UNIT = "Unit kerja"


def _has_unit_level(rows: pd.DataFrame) -> bool:
    """Whether the rows carry a unit below their OPD (a mapped SIASN UNOR), not just the OPD again."""
    if "unit" not in rows or rows["unit"].isna().all():
        return False
    return bool((rows["unit"].astype(str) != rows["opd"].astype(str)).any())


def whatsapp_message(
    opd: str, people: pd.DataFrame, total: int, campaign: Campaign, phase: Phase, snapshot_date: date
) -> str:
    """The message for one OPD's group: who has not done the stage, by unit kerja where the rows
    have one (most still to do first), what to do and by when."""
    verb = phase.stage.action
    days_left = phase.days_left(snapshot_date)
    deadline = f"Tenggat {phase.stage.word}: {format_date(phase.end)} ({format_days_left(days_left)})."
    if days_left < 0:
        deadline += f" Tenggat sudah lewat: mohon segera {verb}."
    lines = [
        f"*Tindak lanjut {campaign.short_name} – {whatsapp_text(opd)}*",
        f"Data BKPSDM per {format_date(snapshot_date)}: {format_int(len(people))} dari {format_int(total)} ASN "
        f"belum {verb}.",
        deadline,
        "",
        "Mohon bagian kepegawaian mengingatkan ASN berikut:",
    ]
    if UNIT in people:
        for unit, group in _units_most_first(people):
            lines += ["", f"*{whatsapp_text(unit)}* ({format_int(len(group))} ASN)", *_numbered(group)]
    else:
        lines += _numbered(people)
    closing = [phase.stage.guide, campaign.consequence]
    lines += ["", *(line for line in closing if line), "Terima kasih. – BKPSDM"]
    return "\n".join(lines)


def _units_most_first(people: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The people by unit kerja: the unit with most still to do first, ties in reading order."""
    groups = [(str(unit), group) for unit, group in people.groupby(UNIT, sort=False)]
    groups.sort(key=lambda item: reading_order(item[0]))
    groups.sort(key=lambda item: -len(item[1]))  # stable: ties keep the reading order
    return groups


def _numbered(people: pd.DataFrame) -> list[str]:
    names, nips = people["Nama"].astype(str), people["NIP"].astype(str)
    return [
        f"{i}. {whatsapp_text(n)} – NIP {spaced_nip(p)}"  # a NIP is 18 stored digits, or masked by us
        for i, (n, p) in enumerate(zip(names, nips, strict=True), start=1)
    ]


# ----------------------------------------------------------------------------- Risiko email

PERSONAL_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.id", "ymail.com", "hotmail.com", "outlook.com",
     "live.com", "icloud.com", "rocketmail.com", "aol.com", "mail.com", "yandex.com"}
)  # fmt: skip
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$")
EMAIL_FIX = (
    "Perbarui email melalui admin SAPK di satker (peremajaan data email di SAPK, diproses maksimal 1×24 jam) "
    "atau oleh pegawai lewat pemutakhiran data mandiri di dikbudhr (disinkronkan ke SAPK seminggu sekali)."
)


_OTHER_EMAIL = "Email instansi (EMAIL GOV)"
EMAIL_KINDS = ("Email kosong", "Format email tidak sah", "Email dipakai bersama", "Bukan email instansi")


def email_problem_counts(risks: pd.DataFrame) -> dict[str, int]:
    """How many ASN of the risk table have each kind of email problem (kinds with none left out)."""
    counts = {kind: int(risks["Masalah"].str.startswith(kind).sum()) for kind in EMAIL_KINDS}
    return {kind: count for kind, count in counts.items() if count}


def email_problem(email: str | None, users: int) -> str | None:
    """Why an email is likely to block the token of the campaign's email_token_stage, or None."""
    if email is None or not email.strip():
        return "Email kosong: token tidak dapat dikirim"
    if not _EMAIL.match(email.strip()):
        return "Format email tidak sah"
    if users > 1:
        return f"Email dipakai bersama oleh {format_int(users)} ASN"
    domain = email.strip().lower().rsplit("@", 1)[1]
    if domain in PERSONAL_DOMAINS or not (domain.endswith(".go.id") or domain == "belajar.id"):
        return f"Bukan email instansi ({domain})"
    return None


def email_risks(not_activated: pd.DataFrame, sharing: pd.DataFrame) -> pd.DataFrame:
    """Among ASN not yet activated: those whose email would block the token, with the fix. The
    token went to `email` (SIASN's EMAIL); where the file also has a sound `email_gov` (EMAIL
    GOV), the fix is to register that one in SAPK."""
    users = not_activated["nip"].map(dict(zip(sharing["nip"], sharing["email_users"], strict=True))).fillna(0)
    reasons = [
        email_problem(None if pd.isna(e) else str(e), int(u))
        for e, u in zip(not_activated["email"], users, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "NIP": not_activated["nip"],
            "Nama": not_activated["nama"],
            "OPD": not_activated["opd"],
            "Email": not_activated["email"].fillna(""),
            "Masalah": reasons,
        }
    )
    others = not_activated["email_gov"] if "email_gov" in not_activated else pd.Series(None, index=frame.index)
    has_other = others.notna().any()
    if has_other:
        frame[_OTHER_EMAIL] = others.fillna("").to_numpy()
    kept = frame["Masalah"].notna()
    frame["Cara memperbaiki"] = [_email_fix(str(o)) for o in frame[_OTHER_EMAIL]] if has_other else EMAIL_FIX
    return frame[kept].reset_index(drop=True)


def _email_fix(other: str) -> str:
    """The fix for one ASN: their EMAIL GOV when it would carry the token, else the usual way."""
    if other and email_problem(other, 1) is None:
        return f"Daftarkan email instansi {other} (kolom EMAIL GOV) sebagai email SAPK melalui admin SAPK di satker."
    return EMAIL_FIX


# ----------------------------------------------------------------------------- Sanksi


def count_per_opd(listing: pd.DataFrame) -> pd.DataFrame:
    """ASN of a list per OPD, most first (OPD, Jumlah ASN)."""
    return listing["OPD"].value_counts().rename_axis("OPD").reset_index(name="Jumlah ASN")


def sanction_list(
    missing_rows: pd.DataFrame, campaign: Campaign, phase: Phase, snapshot_date: date
) -> pd.DataFrame | None:
    """After the deadline: who missed the stage, and what befalls them (the campaign's sanction).

    None while the deadline has not passed on the snapshot date.
    """
    if snapshot_date <= phase.end:
        return None
    return pd.DataFrame(
        {
            "NIP": missing_rows["nip"],
            "Nama": missing_rows["nama"],
            "OPD": missing_rows["opd"],
            "Tahap terlewat": phase.stage.label,
            "Tenggat": format_date(phase.end),
            "Akibat": campaign.sanction,
        }
    ).reset_index(drop=True)
