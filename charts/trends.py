"""KPI over time: a line with points, full-size or as a sparkline."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from charts.palette import NEUTRAL, SIGNED_LABELS, finish, is_empty, no_data_chart, resolve_titles

__all__ = ["METRICS", "kpi_trend_chart"]

METRICS = {
    # metric: (axis format, tooltip format, scale starts at zero when full-size)
    "customers": (",d", ",d", True),
    "conversion_rate": (".0%", ".1%", True),
    "nps": ("d", "+.1f", False),
    "churn_rate": (".0%", ".1%", True),
    "cross_share": (".0%", ".1%", True),
    "revenue": (",.0f", ",.0f", True),
}
"""The metric columns ``kpi_trend_chart`` knows, with their number formats (rates are fractions 0–1, NPS points)."""

TREND_TITLES = {
    "period": "Period",
    "customers": "Customers",
    "conversion_rate": "Conversion rate",
    "nps": "NPS",
    "churn_rate": "Churn rate",
    "cross_share": "Cross-channel share",
    "revenue": "Revenue",
}


def kpi_trend_chart(df: pd.DataFrame, metric: str, titles: Mapping[str, str] | None = None,
                    small: bool = False) -> alt.LayerChart:
    """One KPI per period: a line through the periods' values with a point on each (``small=False``),
    or a 56-pixel sparkline without axes whose last period is marked by a point (``small=True``).

    ``df`` has ``period_start`` (date) and the ``metric`` column (one of ``METRICS``); a period whose
    value is null (an NPS without responses, say) is skipped and the line joins its neighbours.
    Rates are shown as %, NPS with a sign and, full-size, a zero line. The tooltip gives the period
    and the value.

    ``titles`` keys: period, the metric's name (``titles[metric]``, or ``titles["title"]``), no_data,
    locale.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r} (known: {', '.join(METRICS)})")
    t = resolve_titles(TREND_TITLES, titles)
    if titles and titles.get("title") is not None and titles.get(metric) is None:
        t[metric] = str(titles["title"])
    if is_empty(df):
        return no_data_chart(t, height=56 if small else 80)
    axis_format, tip_format, zero = METRICS[metric]
    data = pd.DataFrame({
        "period_start": pd.to_datetime(df["period_start"]),
        metric: pd.to_numeric(df[metric], errors="coerce"),
    }).sort_values("period_start", kind="stable").reset_index(drop=True)
    data["is_last"] = data.index == data[metric].last_valid_index()

    base = alt.Chart(data).encode(
        x=alt.X("period_start:T", title=None if small else t["period"], axis=None if small else alt.Axis()),
        y=alt.Y(f"{metric}:Q", title=t[metric], scale=alt.Scale(zero=zero and not small),
                axis=None if small else alt.Axis(format=axis_format, tickCount=5,
                                                 labelExpr=SIGNED_LABELS if metric == "nps" else alt.Undefined)),
        tooltip=[
            alt.Tooltip("period_start:T", title=t["period"], format="%d %b %Y"),
            alt.Tooltip(f"{metric}:Q", title=t[metric], format=tip_format),
        ],
    )
    line = base.mark_line(color=NEUTRAL, strokeWidth=2 if small else 3)
    if small:
        last = base.transform_filter("datum.is_last").mark_point(filled=True, size=60, color=NEUTRAL, opacity=1)
        return finish(alt.layer(line, last).properties(height=56), t)
    points = base.mark_point(filled=True, size=80, color=NEUTRAL, opacity=1)
    layers = [line, points]
    if metric == "nps":
        zero_line = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color="#888888", strokeDash=[4, 3])
        layers.insert(0, zero_line.encode(y="zero:Q"))
    return finish(alt.layer(*layers).properties(height=240), t)
