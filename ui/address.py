"""The sidebar's choices in the address (views.links): read once when a session opens, so a
shared address opens the same view, and written back on every run, so the address bar and
"Salin tautan" always hold the view on screen."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from pdm_metrics.plain import md
from pdm_metrics.views import links
from pdm_metrics.views.common import Filters
from ui.cache import CAMPAIGN_CHOICE, campaign_choices, sidebar_choices, sidebar_choices_of

ADDRESS_READ = "address_read"
ADDRESS_NOTICE = "address_notice"
# The stage the view shows: named by the address, or chosen on OPD / Tindak Lanjut (widgets.stage_choice);
# forgotten when the campaign or date changes, since another snapshot opens on its own open stage.
LINKED_STAGE = "linked_stage"
SHOWN_SNAPSHOT = "address_snapshot"


def seed_from_address() -> None:
    """Once per session, before the sidebar's widgets are drawn: the choices the address names."""
    if st.session_state.get(ADDRESS_READ):
        return
    st.session_state[ADDRESS_READ] = True
    params = {name: st.query_params.get_all(name) for name in st.query_params}
    if not params:
        return
    campaigns = campaign_choices()
    units = sidebar_choices_of(campaigns[0].key if campaigns else None).units
    linked = links.read_address(params, campaigns, lambda key: sidebar_choices_of(key).dates, units)
    if linked.campaign:
        st.session_state[CAMPAIGN_CHOICE] = linked.campaign
    if linked.day:
        st.session_state["snapshot"] = linked.day
    if linked.opd_keys:
        st.session_state["opd_filter"] = list(linked.opd_keys)
    if linked.jenis_asn:
        st.session_state["jenis_filter"] = list(linked.jenis_asn)
    if linked.stage:
        st.session_state[LINKED_STAGE] = linked.stage
    if linked.notices:
        st.session_state[ADDRESS_NOTICE] = links.notice_text(linked.notices)


def write_address(filters: Filters, several_campaigns: bool) -> None:
    """The view on screen into the address bar, and a link to copy."""
    campaign = filters.campaign.key if several_campaigns and filters.campaign else None
    names = sidebar_choices().unit_names
    opd_names = [names.get(key, key) for key in filters.opd_keys]
    snapshot = (filters.campaign_key, filters.snapshot_date)
    if st.session_state.get(SHOWN_SNAPSHOT, snapshot) != snapshot:
        st.session_state.pop(LINKED_STAGE, None)
    st.session_state[SHOWN_SNAPSHOT] = snapshot
    stage = st.session_state.get(LINKED_STAGE)
    params = links.address(campaign, filters.snapshot_date, opd_names, filters.jenis_asn, stage)
    if {name: st.query_params.get_all(name) for name in st.query_params} != params:
        st.query_params.from_dict(params)
    if notice := st.session_state.pop(ADDRESS_NOTICE, None):
        st.info(md(notice), icon=":material/link_off:")
    base = st.context.url or ""
    with st.sidebar.expander("Salin tautan", icon=":material/link:"):
        st.caption("Alamat tampilan ini (kampanye, tanggal, OPD, jenis ASN, tahap): salin dan kirim ke rekan.")
        st.code(f"{base}?{urlencode(params, doseq=True)}" if params else base, language=None, wrap_lines=True)
