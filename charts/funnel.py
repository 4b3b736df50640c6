"""Funnel charts: customers per stage, funnels of groups side by side, time between stages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import altair as alt
import pandas as pd

from charts.palette import (
    GREY_BAR,
    MIN_N,
    NEUTRAL,
    blank_thin,
    finish,
    group_scale,
    insufficient,
    is_empty,
    label_of,
    labels_of,
    no_data_chart,
    rate_axis,
    resolve_titles,
    stage_scale,
    text_colour,
    texts,
    thin_label,
    value_domain,
)
from i18n import Texts

__all__ = ["funnel_chart", "funnel_compare_chart", "time_between_chart"]


def _stage_frame(df: pd.DataFrame, labels: Mapping[str, str] | None) -> pd.DataFrame:
    data = df.sort_values("position", kind="stable").reset_index(drop=True)
    data["stage_label"] = labels_of(data["stage"], labels)
    return data


def funnel_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                 titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Horizontal bars of customers per stage, in stage order, coloured by stage.

    Each bar ends with its count and its share of the cohort ("1 234 · 62%"), and, when fewer customers were
    seen at the stage than reached it (``observed_customers``), how many were seen ("· 1 000 seen here"). A stage
    nobody was observed at (``observed`` False) has no bar and says ``titles["not_observed"]``. The tooltip gives
    the count, the customers seen there, both conversions and the 95% interval of the conversion from the previous
    observed stage (``ci_low``, ``ci_high``). The shares are read against the first stage's customers: when those
    are fewer than ``MIN_N`` the bars are grey, dashed, and say ``titles["insufficient"]`` instead of a percentage.

    ``titles`` keys: stage, customers, observed_customers, seen_here, not_observed, conv_from_start,
    conv_from_previous, drop_off, interval, insufficient, no_data, locale.
    """
    t = resolve_titles("funnel", titles)
    if is_empty(df) or not (pd.to_numeric(df["customers"], errors="coerce").fillna(0) > 0).any():
        return no_data_chart(t)
    data = _stage_frame(df, labels)
    if "observed" not in data:
        data["observed"] = True
    if "observed_customers" not in data:
        data["observed_customers"] = data["customers"]
    data["observed"] = data["observed"].astype(bool)
    base_n = data["customers"].iloc[0]
    data["insufficient"] = insufficient(data, None) | (base_n < MIN_N)
    data["bar_customers"] = data["customers"].where(data["observed"], 0)

    def bar_text(n, share, thin, seen, seen_n) -> str:
        if not seen:
            return f"{texts(t).number(n)} · {t['not_observed']}"
        text = f"{texts(t).number(n)} · {t['insufficient'] if thin else texts(t).share(share)}"
        # on a second line: beside the longest bar, one long line ran out of a half-page chart
        return text + (f"\n{texts(t).number(seen_n)} {t['seen_here']}" if seen_n < n else "")

    data["bar_text"] = [bar_text(*v) for v in zip(data["customers"], data["conv_from_start"], data["insufficient"],
                                                  data["observed"], data["observed_customers"], strict=True)]
    data["interval_text"] = [Texts.interval(lo, hi, lambda v: texts(t).percent(v, 1))
                             for lo, hi in zip(data["ci_low"], data["ci_high"], strict=True)]
    order = data["stage_label"].tolist()

    base = alt.Chart(data).encode(
        y=alt.Y("stage_label:N", sort=order, title=t["stage"]),
        x=alt.X("bar_customers:Q", title=t["customers"],
                scale=alt.Scale(domain=value_domain(data["customers"].max())),
                axis=alt.Axis(format=",d", tickMinStep=1)),
        tooltip=[
            alt.Tooltip("stage_label:N", title=t["stage"]),
            alt.Tooltip("customers:Q", title=t["customers"], format=",d"),
            alt.Tooltip("observed_customers:Q", title=t["observed_customers"], format=",d"),
            alt.Tooltip("conv_from_start:Q", title=t["conv_from_start"], format=".1%"),
            alt.Tooltip("conv_from_previous:Q", title=t["conv_from_previous"], format=".1%"),
            alt.Tooltip("interval_text:N", title=f"{t['conv_from_previous']} — {t['interval']}"),
            alt.Tooltip("drop_off:Q", title=t["drop_off"], format=",d"),
        ],
    )
    bars = base.transform_filter("!datum.insufficient").transform_filter("datum.observed").mark_bar().encode(
        color=alt.Color("stage_label:N", scale=stage_scale(data["stage"].tolist(), labels), legend=None),
    )
    grey = base.transform_filter("datum.insufficient").transform_filter("datum.observed").mark_bar(**GREY_BAR)
    text = base.mark_text(align="left", dx=6, lineBreak="\n", baseline="middle").encode(text="bar_text:N",
                                                                                      color=text_colour())
    return finish(alt.layer(bars, grey, text).properties(height=alt.Step(46)), t)


