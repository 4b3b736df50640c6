"""Journey variants: the most frequent sequences of stages or channels (repeats collapsed), the share of
customers each covers and its conversion, and how much of the customer base the top ones cover."""

import streamlit as st

import charts
from ui.data import query
from ui.filters import current_filters
from ui.i18n import chart_titles, missing, number, percent, t
from ui.metrics import metrics, variants
from ui.widgets import channel_labels, chart, downloads, empty_state, footer, how_to_read, stage_labels

filters = current_filters()
st.title(t("page.variants"))
st.caption(t("variants.intro"))
if query(metrics.customers, filters) == 0:
    empty_state()

by = st.segmented_control(t("variants.by"), ["stage", "channel"], default="stage", key="variants_by",
                          format_func=lambda b: t(f"variants.by.{b}")) or "stage"
result = query(variants.variants, filters, by=by)
rows = result["rows"]
labels = stage_labels() if by == "stage" else channel_labels()
top = rows[rows["variant"] != "other"]
st.markdown(t("variants.coverage", n=number(len(top)), share=percent(result["coverage"]),
              distinct=number(result["distinct"]), customers=number(result["customers"])))
if by == "channel" and (unplaced := query(metrics.customers, filters) - result["customers"]) > 0:
    st.caption(t("variants.operational_only", n=number(unplaced)))
titles = chart_titles(variant=t("variants.variant"), other=t("variants.other"), cumulative_share=t("variants.cumul"),
                      steps=t("variants.steps"), variants=t("variants.distinct"),
                      conversion_short=t("variants.conv_short"))
chart(charts.variants_chart, rows, labels=labels, titles=titles)


def journey(variant) -> str:
    return t("variants.other") if variant == "other" else " › ".join(labels.get(c, c) for c in variant)


shown = rows.assign(
    variant=rows["variant"].map(journey),
    customers=rows["customers"].map(number),
    share=rows["share"].map(percent),
    cumulative_share=rows["cumulative_share"].map(percent),
    conversion_rate=rows["conversion_rate"].map(percent),
    interval=["—" if missing(lo) else f"{percent(lo)} – {percent(hi)}"
              for lo, hi in zip(rows["conv_ci_low"], rows["conv_ci_high"], strict=True)],
)[["rank", "variant", "customers", "share", "cumulative_share", "conversion_rate", "interval"]]
shown.columns = [t("irritants.col.rank"), t("variants.variant"), t("funnel.col.customers"), t("channels.col.share"),
                 t("variants.cumul"), t("variants.conversion"), t("funnel.col.interval")]
st.dataframe(shown, hide_index=True, width="stretch")
downloads(rows.assign(variant=rows["variant"].map(lambda v: v if v == "other" else " › ".join(v))), f"variants_{by}")

how_to_read("variants.how")
footer()
