"""Funnel: open (furthest stage) and closed (stages reached in order) funnels, conversion and drop-off,
time to the next stage (customers still waiting counted as such), conversion by first-touch cohort, and groups side
by side with the differences that are significant."""

import pandas as pd
import streamlit as st

import charts
from ui.constants import GROUPINGS, MIN_N, SKIPPED_NOTE
from ui.data import catalogue, query
from ui.filters import current_filters
from ui.i18n import chart_titles, day, missing, month, number, percent, t
from ui.metrics import cohorts, funnel, metrics, timing
from ui.widgets import channel_labels, chart, downloads, empty_state, footer, how_to_read, stage_labels

filters = current_filters()
titles = chart_titles()
st.title(t("page.funnel"))
if query(metrics.customers, filters) == 0:
    empty_state()

labels = stage_labels()
kind = st.segmented_control(t("funnel.kind"), ["open", "closed"], default="open", key="funnel_kind",
                            format_func=lambda k: t(f"funnel.{k}"))
closed = kind == "closed"
table = query(funnel.funnel_table, filters, closed=closed)

left, right = st.columns([3, 2])
with left:
    chart(charts.funnel_chart, table, labels=labels, titles=titles)
with right:
    seen = table["observed"]
    shown = table.assign(
        stage=table["stage"].map(labels),
        customers=table["customers"].map(number),
        observed_customers=table["observed_customers"].map(number),
        from_stage=[labels.get(f, f) if isinstance(f, str) else "—" for f in table["from_stage"]],
        conv_from_previous=[percent(v) if ok else t("funnel.not_observed")
                            for v, ok in zip(table["conv_from_previous"], seen, strict=True)],
        conv_from_start=table["conv_from_start"].map(percent),
        drop_off=table["drop_off"].map(number),
        interval=[("—" if missing(lo) else f"{percent(lo)} – {percent(hi)}")
                  for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)],
    )[["stage", "customers", "observed_customers", "from_stage", "conv_from_previous", "interval", "conv_from_start",
       "drop_off"]]
    shown.columns = [t("funnel.col.stage"), t("funnel.col.customers"), t("funnel.col.observed"), t("funnel.col.from"),
                     t("funnel.col.conv_prev"), t("funnel.col.interval"), t("funnel.col.conv_start"),
                     t("funnel.col.drop")]
    st.dataframe(shown, hide_index=True, width="stretch")
    downloads(table, "funnel_closed" if closed else "funnel")

# what the funnel cannot see: stages nobody was seen at, and stages most customers skipped
open_table = table if not closed else query(funnel.funnel_table, filters)
not_seen = [labels[s] for s, ok in zip(open_table["stage"], open_table["observed"], strict=True) if not ok]
if not_seen and open_table["customers"].iloc[0] > 0:
    st.caption(t("funnel.not_observed_stages", stages=", ".join(not_seen)))
cohort = int(open_table["customers"].iloc[0]) if len(open_table) else 0
for row in open_table.itertuples():
    if cohort and row.observed and (row.customers - row.observed_customers) / cohort > SKIPPED_NOTE:
        st.caption(t("funnel.skipped", stage=labels[row.stage], share=percent((row.customers - row.observed_customers)
                                                                            / cohort),
                     reached=number(row.customers), observed=number(row.observed_customers)))

# -- reach within the window: customers still in their window are in progress, not lost (Kaplan–Meier) ------------
reach = query(funnel.stage_reach, filters)
window = catalogue().window_days
st.subheader(t("funnel.reach"))
st.caption(t("funnel.reach_help", days=window, post=catalogue().post_window_days) if window is not None
           else t("funnel.reach_help_all"))
st.dataframe(pd.DataFrame({
    t("funnel.col.stage"): reach["stage"].map(labels),
    t("funnel.col.reach"): [t("funnel.not_observed") if missing(r) else
                            percent(r) if ok else t("kpi.too_early", k=number(k), n=number(cohort))
                            for r, ok, k in zip(reach["rate"], reach["shown"], reach["in_progress"], strict=True)],
    t("funnel.col.interval"): [f"{percent(lo)} – {percent(hi)}" if ok and not missing(lo) else "—"
                               for lo, hi, ok in zip(reach["ci_low"], reach["ci_high"], reach["shown"], strict=True)],
    t("funnel.col.customers"): reach["customers"].map(number),
    t("funnel.col.in_progress"): reach["in_progress"].map(number),
}), hide_index=True, width="stretch")
downloads(reach, "stage_reach")

