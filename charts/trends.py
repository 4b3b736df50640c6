"""KPI over time: a line with points, full-size or as a sparkline."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from charts.layouts import Rows, with_rows
from charts.palette import NEUTRAL, SIGNED_LABELS, finish, is_empty, no_data_chart, resolve_titles

__all__ = ["METRICS", "TREND_ROWS", "kpi_trend_chart", "kpi_trend_layout", "kpi_trend_rows"]

METRICS = {
    # metric: (axis format, tooltip format, scale starts at zero when full-size)
    "customers": (",d", ",d", True),
    "conversion_rate": (".0%", ".1%", True),
    "nps": ("d", "+.1f", False),
    "churn_rate": (".0%", ".1%", True),
    "cross_share": (".0%", ".1%", True),
    "revenue": ("$,.0f", "$,.0f", True),  # in the currency of titles["currency_symbol"] (charts.palette)
}
"""The metric columns ``kpi_trend_chart`` knows, with their number formats (rates are fractions 0–1, NPS points)."""

RATES = ("conversion_rate", "churn_rate", "cross_share")  # estimates: hidden below MIN_N customers

def _enough(df: pd.DataFrame, metric: str) -> pd.Series:
    """Whether each period's value rests on enough answers to be drawn (all of them without the flags)."""
    flag = "nps_sufficient" if metric == "nps" else "sufficient" if metric in RATES else None
    if flag is None or flag not in df:
        return pd.Series(True, index=df.index)
    return df[flag].astype(bool)


TREND_ROWS = "trend"
"""The name of the rows a trend chart's layout reads (``kpi_trend_layout``)."""


def _trend_titles(metric: str, titles: Mapping[str, str] | None) -> dict[str, str]:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r} (known: {', '.join(METRICS)})")
    t = resolve_titles("trends", titles)
    if titles and titles.get("title") is not None and titles.get(metric) is None and metric not in t:
        t[metric] = str(titles["title"])  # a metric without a text of its own
    return t


def kpi_trend_chart(df: pd.DataFrame, metric: str, titles: Mapping[str, str] | None = None,
                    small: bool = False) -> alt.LayerChart:
    """One KPI per period: a line through the periods' values with a point on each (``small=False``),
    or a 56-pixel sparkline without axes whose last period is marked by a point (``small=True``).

    ``df`` has ``period_start`` (date) and the ``metric`` column (one of ``METRICS``); a period whose
    value is null (an NPS without responses, say) is skipped and the line joins its neighbours. With
    ``analytics.overview.kpi_trend``'s flags: a rate of a period with ``sufficient`` False (an NPS with
    ``nps_sufficient`` False) is not drawn — full-size, a grey cross at the foot of the chart says "too few" —
    and the ``partial`` period (the one the data stops in) is drawn as an open point, so a month half over is not
    read as a fall.
    Rates are shown as %, NPS with a sign and, full-size, a zero line. The tooltip gives the period
    and the value.

    ``titles`` keys: period, the metric's name (``titles[metric]``, or ``titles["title"]``), no_data,
    locale.

    Built in two parts (``charts.layouts``): ``kpi_trend_layout``, which depends on the options only, and
    ``kpi_trend_rows``, the rows it draws.
    """
    rows = kpi_trend_rows(df, metric, titles, small)
    return with_rows(kpi_trend_layout(metric, titles, small, shape=rows and rows.shape), rows)


def kpi_trend_rows(df: pd.DataFrame, metric: str, titles: Mapping[str, str] | None = None,
                   small: bool = False) -> Rows | None:
    """The rows ``kpi_trend_layout`` draws for ``df`` (``TREND_ROWS``; see ``kpi_trend_chart``), or None when there is
    nothing to draw."""
    t = _trend_titles(metric, titles)
    if is_empty(df):
        return None
    data = pd.DataFrame({
        "period_start": pd.to_datetime(df["period_start"]),
        metric: pd.to_numeric(df[metric], errors="coerce"),
        "partial": df["partial"].astype(bool) if "partial" in df else False,
        "enough": _enough(df, metric),
    }).sort_values("period_start", kind="stable").reset_index(drop=True)
    data.loc[~data["enough"], metric] = float("nan")  # below MIN_N: neither shown nor drawn
    data["is_last"] = data.index == data[metric].last_valid_index()
    # enough customers and no value: the channel lens kept no touchpoint at the conversion stage (not a 0 %)
    unseen = metric == "conversion_rate"
    data["status"] = [t["trend_insufficient"] if not enough else t["trend_not_observed"] if unseen and pd.isna(value)
                      else t["trend_partial"] if partial else t["trend_full"]
                      for enough, partial, value in zip(data["enough"], data["partial"], data[metric], strict=True)]
    return Rows({TREND_ROWS: data})


def kpi_trend_layout(metric: str, titles: Mapping[str, str] | None = None, small: bool = False, *,
                     shape: tuple | None = ()) -> alt.LayerChart:
    """The chart of ``kpi_trend_chart`` without its rows: it reads the named dataset ``TREND_ROWS``; ``shape`` None:
    the chart that says there is no data."""
    t = _trend_titles(metric, titles)
    if shape is None:
        return no_data_chart(t, height=56 if small else 80)
    axis_format, tip_format, zero = METRICS[metric]
    data = alt.NamedData(name=TREND_ROWS)
    base = alt.Chart(data).encode(
        x=alt.X("period_start:T", title=None if small else t["period"], axis=None if small else alt.Axis()),
        y=alt.Y(f"{metric}:Q", title=t[metric], scale=alt.Scale(zero=zero and not small),
                axis=None if small else alt.Axis(format=axis_format, tickCount=5,
                                                 labelExpr=SIGNED_LABELS if metric == "nps" else alt.Undefined)),
        tooltip=[
            alt.Tooltip("period_start:T", title=t["period"], format="%d %b %Y"),
            alt.Tooltip(f"{metric}:Q", title=t[metric], format=tip_format),
            alt.Tooltip("status:N", title=t["trend_status"]),
        ],
    )
    line = base.mark_line(color=NEUTRAL, strokeWidth=2 if small else 3)  # null values: skipped, neighbours joined
    # an open point for the period not over (the data stops in it), a filled one for the others
    filled = alt.condition("datum.partial", alt.value("white"), alt.value(NEUTRAL))
    if small:
        last = base.transform_filter("datum.is_last").mark_point(filled=True, size=60, stroke=NEUTRAL, opacity=1,
                                                                 strokeWidth=1.5).encode(fill=filled)
        return finish(alt.layer(line, last).properties(height=56), t)
    points = base.mark_point(filled=True, size=80, stroke=NEUTRAL, opacity=1, strokeWidth=2).encode(fill=filled)
    too_few = alt.Chart(data).transform_filter("!datum.enough").mark_point(
        shape="cross", size=60, color="#9a9a9a", filled=True).encode(
        x="period_start:T", y=alt.value(232),
        tooltip=[alt.Tooltip("period_start:T", title=t["period"], format="%d %b %Y"),
                 alt.Tooltip("status:N", title=t["trend_status"])])
    layers = [line, points, too_few]
    if metric == "nps":
        zero_line = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color="#888888", strokeDash=[4, 3])
        layers.insert(0, zero_line.encode(y="zero:Q"))
    return finish(alt.layer(*layers).properties(height=240), t)
