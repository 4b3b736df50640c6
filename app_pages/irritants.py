"""Irritants and points of delight: every stage × channel cell with enough responses, tested against the rest,
ranked by a priority score an executive can follow in words."""

import streamlit as st

import charts
from ui.auth import is_admin
from ui.data import query
from ui.filters import current_filters
from ui.i18n import chart_titles, decimal, number, percent, t
from ui.metrics import exports, irritants, metrics
from ui.widgets import (
    channel_labels,
    chart,
    downloads,
    empty_state,
    footer,
    how_to_read,
    irritant_reason,
    kpi,
    stage_labels,
)

filters = current_filters()
st.title(t("page.irritants"))
st.caption(t("irritants.intro"))
if query(metrics.customers, filters) == 0:
    empty_state()

ranked = query(irritants.irritants, filters)
labels = {**stage_labels(), **channel_labels(), "—": t("satisfaction.unknown")}
overall = query(irritants.overall_nps, filters)
measure = overall["measure"]  # NPS or CSAT (analytics.measures): the sidebar's, else the database's
if overall["absent"]:
    st.info(t(f"measure.absent.{overall['absent']}"), icon=":material/info:")
csat = measure == "csat"
c1, c2, c3, c4 = st.columns(4)
kpi(c1, t("irritants.count_irritants"), number(int((ranked["kind"] == "irritant").sum())), None)
kpi(c2, t("irritants.count_delights"), number(int((ranked["kind"] == "delight").sum())), None)
kpi(c3, t("irritants.count_cells"), number(len(ranked)), None)
kpi(c4, t(f"irritants.overall.{measure}"), decimal(overall["value"], ".2f" if csat else "+.0f"),
    overall["respondents"])
st.markdown(t(f"irritants.formula.{measure}"))

if ranked.empty:
    st.info(t("irritants.none"), icon=":material/info:")
else:
    chart(charts.irritants_chart, ranked, labels=labels, titles=chart_titles())
    st.subheader(t("irritants.ranking"))

    def cell(row) -> str:
        return f"{labels.get(row['stage'], row['stage'])} · {labels.get(row['channel'] or '—', row['channel'])}"

    spec = ".2f" if csat else "+.0f"

    def interval(row) -> str:
        return f"{decimal(row['value'], spec)} [{decimal(row['ci_low'], spec)} ; {decimal(row['ci_high'], spec)}]"

    shown = ranked.assign(
        cell=[cell(r) for r in ranked.to_dict("records")],
        kind=[t(f"irritants.kind.{k}") for k in ranked["kind"]],
        customers=ranked["customers"].map(number),
        respondents=ranked["respondents"].map(number),
        value=[interval(r) for r in ranked.to_dict("records")],
        unhappy_share=ranked["unhappy_share"].map(percent),
        drop_off=ranked["drop_off"].map(percent),
        churn=[f"{percent(a)} / {percent(b)}" for a, b in zip(ranked["unhappy_churn"], ranked["other_churn"],
                                                               strict=True)],
        score=[decimal(v, "+,.0f") for v in ranked["score"]],
        raw_score=[decimal(v, "+,.0f") for v in ranked["raw_score"]],
        reason=[irritant_reason(r) for r in ranked.to_dict("records")],
    )[["rank", "cell", "kind", "score", "raw_score", "customers", "respondents", "value", "unhappy_share", "drop_off",
       "churn", "reason"]]
    shown.columns = [t(f"irritants.col.{c}") for c in (
        "rank", "cell", "kind", "score", "raw_score", "customers", "respondents", f"value.{measure}",
        f"unhappy.{measure}", "drop_off", f"churn.{measure}", "reason")]
    if not (ranked["tau2"] > 0).any():  # nothing to shrink with: the raw gap ranks, and the page says so
        st.caption(t("irritants.no_shrinkage"))
    st.dataframe(shown, hide_index=True, width="stretch")
    downloads(ranked, "irritants")

    # closing the loop (issue 16): a ranked cell's unhappy customers (their latest answer there), for a call-back
    # team; ids, answers and comments leave the app in these files, so admins only (everyone in open mode)
    st.subheader(t("irritants.callback.title"))
    if not is_admin():
        st.caption(t("irritants.callback.admins_only"))
    else:
        cells = {(r["stage"], r["channel"]): r for r in ranked.to_dict("records")}
        picked = st.selectbox(t("irritants.col.cell"), list(cells), index=None, key="callback_cell",
                              format_func=lambda c: f"{cells[c]['rank']}. {cell(cells[c])}",
                              placeholder=t("irritants.callback.pick"))
        if picked in cells:  # None until a cell is picked
            stage, channel = picked
            unhappy = query(exports.unhappy_customers, filters, stage=stage, channel=channel)
            st.caption(t(f"irritants.callback.count.{measure}", n=number(len(unhappy))))
            who = "detractors" if measure == "nps" else "dissatisfied"
            downloads(unhappy, f"{who}_{stage}_{channel or 'unknown_channel'}")
st.caption(t("irritants.cli"))

how_to_read("irritants.how")
footer()
