"""Satisfaction & churn: NPS by stage and by channel with intervals, promoters / passives /
detractors, CSAT, the measure over time, churn by furthest stage, detractors' churn against others, stage × channel
NPS."""

import pandas as pd
import streamlit as st

import charts
from ui.data import query
from ui.filters import current_filters
from ui.i18n import chart_titles, decimal, p_value, percent, t
from ui.metrics import irritants, report, satisfaction
from ui.widgets import channel_labels, chart, empty_state, footer, how_to_read, kpi, stage_labels, sufficient

filters = current_filters()
titles = chart_titles()
st.title(t("page.satisfaction"))
whole = query(report.report, filters)
if whole["customers"] == 0 and whole["nps"]["responses"] == 0:
    empty_state()

slabels, clabels = stage_labels(), channel_labels()
split = query(satisfaction.nps_split_by_stage, filters)
csat = query(satisfaction.csat_by_stage, filters)
overall = query(irritants.overall_nps, filters)
measure = overall["measure"]  # the sidebar's, else the database's (analytics.measures)
if overall["absent"]:
    st.info(t(f"measure.absent.{overall['absent']}"), icon=":material/info:")


def csat_section() -> None:
    st.subheader(t("satisfaction.csat"))
    if csat["responses"].sum() == 0:
        st.caption(t("satisfaction.no_csat"))
    else:
        chart(charts.csat_chart, csat, labels=slabels, titles=titles)


def nps_section() -> None:
    left, right = st.columns(2)
    with left:
        st.subheader(t("satisfaction.nps_stage"))
        chart(charts.nps_bars_chart, split, by="stage", labels=slabels, titles=titles)
    with right:
        st.subheader(t("satisfaction.nps_channel"))
        by_channel = query(satisfaction.nps_by_channel, filters)
        by_channel = by_channel.assign(channel=by_channel["channel"].fillna("—"))
        names = {**clabels, "—": t("satisfaction.unknown")}
        chart(charts.nps_bars_chart, by_channel, by="channel", labels=names, titles=titles)
    left, right = st.columns(2)
    with left:
        st.subheader(t("satisfaction.split"))
        chart(charts.nps_split_chart, split, labels=slabels, titles=titles)
    with right:
        csat_section()


has_nps = split["responses"].sum() > 0
if measure == "csat":  # the chosen measure first; NPS below only when this selection has some
    csat_section()
    if has_nps:
        nps_section()
else:
    nps_section()

# -- the chosen measure by week or month (options are codes: the same whatever the language) -------------------
st.subheader(t("satisfaction.trend"))
grain = st.segmented_control(t("overview.grain"), ["week", "month"], default="month", key="satisfaction_grain",
                             format_func=lambda g: t(f"overview.{g}")) or "month"  # deselected: the default
chart(charts.satisfaction_trend_chart, query(satisfaction.satisfaction_trend, filters, grain=grain), titles=titles)
st.caption(t("satisfaction.trend_help"))

st.subheader(t("satisfaction.churn"))
left, right = st.columns([3, 2])
with left:
    churn = pd.DataFrame(whole["churn"]["by_stage"])
    churn["position"] = range(1, len(churn) + 1)
    chart(charts.churn_by_stage_chart, churn, labels=slabels, titles=titles)
with right:
    d = query(satisfaction.detractor_churn, filters)
    c1, c2 = st.columns(2)
    kpi(c1, t(f"satisfaction.unhappy.{measure}"), percent(d["detractors"]["rate"]), d["detractors"]["customers"])
    kpi(c2, t("satisfaction.others"), percent(d["others"]["rate"]), d["others"]["customers"])
    # The relative risk only when both groups are large enough; any part may be undefined (no churner
    # among detractors gives RR = 0 with no interval).
    if d["relative_risk"] is not None and sufficient(d["detractors"]["customers"]) and sufficient(
            d["others"]["customers"]):
        p = d["p_value"]
        verdict = t("satisfaction.significant") if p is not None and p < 0.05 else t("satisfaction.not_significant")
        st.caption(t("satisfaction.rr", rr=decimal(d["relative_risk"]), low=decimal(d["rr_ci_low"]),
                     high=decimal(d["rr_ci_high"]), p=p_value(p), verdict=verdict))
    st.caption(t("satisfaction.detractor_definition" if measure == "nps" else "satisfaction.dissatisfied_definition"))

# where satisfaction breaks, stage × channel, on the chosen measure (the NPS grid too when this selection has NPS)
if measure == "csat":
    st.subheader(t("satisfaction.heatmap_csat"))
    chart(charts.csat_heatmap, query(satisfaction.stage_channel_csat, filters), labels={**slabels, **clabels},
          titles=titles)
    st.caption(t("satisfaction.csat_cells"))
    st.page_link("app_pages/irritants.py", label=t("map.all_irritants"), icon=":material/format_list_numbered:")
if has_nps:
    st.subheader(t("satisfaction.heatmap"))
    chart(charts.nps_heatmap, query(satisfaction.stage_channel_nps, filters), labels={**slabels, **clabels},
                                       titles=titles)
    st.caption(t("satisfaction.heatmap_help"))

how_to_read("satisfaction.how")
footer()
