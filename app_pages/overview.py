"""Overview, for executives: six KPI cards against the previous period, their trend, a small funnel,
NPS per stage and one line naming the worst step and the lowest-NPS stage."""

import streamlit as st

import charts
from story import headline_sentence
from ui.data import query
from ui.filters import current_filters
from ui.i18n import chart_titles, day, decimal, money, number, p_value, percent, t, texts
from ui.metrics import funnel, metrics, overview, satisfaction
from ui.widgets import MIN_N, chart, demo_banner, empty_state, footer, how_to_read, kpi, stage_labels

filters = current_filters()
titles = chart_titles()
st.title(t("page.overview"))
demo_banner()
if query(metrics.customers, filters) == 0:
    empty_state()

# The trend first: on DuckDB its query also computes the customer summary that the KPIs, the funnel and the
# headline then reuse (one pass over the journeys instead of two). The grain control is drawn below.
grain = st.session_state.get("grain") or "month"
trend = query(overview.kpi_trend, filters, grain=grain)
k = query(overview.kpis, filters, compare=st.session_state.get("compare", "previous"))
cur, comparison = k["current"], k["comparison"]
deltas = comparison["deltas"]
if comparison["status"] == "ok":
    p0, p1 = k["previous_period"]
    st.caption(t("overview.compared", start=day(k["period"][0]), end=day(k["period"][1]),
                 pstart=day(p0), pend=day(p1)) + " " + t("overview.compared_tests"))
    # every delta leads to its explanation: the same two cohorts, split into mix and rate
    st.page_link("app_pages/changes.py", label=t("overview.why_moved"), icon=":material/difference:")
elif comparison["status"] == "no_window":
    st.caption(t("overview.no_window"))
elif comparison["status"] == "too_few":
    p0, p1 = k["previous_period"]
    st.caption(t("overview.no_comparable", pstart=day(p0), pend=day(p1), min=MIN_N))
    if comparison["year_before"]:
        y0, y1 = comparison["year_before"]
        st.button(t("overview.compare_year", start=day(y0), end=day(y1)), icon=":material/history:",
                  on_click=lambda: st.session_state.update(compare="year_before"))
if st.session_state.get("compare") == "year_before":
    st.button(t("overview.compare_previous"), on_click=lambda: st.session_state.update(compare="previous"))


def change(key: str, kind: str) -> tuple[str | None, str]:
    """The delta under a card and its colour: relative for counts and money, in points for rates and NPS; grey
    ("off") unless the change is significant at 5 % on at least 30 customers (the p-value is in the card's help)."""
    d = deltas.get(key)
    if d is None or d["delta"] is None:
        return None, "normal"
    if kind == "relative":
        text = ("+" if d["delta"] >= 0 else "") + percent(d["delta"])
    else:
        text = decimal(d["delta"], "+.1f") + " pts"
    return text, "normal" if d["significant"] else "off"


def card_help(key: str, help_key: str, **values) -> str:
    d = deltas.get(key)
    if d is None or d["p_value"] is None:
        return t(help_key, **values)
    return t(help_key, **values) + "\n\n" + t("kpi.delta_test", p=p_value(d["p_value"]),
                                      verdict=t("kpi.significant" if d["significant"] else "kpi.not_significant"))


cards = st.columns(6)
delta, color = change("customers", "relative")
kpi(cards[0], t("kpi.customers"), number(cur["customers"]), None, delta,
    help=card_help("customers", "kpi.customers_help"), delta_color=color)
delta, color = change("conversion_rate", "points")
if cur["customers"] >= MIN_N and not cur["conversion_shown"]:  # fewer than 30 followed to the window's end
    cards[1].metric(t("kpi.conversion"), "—", help=t("kpi.conversion_help"))
    cards[1].caption(t("kpi.too_early", k=number(cur["in_progress"]), n=number(cur["customers"])))
else:
    kpi(cards[1], t("kpi.conversion"), percent(cur["conversion_rate"]), cur["customers"], delta,
        help=card_help("conversion_rate", "kpi.conversion_help"), delta_color=color)
if cur["conversion_rate"] is None and cur["customers"]:  # the channel lens kept no deal: not a 0 %
    cards[1].caption(t("kpi.conversion_not_observed"))
