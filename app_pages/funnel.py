"""Funnel: open (furthest stage) and closed (stages reached in order) funnels, conversion and drop-off,
time between stages, and groups side by side with the differences that are significant."""

import streamlit as st

import charts
from analytics.funnel import SKIPPED_NOTE
from ui.data import query
from ui.filters import current_filters
from ui.i18n import chart_titles, missing, number, percent, t
from ui.widgets import channel_labels, chart, downloads, empty_state, footer, how_to_read, stage_labels

filters = current_filters()
titles = chart_titles()
st.title(t("page.funnel"))
if query("customers", filters) == 0:
    empty_state()

labels = stage_labels()
kind = st.segmented_control(t("funnel.kind"), ["open", "closed"], default="open", key="funnel_kind",
                            format_func=lambda k: t(f"funnel.{k}"))
closed = kind == "closed"
table = query("funnel_table", filters, closed=closed)

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
open_table = table if not closed else query("funnel_table", filters)
not_seen = [labels[s] for s, ok in zip(open_table["stage"], open_table["observed"], strict=True) if not ok]
if not_seen and open_table["customers"].iloc[0] > 0:
    st.caption(t("funnel.not_observed_stages", stages=", ".join(not_seen)))
cohort = int(open_table["customers"].iloc[0]) if len(open_table) else 0
for row in open_table.itertuples():
    if cohort and row.observed and (row.customers - row.observed_customers) / cohort > SKIPPED_NOTE:
        st.caption(t("funnel.skipped", stage=labels[row.stage], share=percent((row.customers - row.observed_customers)
                                                                            / cohort),
                     reached=number(row.customers), observed=number(row.observed_customers)))

st.subheader(t("funnel.time_between"))
between = query("time_between_stages", filters)
chart(charts.time_between_chart, between, labels=labels, titles=titles)

st.subheader(t("funnel.compare"))
by = st.segmented_control(t("funnel.by"), ["persona", "segment", "region", "channel"], default="persona",
                          key="funnel_by", format_func=lambda b: t(f"funnel.by.{b}")) or "persona"
groups, tests = query("funnel_by_group", filters, by=by, closed=closed)
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