# -- time to the next stage: the customers still waiting count as waiting (Kaplan–Meier), not as absent --------
st.subheader(t("funnel.time_to_next"))
st.caption(t("funnel.time_to_next_help", as_of=day(catalogue().last_day)))
to_next = query(timing.time_to_next_stage, filters)
chart(charts.time_to_next_chart, query(timing.time_to_next_stage_curves, filters), labels=labels, titles=titles)


def days(value) -> str:
    return "—" if missing(value) else number(value)


enough = to_next["at_risk"] >= MIN_N
st.dataframe(pd.DataFrame({
    t("funnel.col.step"): [f"{labels[a]} → {labels[b]}" for a, b in zip(to_next["from_stage"], to_next["to_stage"],
                                                                          strict=True)],
    t("funnel.col.seen"): to_next["at_risk"].map(number),
    t("funnel.col.moved"): to_next["events"].map(number),
    t("funnel.col.median"): [(days(m) if not missing(m) else t("funnel.never_half")) if ok else t("funnel.too_few")
                             for m, ok in zip(to_next["median_days"], enough, strict=True)],
    t("funnel.col.median_ci"): [f"{days(lo)} – {days(hi)}" if ok and not missing(lo) else "—"
                                for lo, hi, ok in zip(to_next["ci_low"], to_next["ci_high"], enough, strict=True)],
    t("funnel.col.quartiles"): [" – ".join(days(v) for v in r) if ok else "—" for r, ok in zip(
        to_next[["p25_days", "p75_days", "p90_days"]].itertuples(index=False), enough, strict=True)],
    t("funnel.col.within"): [" / ".join(percent(v, 0) for v in r) if ok else "—" for r, ok in zip(
        to_next[["within_30", "within_90", "within_365"]].itertuples(index=False), enough, strict=True)],
}), hide_index=True, width="stretch")
downloads(to_next, "time_to_next_stage")

# -- cohorts: first-touch month × months since, the share converted by then -----------------------------------------
st.subheader(t("funnel.cohorts"))
st.caption(t("funnel.cohorts_help"))
cohort_rates = query(cohorts.conversion_cohorts, filters)
if not cohort_rates.empty:
    grid = cohort_rates.pivot(index="cohort", columns="month", values="rate").sort_index(ascending=False)
    sizes = cohort_rates.drop_duplicates("cohort").set_index("cohort")["customers"]
    shown = pd.DataFrame({t("funnel.col.cohort"): [month(c) for c in grid.index],
                          t("funnel.col.customers"): [number(sizes[c]) for c in grid.index]})
    for m in grid.columns:
        shown[t("funnel.col.month", n=m)] = ["" if missing(v) else percent(v, 0) for v in grid[m]]
    st.dataframe(shown, hide_index=True, width="stretch")
    downloads(cohort_rates, "conversion_cohorts")

st.subheader(t("funnel.compare"))
by = st.segmented_control(t("funnel.by"), list(GROUPINGS), default="persona",
                          key="funnel_by", format_func=lambda b: t(f"funnel.by.{b}")) or "persona"
groups, tests = query(funnel.funnel_by_group, filters, by=by, closed=closed)
significant = tuple(tests.loc[tests["significant"].fillna(False).astype(bool), "stage"])
groups = groups.assign(group=groups["group"].fillna(t("funnel.no_value")))
if by == "channel":
    names = channel_labels()
    groups = groups.assign(group=groups["group"].map(lambda g: names.get(g, g)))
chart(charts.funnel_compare_chart, groups, labels=labels, significant_stages=significant, titles=titles)
if significant:
    st.caption(t("funnel.significant", stages=", ".join(labels[s] for s in significant)))
else:
    st.caption(t("funnel.none_significant"))
st.caption(t(f"funnel.by_help.{by}"))

how_to_read("funnel.how")
footer()