feeling = k["satisfaction"]
if feeling["measure"] == "csat":  # star ratings (analytics.measures): the mean and its clustered interval, no delta
    csat_margin = None if feeling["ci_low"] is None else (feeling["ci_high"] - feeling["ci_low"]) / 2
    kpi(cards[2], t("kpi.csat"), "—" if feeling["csat"] is None else
        f"{decimal(feeling['csat'], '.2f')} ± {decimal(csat_margin, '.2f')}", feeling["customers"], None,
        help=t("kpi.csat_help"))
else:
    delta, color = change("nps", "points")
    # the observed NPS, its interval's bounds under it (asymmetric: Rocks' adjusted Wald), gated on respondents
    bounds = None if cur["nps"] is None else t("kpi.nps_interval", low=f"{cur['nps_ci_low']:+.0f}",
                                                 high=f"{cur['nps_ci_high']:+.0f}")
    kpi(cards[2], t("kpi.nps"), "—" if cur["nps"] is None else f"{cur['nps']:+.0f}", cur["respondents"], delta,
        help=card_help("nps", "kpi.nps_help"), delta_color=color, detail=bounds)
if feeling["absent"]:
    cards[2].caption(t(f"measure.absent.{feeling['absent']}"))
# with churn dates, churn within a window of the conversion (compared, tested); a status at export time is never
# compared between periods (a recent window always looks better)
if cur["churn_basis"] == "dates":
    delta, color = change("churn_rate", "points")
    kpi(cards[3], t("kpi.churn_dates", days=cur["churn_days"]), percent(cur["churn_rate"]), cur["churn_known"],
        delta, help=card_help("churn_rate", "kpi.churn_dates_help", days=cur["churn_days"]),
        delta_color=color)
else:
    kpi(cards[3], t("kpi.churn"), percent(cur["churn_rate"]), cur["churn_known"], None, help=t("kpi.churn_help"))
delta, color = change("cross_share", "points")
kpi(cards[4], t("kpi.cross"), percent(cur["cross_share"]), cur["customers"], delta,
    help=card_help("cross_share", "kpi.cross_help"), delta_color=color)
delta, color = change("revenue_per_customer", "relative")
kpi(cards[5], t("kpi.revenue"), money(cur["revenue"]), None,
    None if delta is None else t("kpi.per_customer", delta=delta),
    help=card_help("revenue_per_customer", "kpi.revenue_help"), delta_color=color)

# -- trends -----------------------------------------------------------------------------------------
st.segmented_control(t("overview.grain"), ["week", "month"], default="month", key="grain",
                     format_func=lambda g: t(f"overview.{g}"))
kpi_cards = [("customers", "kpi.customers"), ("conversion_rate", "kpi.conversion"), ("nps", "kpi.nps"),
             ("churn_rate", "kpi.churn"), ("cross_share", "kpi.cross"), ("revenue", "kpi.revenue")]
for col, (metric, label) in zip(st.columns(6), kpi_cards, strict=True):
    chart(charts.kpi_trend_chart, trend, metric, titles=chart_titles(title=t(label)), small=True, where=col)

# -- funnel and NPS per stage -----------------------------------------------------------------------
left, right = st.columns(2)
labels = stage_labels()
with left:
    st.subheader(t("overview.funnel"))
    chart(charts.funnel_chart, query(funnel.funnel_table, filters), labels=labels, titles=titles)
with right:
    if feeling["measure"] == "csat":  # star ratings: the satisfaction measure by stage, as the card above
        st.subheader(t("satisfaction.csat"))
        chart(charts.csat_chart, query(satisfaction.csat_by_stage, filters), labels=labels, titles=titles)
    else:
        st.subheader(t("overview.nps_by_stage"))
        nps_by_stage = query(satisfaction.nps_split_by_stage, filters)
        chart(charts.nps_bars_chart, nps_by_stage, by="stage", labels=labels, titles=titles)

h = query(overview.headline, filters)
sentences = []
if h["worst_step"] or h["not_ranked"]:
    sentences.append(headline_sentence(h, labels, texts()))
if h["lowest_nps_stage"]:
    s = h["lowest_nps_stage"]
    sentences.append(t("overview.lowest_nps", stage=labels[s["stage"]], nps=f"{s['nps']:+.0f}",
                       n=number(s["respondents"])))
if sentences:
    st.info(" ".join(sentences), icon=":material/flag:")

how_to_read("overview.how")
footer()
