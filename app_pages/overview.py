"""Overview, for executives: six KPI cards against the previous period, their trend, a small funnel,
NPS per stage and one line naming the worst step and the lowest-NPS stage."""

import streamlit as st

import charts
from analytics.story import headline_sentence
from ui.data import query
from ui.filters import current_filters
from ui.i18n import chart_titles, day, decimal, money, number, percent, t, texts
from ui.widgets import chart, demo_banner, empty_state, footer, how_to_read, kpi, stage_labels

filters = current_filters()
titles = chart_titles()
st.title(t("page.overview"))
demo_banner()
if query("customers", filters) == 0:
    empty_state()

# The trend first: on DuckDB its query also computes the customer summary that the KPIs, the funnel and the
# headline then reuse (one pass over the journeys instead of two). The grain control is drawn below.
grain = st.session_state.get("grain") or "month"
trend = query("kpi_trend", filters, grain=grain)
k = query("kpis", filters)
cur, prev = k["current"], k["previous"]
if k["previous_period"]:
    p0, p1 = k["previous_period"]
    st.caption(t("overview.compared", start=day(k["period"][0]), end=day(k["period"][1]),
                 pstart=day(p0), pend=day(p1)))


def change(key: str, kind: str) -> str | None:
    """The delta shown under a card: relative for counts and money, in points for rates and NPS."""
    if prev is None or prev.get(key) is None or cur.get(key) is None:
        return None
    if kind == "count":
        if not prev[key]:
            return None
        rel = (cur[key] - prev[key]) / prev[key]
        return ("+" if rel >= 0 else "") + percent(rel)
    if kind == "rate":
        return decimal(100 * (cur[key] - prev[key]), "+.1f") + " pts"
    return decimal(cur[key] - prev[key], "+.1f") + " pts"


nps_margin = None if cur["nps"] is None else (cur["nps_ci_high"] - cur["nps_ci_low"]) / 2
cards = st.columns(6)
kpi(cards[0], t("kpi.customers"), number(cur["customers"]), None, change("customers", "count"),
    help=t("kpi.customers_help"))
kpi(cards[1], t("kpi.conversion"), percent(cur["conversion_rate"]), cur["customers"],
    change("conversion_rate", "rate"), help=t("kpi.conversion_help"))
kpi(cards[2], t("kpi.nps"), "—" if cur["nps"] is None else f"{cur['nps']:+.0f} ± {nps_margin:.0f}",
    cur["responses"], change("nps", "points"), help=t("kpi.nps_help"))
kpi(cards[3], t("kpi.churn"), percent(cur["churn_rate"]), cur["churn_known"], change("churn_rate", "rate"),
    help=t("kpi.churn_help"), delta_color="inverse")
kpi(cards[4], t("kpi.cross"), percent(cur["cross_share"]), cur["customers"], change("cross_share", "rate"),
    help=t("kpi.cross_help"))
kpi(cards[5], t("kpi.revenue"), money(cur["revenue"]), None, change("revenue", "count"),
    help=t("kpi.revenue_help"))

# -- trends -----------------------------------------------------------------------------------------
st.segmented_control(t("overview.grain"), ["week", "month"], default="month", key="grain",
                     format_func=lambda g: t(f"overview.{g}"))
metrics = [("customers", "kpi.customers"), ("conversion_rate", "kpi.conversion"), ("nps", "kpi.nps"),
           ("churn_rate", "kpi.churn"), ("cross_share", "kpi.cross"), ("revenue", "kpi.revenue")]
for col, (metric, label) in zip(st.columns(6), metrics, strict=True):
    chart(charts.kpi_trend_chart, trend, metric, titles=chart_titles(title=t(label)), small=True, where=col)

# -- funnel and NPS per stage -----------------------------------------------------------------------
left, right = st.columns(2)
labels = stage_labels()
with left:
    st.subheader(t("overview.funnel"))
    chart(charts.funnel_chart, query("funnel_table", filters), labels=labels, titles=titles)
with right:
    st.subheader(t("overview.nps_by_stage"))
    nps_by_stage = query("nps_split_by_stage", filters)
    chart(charts.nps_bars_chart, nps_by_stage, by="stage", labels=labels, titles=titles)

h = query("headline", filters)
sentences = []
if h["worst_step"] or h["not_ranked"]:
    sentences.append(headline_sentence(h, labels, texts()))
if h["lowest_nps_stage"]:
    s = h["lowest_nps_stage"]
    sentences.append(t("overview.lowest_nps", stage=labels[s["stage"]], nps=f"{s['nps']:+.0f}",
                       n=number(s["responses"])))
if sentences:
    st.info(" ".join(sentences), icon=":material/flag:")

how_to_read("overview.how")
footer()
