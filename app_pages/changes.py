"""What changed: a KPI's change from one cohort to a later one, split into mix (the customers changed) and rate (each
group did better or worse) by persona, segment, region or entry channel, as a waterfall with one sentence."""

from datetime import date

import streamlit as st

import charts
from story import change_cohorts, change_group, change_sentence
from ui.data import query
from ui.filters import current_filters
from ui.i18n import chart_titles, day, number, percent, t, texts
from ui.metrics import explain, metrics
from ui.widgets import MIN_N, channel_labels, chart, downloads, empty_state, footer, how_to_read, plain

filters = current_filters()
st.title(t("page.changes"))
st.caption(t("changes.intro"))
if query(metrics.customers, filters) == 0:
    empty_state()

left, right = st.columns(2)
metric = left.segmented_control(t("changes.metric"), list(explain.EXPLAINED), default="conversion",
                                key="changes_metric", format_func=lambda m: t(f"changes.kpi.{m}")) or "conversion"
by = right.segmented_control(
    t("changes.by"), list(explain.BY), default="persona", key="changes_by",
    format_func=lambda b: t("changes.entry_channel") if b == "channel" else t(f"filters.{b}")) or "persona"


def chosen(key: str) -> tuple[date, date] | None:
    """A period picked in its date input (a range of two days; one day picked so far is no period yet)."""
    value = st.session_state.get(key)
    return tuple(value) if isinstance(value, (tuple, list)) and len(value) == 2 else None


before, after = chosen("changes_before"), chosen("changes_after")
result = query(explain.change_split, filters, kpi=metric, by=by,
               before=before if before and after else None, after=after if before and after else None)
periods = result.get("periods")
if periods:
    first, second = st.columns(2)
    first.date_input(t("changes.before"), value=tuple(date.fromisoformat(d) for d in periods["before"]),
                     key="changes_before", format="DD/MM/YYYY")
    second.date_input(t("changes.after"), value=tuple(date.fromisoformat(d) for d in periods["after"]),
                      key="changes_after", format="DD/MM/YYYY")

status = result["status"]
if status == "window_open":
    st.info(t("changes.window_open", ready=day(date.fromisoformat(result["ready"]))), icon=":material/hourglass:")
elif status == "too_few":
    st.info(t("changes.too_few", min=MIN_N), icon=":material/group_off:")
elif status == "no_data":
    st.info(t("changes.no_data", kpi=t(f"changes.kpi.{metric}")), icon=":material/search_off:")
else:
    names = channel_labels() if by == "channel" else {}
    tx = texts()
    st.caption(plain(change_cohorts(result, tx)))
    st.markdown(plain(change_sentence(result, names, tx)))
    chart(charts.waterfall_chart, result["waterfall"], labels=names,
          titles=chart_titles(kpi=t(f"changes.axis.{metric}")))
    digits = 2 if metric == "csat" else 1

    def effect(block) -> str:
        low, high = (tx.figure(block[k], digits, signed=True) for k in ("ci_low", "ci_high"))
        return f"{tx.figure(block['value'], digits, signed=True)} ({low} … {high})" + (" ★" if block["significant"]
                                                                                         else "")

    def rate(side) -> str:
        return "—" if side["rate"] is None else tx.figure(side["rate"], digits)

    groups = result["groups"]
    table = {
        t("changes.col.group"): [change_group(g, names, tx) for g in groups],
        t("changes.col.customers"): [f"{number(g['before']['customers'])} → {number(g['after']['customers'])}"
                                     for g in groups],
        t("changes.col.share"): [f"{percent(g['before']['share'])} → {percent(g['after']['share'])}" for g in groups],
        t("changes.col.rate"): [f"{rate(g['before'])} → {rate(g['after'])}" for g in groups],
        t("changes.col.mix"): [effect(g["mix"]) for g in groups],
        t("changes.col.rate_effect"): [effect(g["rate"]) for g in groups],
    }
    st.dataframe(table, hide_index=True, width="stretch")
    if result["pooled"]:
        st.caption(plain(t("changes.pooled", min=MIN_N, groups=", ".join(names.get(g, g) for g in result["pooled"]))))
    downloads(result["waterfall"], f"changes_{metric}_{by}")

how_to_read("changes.how")
footer()