def funnel_compare_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                         titles: Mapping[str, str] | None = None,
                         significant_stages: Iterable[str] = ()) -> alt.LayerChart:
    """Grouped horizontal bars: for each stage (in order), one bar per group of its share of the
    group's first stage (``conv_from_start``), bars of a group in the group's colour and in the order
    the groups come in the frame.

    Stages listed in ``significant_stages`` get a "★ " before their label and the axis title explains
    it (``titles["significant_note"]``). A group whose first stage has fewer than ``MIN_N`` customers
    is drawn grey and dashed with ``titles["insufficient"]``. The tooltip has the counts, both
    conversions and the interval (``ci_low``–``ci_high``) of the conversion from the previous stage.

    ``titles`` keys: stage, group, customers, conv_from_start, conv_from_previous, interval,
    significant_note, insufficient, no_data, locale.
    """
    t = resolve_titles("funnel", titles)
    if is_empty(df):
        return no_data_chart(t)
    significant = set(significant_stages)
    data = df.sort_values("position", kind="stable").reset_index(drop=True)
    data["stage_label"] = [("★ " if s in significant else "") + label_of(s, labels) for s in data["stage"]]
    data["group_label"] = labels_of(data["group"], labels)
    group_order = list(dict.fromkeys(labels_of(df["group"], labels)))
    stage_order = list(dict.fromkeys(data["stage_label"]))
    first = data.groupby("group_label", sort=False)["customers"].transform("first")
    data["insufficient"] = insufficient(data, None, "conv_from_start") | (first < MIN_N)
    data["bar_text"] = [t["insufficient"] if thin else texts(t).share(v)
                        for v, thin in zip(data["conv_from_start"], data["insufficient"], strict=True)]
    data["interval_text"] = ["—" if thin else Texts.interval(lo, hi, lambda v: texts(t).percent(v, 1))
                             for lo, hi, thin in zip(data["ci_low"], data["ci_high"], data["insufficient"],
                                                     strict=True)]
    data = blank_thin(data, "conv_from_start", "conv_from_previous")  # under MIN_N: no bar length, no rate
    stage_title = t["stage"] + (f" ({t['significant_note']})" if significant & set(data["stage"]) else "")
    scale, axis = rate_axis(pd.to_numeric(data["conv_from_start"]).max(), t["conv_from_start"])

    base = alt.Chart(data).encode(
        y=alt.Y("stage_label:N", sort=stage_order, title=stage_title),
        yOffset=alt.YOffset("group_label:N", sort=group_order, scale=alt.Scale(domain=group_order)),
        x=alt.X("conv_from_start:Q", scale=scale, axis=axis),
        tooltip=[
            alt.Tooltip("group_label:N", title=t["group"]),
            alt.Tooltip("stage_label:N", title=t["stage"]),
            alt.Tooltip("customers:Q", title=t["customers"], format=",d"),
            alt.Tooltip("conv_from_start:Q", title=t["conv_from_start"], format=".1%"),
            alt.Tooltip("conv_from_previous:Q", title=t["conv_from_previous"], format=".1%"),
            alt.Tooltip("interval_text:N", title=f"{t['conv_from_previous']} — {t['interval']}"),
        ],
    )
    bars = base.transform_filter("!datum.insufficient").mark_bar().encode(
        color=alt.Color("group_label:N", scale=group_scale(group_order), title=t["group"]),
    )
    thin = thin_label(base, tooltip=[alt.Tooltip("group_label:N", title=t["group"]),
                                     alt.Tooltip("stage_label:N", title=t["stage"]),
                                     alt.Tooltip("customers:Q", title=t["customers"], format=",d")])
    text = base.transform_filter("!datum.insufficient").mark_text(align="left", dx=5).encode(
        text="bar_text:N", color=text_colour())
    # With an offset channel, a step sizes one group's bar; a stage's band is one step per group.
    step = max(16, min(26, 120 // max(len(group_order), 1)))
    return finish(alt.layer(bars, thin, text).properties(height=alt.Step(step)), t)


def time_between_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                       titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Horizontal bars of the median time, in days, from one stage to the next (rows in frame order,
    labelled "Awareness → Consideration"), each ending with its value ("3.2 d", or hours under a
    day). Pairs with fewer than ``MIN_N`` customers are grey and dashed with
    ``titles["insufficient"]``; the tooltip gives customers and the median in days and hours.

    ``titles`` keys: between, median_days, median_hours, customers, days_unit, hours_unit,
    insufficient, no_data, locale.
    """
    t = resolve_titles("funnel", titles)
    if is_empty(df):
        return no_data_chart(t)
    data = df.reset_index(drop=True)
    data["pair_label"] = [f"{label_of(a, labels)} → {label_of(b, labels)}"
                          for a, b in zip(data["from_stage"], data["to_stage"], strict=True)]
    data["median_days"] = pd.to_numeric(data["median_hours"], errors="coerce") / 24
    data["insufficient"] = insufficient(data, "customers", "median_hours")

    def duration(hours, thin) -> str:
        if thin:
            return t["insufficient"]
        if hours < 24:
            return f"{texts(t).figure(hours, 0)} {t['hours_unit']}"
        return f"{texts(t).figure(hours / 24, 1)} {t['days_unit']}"

    data["bar_text"] = [duration(h, thin) for h, thin in zip(data["median_hours"], data["insufficient"], strict=True)]
    data = blank_thin(data, "median_days", "median_hours")  # under MIN_N: no bar length, no median
    order = list(dict.fromkeys(data["pair_label"]))

    base = alt.Chart(data).encode(
        # "A → B" says what the row is; a title beside 40-character labels overlapped them
        y=alt.Y("pair_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=420)),
        x=alt.X("median_days:Q", title=t["median_days"],
                scale=alt.Scale(domain=value_domain(data["median_days"].max(), floor=1.0)),
                axis=alt.Axis(tickCount=8)),
        tooltip=[
            alt.Tooltip("pair_label:N", title=t["between"]),
            alt.Tooltip("customers:Q", title=t["customers"], format=",d"),
            alt.Tooltip("median_days:Q", title=t["median_days"], format=",.1f"),
            alt.Tooltip("median_hours:Q", title=t["median_hours"], format=",.0f"),
        ],
    )
    bars = base.transform_filter("!datum.insufficient").mark_bar(color=NEUTRAL)
    thin = thin_label(base, tooltip=[alt.Tooltip("pair_label:N", title=t["between"]),
                                     alt.Tooltip("customers:Q", title=t["customers"], format=",d")])
    text = base.transform_filter("!datum.insufficient").mark_text(align="left", dx=6).encode(
        text="bar_text:N", color=text_colour())
    return finish(alt.layer(bars, thin, text).properties(height=alt.Step(40)), t)
