"""PDM 2021, the campaign most tests are about: its definition as shipped and its three stages."""

from pdm_metrics.campaign import PDM_2021, shipped_campaign
from pdm_metrics.deadlines import Calendar, load_calendar

PDM = shipped_campaign(PDM_2021)
ACTIVATION, UPDATE, VERIFICATION = PDM.stages  # aktivasi, pdm, verifikasi: the definition's order


def pdm_calendar() -> Calendar:
    return load_calendar(PDM)
