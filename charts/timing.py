"""Time to the next stage: the share of customers who reached a later stage, day by day since they were seen at a
stage (1 − Kaplan–Meier, customers still waiting counted as such), one step line per pair of stages."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from charts.palette import finish, group_scale, is_empty, label_of, no_data_chart, resolve_titles

__all__ = ["time_to_next_chart"]


def time_to_next_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                       titles: Mapping[str, str] | None = None) -> alt.Chart:
    """One step line per pair of stages (``analytics.timing.time_to_next_stage_curves``: ``from_stage, to_stage,
    day, reached, at_risk``), labelled "Awareness → Consideration", y the share reached (0–100 %), x the days.
    Pairs and points the analytics left out (fewer than 30 customers followed) are not drawn.

    ``titles`` keys: days_since, reached_later, step, still_followed, no_data, locale.
    """
    t = resolve_titles("timing", titles)
    if is_empty(df):
        return no_data_chart(t)
    data = df.reset_index(drop=True).copy()
    data["step"] = [f"{label_of(a, labels)} → {label_of(b, labels)}"
                    for a, b in zip(data["from_stage"], data["to_stage"], strict=True)]
    steps = list(dict.fromkeys(data["step"]))
    chart = alt.Chart(data).mark_line(interpolate="step-after", strokeWidth=2.5).encode(
        x=alt.X("day:Q", title=t["days_since"], scale=alt.Scale(domainMin=0)),
        y=alt.Y("reached:Q", title=t["reached_later"], scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%", tickCount=5)),
        color=alt.Color("step:N", title=t["step"], scale=group_scale(steps), sort=steps,
                        legend=alt.Legend(orient="right", direction="vertical", columns=1, labelLimit=320)),
        tooltip=[alt.Tooltip("step:N", title=t["step"]), alt.Tooltip("day:Q", title=t["days_since"]),
                 alt.Tooltip("reached:Q", title=t["reached_later"], format=".1%"),
                 alt.Tooltip("at_risk:Q", title=t["still_followed"], format=",d")],
    ).properties(height=300)
    return finish(chart, t)
