"""Profil dari NIP: rates by age group, gender, years of service and PNS/PPPK.

Everything is read from the NIP itself (birth date, appointment year, gender digit),
so it works for any roster, to show where assistance (pendampingan) is needed.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pdm_metrics.campaign import Stage
from pdm_metrics.fmt import format_int, format_pct
from pdm_metrics.metrics import rate_pct

AGE_BINS = ((0, 29, "di bawah 30 tahun"), (30, 39, "30–39 tahun"), (40, 49, "40–49 tahun"),
            (50, 54, "50–54 tahun"), (55, 200, "55 tahun ke atas"))  # fmt: skip
SERVICE_BINS = ((-100, 4, "kurang dari 5 tahun"), (5, 14, "5–14 tahun"), (15, 24, "15–24 tahun"),
                (25, 200, "25 tahun ke atas"))  # fmt: skip
GENDERS = {"1": "Laki-laki", "2": "Perempuan"}
DIMENSIONS = {
    "age": "Kelompok umur",
    "gender": "Jenis kelamin",
    "service": "Masa kerja",
    "jenis_asn": "Jenis ASN",
}


def _bin(values: pd.Series, bins: tuple[tuple[int, int, str], ...]) -> pd.Series:
    labels = pd.Series("tidak terbaca", index=values.index, dtype=object)
    for low, high, label in bins:
        labels[values.between(low, high)] = label
    return labels


def profile_groups(counts: pd.DataFrame, snapshot_date: date, available: dict[Stage, bool]) -> dict[str, pd.DataFrame]:
    """store.nip_profile_counts -> one display table per dimension (rows in natural order).

    A status the snapshot's file did not carry reads 'tidak tersedia', never 0 %.
    """
    frame = counts.copy()
    year = snapshot_date.year
    frame["age"] = _bin(year - frame["birth_year"].astype("Int64").fillna(-1000), AGE_BINS)
    frame["gender"] = frame["gender_digit"].map(GENDERS).fillna("tidak terbaca")
    frame["service"] = _bin(year - frame["start_year"].astype("Int64").fillna(10_000), SERVICE_BINS)
    orders = {
        "age": [b[2] for b in AGE_BINS],
        "gender": list(GENDERS.values()),
        "service": [b[2] for b in SERVICE_BINS],
        "jenis_asn": ["PNS", "PPPK"],
    }
    result = {}
    for dimension, label in DIMENSIONS.items():
        grouped = frame.groupby(dimension)[["total", *(s.done_column for s in available)]].sum()
        order = [g for g in orders[dimension] if g in grouped.index] + [
            g for g in grouped.index if g not in orders[dimension]
        ]
        grouped = grouped.reindex(order)
        table = pd.DataFrame({label: grouped.index, "Jumlah ASN": [format_int(int(t)) for t in grouped["total"]]})
        for stage in available:  # the campaign's stages, in its order
            rates = [
                rate_pct(int(c) if available[stage] else None, int(t))
                for c, t in zip(grouped[stage.done_column], grouped["total"], strict=True)
            ]
            table[stage.label] = [format_pct(r) for r in rates]
            table[f"{stage.label} (angka)"] = [None if r is None else float(r) for r in rates]
        result[dimension] = table.reset_index(drop=True)
    return result
