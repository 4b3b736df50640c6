"""Channels (crossover): mono / multi / cross-channel journeys, channel transitions, the flow of the
channel on which each stage is first reached, digitalisation per stage, ROPO and showrooming."""

import streamlit as st

import charts
from ui.constants import MIN_N
from ui.data import query
from ui.filters import current_filters
from ui.i18n import chart_titles, number, percent, t
from ui.metrics import channels, metrics
from ui.widgets import (
    channel_codes,
    channel_labels,
    chart,
    downloads,
    empty_state,
    footer,
    how_to_read,
    kpi,
    plain,
    stage_codes,
    stage_labels,
)

filters = current_filters()
titles = chart_titles()
st.title(t("page.channels"))
all_customers = query(metrics.customers, filters)
if all_customers == 0:
    empty_state()

slabels, clabels, codes = stage_labels(), channel_labels(), channel_codes()
SHOWN_SOURCES = 5  # the most used source systems named in the sentence

# -- mono / multi / cross -----------------------------------------------------------------------------
st.subheader(t("channels.mix"))
mix = query(channels.mix_outcomes, filters)
left, right = st.columns([2, 3])
with left:
    chart(charts.mix_chart, mix, titles=titles)
    st.caption(t("channels.mix_definition"))
with right:
    table = mix.assign(
        mix=mix["mix"].map(lambda m: t(f"channels.{m}")),
        customers=mix["customers"].map(number),
        share=mix["share"].map(percent),
        compared=mix["compared"].map(number),
        # compared among customers seen at two stages or more (a cross-channel journey needs two)
        conversion_rate=[percent(r) if n >= 30 else t("insufficient", n=30)
                         for r, n in zip(mix["conversion_rate"], mix["compared"], strict=True)],
        nps=[f"{v:+.0f}" if r >= 30 and v is not None else t("insufficient", n=30)
             for v, r in zip(mix["nps"], mix["responses"], strict=True)],
    )[["mix", "customers", "share", "compared", "conversion_rate", "nps", "responses"]]
    table.columns = [t("channels.col.mix"), t("kpi.customers"), t("channels.col.share"), t("channels.col.compared"),
                     t("kpi.conversion"), t("kpi.nps"), t("channels.col.responses")]
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(t("channels.compared", n=number(int(mix["compared"].sum()))))
    no_journey = all_customers - int(mix["customers"].sum())
    if no_journey > 0:
        st.caption(t("channels.no_journey_channel", n=number(no_journey)))
    downloads(mix, "channel_mix")

# -- journeys across source systems (when touchpoints say theirs): one sentence, no value below MIN_N customers ------
systems = query(channels.source_systems, filters)
if systems["customers"] >= MIN_N:
    names = [s["source"] for s in systems["sources"]]
    shown = ", ".join(names[:SHOWN_SOURCES]) + (", …" if len(names) > SHOWN_SOURCES else "")
    st.markdown(t("channels.sources", share=percent(systems["share"], 0), sources=plain(shown),
                  spanning=number(systems["spanning"]), customers=number(systems["customers"])))
elif systems["customers"] > 0:
    st.caption(t("channels.sources_too_few", n=number(systems["customers"]), min=MIN_N))

# -- ROPO and showrooming -----------------------------------------------------------------------------
ropo = query(channels.ropo_showrooming, filters)
c1, c2, c3 = st.columns(3)
kpi(c1, t("channels.ropo"), percent(ropo["ropo_rate"]), ropo["converted"], help=t("channels.ropo_help"))
kpi(c2, t("channels.showrooming"), percent(ropo["showrooming_rate"]), ropo["converted"],
    help=t("channels.showrooming_help"))
c3.caption(t("channels.ropo_interval",
             ropo=f"{percent(ropo['ropo_ci_low'])} – {percent(ropo['ropo_ci_high'])}",
             show=f"{percent(ropo['showrooming_ci_low'])} – {percent(ropo['showrooming_ci_high'])}"))

# -- transitions and flows -----------------------------------------------------------------------------
st.subheader(t("channels.transitions"))
transitions = query(channels.transition_matrix, filters)
chart(charts.transition_heatmap, transitions, labels=clabels, titles=titles)
st.caption(t("channels.transitions_help"))

st.subheader(t("channels.flows"))
chart(charts.flow_chart, query(channels.stage_flows, filters), stage_order=stage_codes(),
                                  labels={**slabels, **clabels}, channel_codes=codes, titles=titles)
st.caption(t("channels.flows_help"))

st.subheader(t("channels.digital"))
chart(charts.digital_share_chart, query(channels.digital_share_by_stage, filters), labels=slabels, titles=titles)

how_to_read("channels.how")
footer()
