"""What changed: a KPI's change between two cohorts as a waterfall — the earlier value, the mix (the customers
changed), each group's rate change, the later value (``analytics.explain``)."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from charts.palette import (
    INSUFFICIENT,
    NEUTRAL,
    OKABE_ITO,
    finish,
    is_empty,
    label_of,
    no_data_chart,
    resolve_titles,
    texts,
)

__all__ = ["waterfall_chart"]

KINDS = {"total": NEUTRAL, "up": OKABE_ITO["bluish_green"], "down": OKABE_ITO["vermillion"], "unsure": INSUFFICIENT}
"""A value; a contribution whose 95 % interval lies above 0, below 0; one whose interval holds 0."""


def waterfall_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                    titles: Mapping[str, str] | None = None) -> alt.Chart:
    """One bar per step of ``analytics.explain.waterfall_rows`` (``step, part, group, others, start, end, value,
    ci_low, ci_high, significant``), left to right: the two values drawn from the axis' floor, each contribution
    floating from the running total before it to the one after, coloured by its sign when significant, grey
    otherwise; the value or the contribution written above its bar. ``labels``: group value → text.

    ``titles`` keys: before, after, mix, others, unset, step, value, contribution, interval, kpi, no_data, locale."""
    t = resolve_titles("changes", titles)
    if is_empty(df):
        return no_data_chart(t)
    data = df.reset_index(drop=True).copy()
    measured = pd.to_numeric(data["end"], errors="coerce")
    if not np.isfinite(measured).all():  # a step that cannot be read breaks the running total: nothing to draw
        return no_data_chart(t)

    def name(row) -> str:
        if row["part"] in ("before", "after", "mix"):
            return t[row["part"]]
        if row["others"]:
            return t["others"]
        return t["unset"] if row["group"] is None or row["group"] != row["group"] else label_of(row["group"], labels)

    data["label"] = [name(r) for r in data.to_dict("records")]
    totals = data["part"].isin(["before", "after"])
    ends = pd.concat([data["end"], data["start"].dropna()])
    low, high = float(ends.min()), float(ends.max())
    pad = max((high - low) * 0.25, 0.5)
    floor = low - pad if low - pad > 0 or low < 0 else 0.0  # rates and means from 0 when it is near
    data["start"] = data["start"].where(~totals, floor)
    data["kind"] = ["total" if tot else "unsure" if not sig else "up" if v > 0 else "down"
                    for tot, sig, v in zip(totals, data["significant"], data["value"], strict=True)]
    tx = texts(t)  # numbers written in the chart's language
    data["shown"] = [tx.figure(v, 1, signed=not tot) for tot, v in zip(totals, data["value"], strict=True)]
    data["interval"] = ["" if tot else tx.interval(lo, hi, lambda v: tx.figure(v, 1, signed=True))
                        for tot, lo, hi in zip(totals, data["ci_low"], data["ci_high"], strict=True)]
    data["top"] = data[["start", "end"]].max(axis=1)
    data = data[["step", "label", "start", "end", "top", "kind", "shown", "interval"]]
    order = list(data["label"])
    x = alt.X("label:N", title=None, sort=order, axis=alt.Axis(labelAngle=-30, labelLimit=180))
    y_scale = alt.Scale(domain=[floor, high + pad], nice=False, zero=False)
    base = alt.Chart(data)
    bars = base.mark_bar(width={"band": 0.7}).encode(
        x=x,
        y=alt.Y("start:Q", title=t["kpi"], scale=y_scale),
        y2="end:Q",
        color=alt.Color("kind:N", legend=None,
                        scale=alt.Scale(domain=list(KINDS), range=list(KINDS.values()))),
        tooltip=[alt.Tooltip("label:N", title=t["step"]), alt.Tooltip("shown:N", title=t["contribution"]),
                 alt.Tooltip("interval:N", title=t["interval"])],
    )
    text = base.mark_text(dy=-8, fontSize=13).encode(x=x, y=alt.Y("top:Q", scale=y_scale), text="shown:N")
    return finish((bars + text).properties(height=320), t)
