"""Satisfaction and retention charts: NPS by stage or channel, NPS split, CSAT, churn by stage, NPS heatmap, and
the satisfaction measure over time."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from charts.layouts import Rows, with_rows
from charts.palette import (
    GREY_BAR,
    MISSING,
    NEUTRAL,
    NPS_COLORS,
    NPS_DIVERGING,
    SIGNED_LABELS,
    blank_thin,
    finish,
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
)
from i18n import Texts

__all__ = ["CSAT_ROWS", "NPS_BARS_ROWS", "SATISFACTION_TREND_ROWS", "churn_by_stage_chart", "csat_chart", "csat_layout",
           "csat_rows", "nps_bars_chart", "nps_bars_layout", "nps_bars_rows", "nps_heatmap", "nps_split_chart",
           "satisfaction_trend_chart", "satisfaction_trend_layout", "satisfaction_trend_rows"]

_ERRORBAR = {"ticks": True, "color": "#3A3A3A", "thickness": 2}


def _by_position(df: pd.DataFrame, labels: Mapping[str, str] | None) -> pd.DataFrame:
    data = df.sort_values("position", kind="stable").reset_index(drop=True)
    data["stage_label"] = labels_of(data["stage"], labels)
    return data


def _interval_texts(data: pd.DataFrame, fmt) -> list[str]:
    if "ci_low" not in data.columns or "ci_high" not in data.columns:
        return ["—"] * len(data)
    return [Texts.interval(lo, hi, fmt) for lo, hi in zip(data["ci_low"], data["ci_high"], strict=True)]


def _text_x(data: pd.DataFrame, value: str, floor: float = 0.0) -> pd.Series:
    """Where a bar's text starts: right of the bar and of its interval (if drawn)."""
    cols = [value] + ([c for c in ("ci_high",) if c in data.columns])
    x = data[cols].apply(pd.to_numeric, errors="coerce").max(axis=1, skipna=True).fillna(floor).clip(lower=floor)
    bar_only = pd.to_numeric(data[value], errors="coerce").fillna(floor).clip(lower=floor)
    return x.where(~data["insufficient"], bar_only)


# ---------------------------------------------------------------------------------------------- NPS bars


NPS_BARS_ROWS = "nps_bars"
"""The name of the rows ``nps_bars_layout`` reads."""


def nps_bars_chart(df: pd.DataFrame, by: str = "stage", labels: Mapping[str, str] | None = None,
                   titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Horizontal NPS bars from a zero line (−100…100, same scale on every page), one per stage (in
    order) or per channel (best first), promoter colour when positive and detractor colour when
    negative, with the 95% interval as an error bar and the signed value after it. Rows with fewer
    than ``MIN_N`` responses (or ``sufficient`` False) are grey and dashed, without interval, and say
    ``titles["insufficient"]``.

    ``titles`` keys: stage or channel (the ``by`` title), nps, responses, interval, insufficient,
    no_data, locale.

    Built in two parts (``charts.layouts``): ``nps_bars_rows`` (the rows, in the order drawn: ``order``) and
    ``nps_bars_layout``.
    """
    rows = nps_bars_rows(df, by, labels, titles)
    return with_rows(nps_bars_layout(by, labels, titles, shape=rows and rows.shape), rows)


def nps_bars_rows(df: pd.DataFrame, by: str = "stage", labels: Mapping[str, str] | None = None,
                  titles: Mapping[str, str] | None = None) -> Rows | None:
    """The rows ``nps_bars_layout`` draws (``NPS_BARS_ROWS``), or None when there is nothing to draw."""
    if by not in ("stage", "channel"):
        raise ValueError(f"by must be 'stage' or 'channel', not {by!r}")
    t = resolve_titles("satisfaction", titles)
    if is_empty(df):
        return None
    data = df.reset_index(drop=True)
    data["cat_label"] = labels_of(data[by], labels)
    data["insufficient"] = insufficient(data, "responses", "nps")
    if by == "stage":
        data = data.sort_values("position", kind="stable")
    else:
        data = data.assign(_key=pd.to_numeric(data["nps"], errors="coerce").where(~data["insufficient"]))
        data = data.sort_values(["_key", "cat_label"], ascending=[False, True], na_position="last", kind="stable")
        data = data.drop(columns="_key")
    data = data.reset_index(drop=True)
    data["order"] = data.index  # the bars' order, top to bottom (the layout sorts on it, holding no label)
    data["sign"] = ["negative" if v < 0 else "positive" for v in pd.to_numeric(data["nps"]).fillna(0)]
    data["bar_text"] = [t["insufficient"] if thin else texts(t).figure(v, 0, signed=True)
                        for v, thin in zip(data["nps"], data["insufficient"], strict=True)]
    data = blank_thin(data, "nps", "ci_low", "ci_high")  # under MIN_N: no bar length, no value in the tooltip
    data["interval_text"] = _interval_texts(data, lambda v: texts(t).figure(v, 0, signed=True))
    data["text_x"] = _text_x(data, "nps")
    return Rows({NPS_BARS_ROWS: data})


def nps_bars_layout(by: str = "stage", labels: Mapping[str, str] | None = None,
                    titles: Mapping[str, str] | None = None, *, shape: tuple | None = ()) -> alt.LayerChart:
    """The chart of ``nps_bars_chart`` without its rows (``shape`` None: the chart that says there is no data)."""
    t = resolve_titles("satisfaction", titles)
    if shape is None:
        return no_data_chart(t)
    data = alt.NamedData(name=NPS_BARS_ROWS)
    y = alt.Y("cat_label:N", sort=alt.EncodingSortField("order", op="min"), title=t[by])
    x_scale = alt.Scale(domain=[-100, 130], nice=False)
    tooltip = [
        alt.Tooltip("cat_label:N", title=t[by]),
        alt.Tooltip("responses:Q", title=t["responses"], format=",d"),
        alt.Tooltip("nps:Q", title=t["nps"], format="+.1f"),
        alt.Tooltip("interval_text:N", title=t["interval"]),
    ]
    base = alt.Chart(data).encode(y=y, tooltip=tooltip)
    x = alt.X("nps:Q", scale=x_scale, title=t["nps"],
              axis=alt.Axis(values=[-100, -50, 0, 50, 100], labelExpr=SIGNED_LABELS))
    bars = base.transform_filter("!datum.insufficient").mark_bar().encode(
        x=x,
        color=alt.Color("sign:N", legend=None, scale=alt.Scale(
            domain=["negative", "positive"], range=[NPS_COLORS["detractors"], NPS_COLORS["promoters"]])),
    )
    errors = base.transform_filter("!datum.insufficient").mark_errorbar(**_ERRORBAR).encode(
        x=alt.X("ci_low:Q", scale=x_scale, title=t["nps"]), x2="ci_high:Q",
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color="#3A3A3A", strokeWidth=1.5).encode(x="zero:Q")
    text = base.mark_text(align="left", dx=8).encode(
        x=alt.X("text_x:Q", scale=x_scale), text="bar_text:N", color=text_colour(),
    )
    return finish(alt.layer(bars, errors, zero, text).properties(height=alt.Step(44)), t)


# ---------------------------------------------------------------------------------------------- NPS split


def nps_split_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                    titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """100% stacked horizontal bars, one per stage in order: detractors (vermillion, left), passives
    (grey), promoters (bluish green, right), each segment labelled with its share when wide enough;
    the NPS is the green part minus the vermillion part. Stages with fewer than ``MIN_N`` responses
    are one grey dashed bar saying ``titles["insufficient"]``. The tooltip gives the counts.

    ``titles`` keys: stage, answers, detractors, passives, promoters, share_responses, responses,
    insufficient, no_data, locale.
    """
    t = resolve_titles("satisfaction", titles)
    if is_empty(df):
        return no_data_chart(t)
    data = _by_position(df, labels)
    data["insufficient"] = insufficient(data, "responses")
    kinds = ["detractors", "passives", "promoters"]
    rows = []
    for r in data.itertuples(index=False):
        common = {"stage_label": r.stage_label, "responses": r.responses, "insufficient": bool(r.insufficient)}
        if r.insufficient:
            rows.append({**common, "kind": "insufficient", "kind_label": t["insufficient"], "count": None,
                         "share": None, "x_start": 0.0, "x_end": 1.0, "text": t["insufficient"]})
            continue
        start = 0.0
        for kind in kinds:
            count = getattr(r, kind)
            share = count / r.responses
            rows.append({**common, "kind": kind, "kind_label": t[kind], "count": count, "share": share,
                         "x_start": start, "x_end": start + share,
                         "text": texts(t).share(share) if share >= 0.07 else ""})
            start += share
    long = pd.DataFrame(rows)
    long["x_mid"] = (long["x_start"] + long["x_end"]) / 2
    order = data["stage_label"].tolist()
    y = alt.Y("stage_label:N", sort=order, title=t["stage"])

    base = alt.Chart(long).encode(
        y=y,
        x=alt.X("x_start:Q", scale=alt.Scale(domain=[0, 1], nice=False), title=t["share_responses"],
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1])),
        x2="x_end:Q",
        tooltip=[
            alt.Tooltip("stage_label:N", title=t["stage"]),
            alt.Tooltip("kind_label:N", title=t["answers"]),
            alt.Tooltip("count:Q", title=t["responses"], format=",d"),
            alt.Tooltip("share:Q", title=t["share_responses"], format=".1%"),
            alt.Tooltip("responses:Q", title=f"{t['responses']} (n)", format=",d"),
        ],
    )
    bars = base.transform_filter("!datum.insufficient").mark_bar(stroke="white", strokeWidth=1).encode(
        color=alt.Color("kind_label:N", title=t["answers"],
                        scale=alt.Scale(domain=[t[k] for k in kinds], range=[NPS_COLORS[k] for k in kinds])),
    )
    grey = base.transform_filter("datum.insufficient").mark_bar(**GREY_BAR)
    text = alt.Chart(long).mark_text().encode(y=y, x="x_mid:Q", text="text:N", color=text_colour())
    return finish(alt.layer(bars, grey, text).properties(height=alt.Step(46)), t)


# ---------------------------------------------------------------------------------------------- CSAT


CSAT_ROWS = "csat"
"""The name of the rows ``csat_layout`` reads."""


def csat_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
               titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Horizontal bars, one per stage in order, of the share of satisfied answers (4 or 5 of 5), in the
    stage's colour, with its 95% interval (``ci_low``–``ci_high``, an interval of that share) as an
    error bar and "78% · 4.1/5" (share · mean score) after it. Stages with fewer than ``MIN_N``
    responses are grey and dashed with ``titles["insufficient"]``.

    ``titles`` keys: stage, satisfied_share, mean_csat, csat_scale, responses, interval,
    insufficient, no_data, locale.

    Built in two parts (``charts.layouts``): ``csat_rows`` (in stage order: ``order``; shape: the stages drawn, which
    the colour scale lists) and ``csat_layout``.
    """
    rows = csat_rows(df, labels, titles)
    return with_rows(csat_layout(labels, titles, shape=rows and rows.shape), rows)


def csat_rows(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
              titles: Mapping[str, str] | None = None) -> Rows | None:
    """The rows ``csat_layout`` draws (``CSAT_ROWS``), or None when there is nothing to draw."""
    t = resolve_titles("satisfaction", titles)
    if is_empty(df):
        return None
    data = _by_position(df, labels)
    data["order"] = range(len(data))  # the bars' order, top to bottom (the layout sorts on it)
    data["insufficient"] = insufficient(data, "responses", "satisfied_share")
    data["bar_text"] = [
        t["insufficient"] if thin else f"{texts(t).share(s)} · {texts(t).figure(m, 1)}{t['csat_scale']}"
        for s, m, thin in zip(data["satisfied_share"], data["mean_csat"], data["insufficient"], strict=True)
    ]
    data = blank_thin(data, "satisfied_share", "mean_csat", "ci_low", "ci_high")  # no bar length, no value
    data["interval_text"] = _interval_texts(data, lambda v: texts(t).percent(v, 1))
    data["text_x"] = _text_x(data, "satisfied_share")
    return Rows({CSAT_ROWS: data}, (tuple(data["stage"]),))


def csat_layout(labels: Mapping[str, str] | None = None, titles: Mapping[str, str] | None = None, *,
                shape: tuple | None = ()) -> alt.LayerChart:
    """The chart of ``csat_chart`` without its rows, for the stages of ``shape`` (None: the chart that says there is
    no data)."""
    t = resolve_titles("satisfaction", titles)
    if shape is None:
        return no_data_chart(t)
    (stages,) = shape
    scale = alt.Scale(domain=[0, 1.3], nice=False)  # room for the text after a bar at 100%

    base = alt.Chart(alt.NamedData(name=CSAT_ROWS)).encode(
        y=alt.Y("stage_label:N", sort=alt.EncodingSortField("order", op="min"), title=t["stage"]),
        tooltip=[
            alt.Tooltip("stage_label:N", title=t["stage"]),
            alt.Tooltip("responses:Q", title=t["responses"], format=",d"),
            alt.Tooltip("satisfied_share:Q", title=t["satisfied_share"], format=".1%"),
            alt.Tooltip("interval_text:N", title=t["interval"]),
            alt.Tooltip("mean_csat:Q", title=t["mean_csat"], format=".2f"),
        ],
    )
    x = alt.X("satisfied_share:Q", scale=scale, axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
              title=t["satisfied_share"])
    bars = base.transform_filter("!datum.insufficient").mark_bar().encode(
        x=x, color=alt.Color("stage_label:N", scale=stage_scale(list(stages), labels), legend=None),
    )
    errors = base.transform_filter("!datum.insufficient").mark_errorbar(**_ERRORBAR).encode(
        x=alt.X("ci_low:Q", scale=scale, title=t["satisfied_share"]), x2="ci_high:Q",
    )
    text = base.mark_text(align="left", dx=8).encode(
        x=alt.X("text_x:Q", scale=scale), text="bar_text:N", color=text_colour(),
    )
    return finish(alt.layer(bars, errors, text).properties(height=alt.Step(44)), t)


# ---------------------------------------------------------------------------------------------- churn


def churn_by_stage_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                         titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Horizontal bars of the churn rate of customers grouped by their furthest stage (stages in
    order, stage colours), the rate after each bar, and the 95% interval as an error bar when the
    frame has ``ci_low``/``ci_high``. Stages with fewer than ``MIN_N`` customers (or no known churn
    status) are grey and dashed with ``titles["insufficient"]``.

    ``titles`` keys: stage, churn_rate, customers, interval, insufficient, no_data, locale.
    """
    t = resolve_titles("satisfaction", titles)
    if is_empty(df):
        return no_data_chart(t)
    data = _by_position(df, labels)
    has_ci = {"ci_low", "ci_high"} <= set(data.columns)
    data["insufficient"] = insufficient(data, "customers", "churn_rate")
    data["bar_text"] = [t["insufficient"] if thin else texts(t).share(v)
                        for v, thin in zip(data["churn_rate"], data["insufficient"], strict=True)]
    data = blank_thin(data, "churn_rate", "ci_low", "ci_high")  # under MIN_N: no bar length, no rate
    data["interval_text"] = _interval_texts(data, lambda v: texts(t).percent(v, 1))
    data["text_x"] = _text_x(data, "churn_rate")
    order = data["stage_label"].tolist()
    scale, axis = rate_axis(float(data["text_x"].max()), t["churn_rate"])

    base = alt.Chart(data).encode(
        y=alt.Y("stage_label:N", sort=order, title=t["stage"]),
        tooltip=[
            alt.Tooltip("stage_label:N", title=t["stage"]),
            alt.Tooltip("customers:Q", title=t["customers"], format=",d"),
            alt.Tooltip("churn_rate:Q", title=t["churn_rate"], format=".1%"),
            alt.Tooltip("interval_text:N", title=t["interval"]),
        ],
    )
    x = alt.X("churn_rate:Q", scale=scale, axis=axis)
    bars = base.transform_filter("!datum.insufficient").mark_bar().encode(
        x=x, color=alt.Color("stage_label:N", scale=stage_scale(data["stage"].tolist(), labels), legend=None),
    )
    layers = [bars]
    if has_ci:
        layers.append(base.transform_filter("!datum.insufficient").mark_errorbar(**_ERRORBAR).encode(
            x=alt.X("ci_low:Q", scale=scale, title=t["churn_rate"]), x2="ci_high:Q",
        ))
    layers.append(base.mark_text(align="left", dx=8).encode(
        x=alt.X("text_x:Q", scale=scale), text="bar_text:N", color=text_colour(),
    ))
    return finish(alt.layer(*layers).properties(height=alt.Step(44)), t)


# ---------------------------------------------------------------------------------------------- NPS heatmap


def nps_heatmap(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Stage × channel grid of NPS: rows are stages in order, columns channels (alphabetical by label);
    a cell's colour runs from vermillion (−100) through near-white (0) to bluish green (+100) and it
    shows the signed NPS. A cell that is not ``sufficient`` (or has fewer than ``MIN_N`` responses, or
    no row at all) is grey with a dashed outline and says ``titles["insufficient"]``: it is never put
    on the colour scale. The tooltip gives responses, NPS and its 95% interval.

    ``titles`` keys: stage, channel, nps, responses, interval, insufficient, no_data, locale.
    """
    t = resolve_titles("satisfaction", titles)
    return _heatmap(df, labels, t, "nps", alt.Scale(**NPS_DIVERGING),
                    alt.Legend(values=[-100, -50, 0, 50, 100], gradientLength=220, labelExpr=SIGNED_LABELS),
                    lambda v: texts(t).figure(v, 0, signed=True), "+.1f")


def csat_heatmap(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                 titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """The same grid on CSAT (``analytics.satisfaction.stage_channel_csat``): a cell's colour runs from vermillion
    (1 star) through near-white (3) to bluish green (5) and it shows the mean answer ("2.4"); under ``MIN_N``
    respondents, grey and "too few", never on the colour scale. The tooltip gives responses, the mean and its
    interval clustered by customer.

    ``titles`` keys: stage, channel, mean_csat, responses, interval, insufficient, no_data, locale.
    """
    t = resolve_titles("satisfaction", titles)
    scale = alt.Scale(domain=[1, 3, 5], range=NPS_DIVERGING["range"])
    return _heatmap(df, labels, t, "mean_csat", scale, alt.Legend(values=[1, 2, 3, 4, 5], gradientLength=220),
                    lambda v: texts(t).figure(v, 1), ".2f")


def _heatmap(df: pd.DataFrame, labels: Mapping[str, str] | None, t: Mapping[str, str], value: str, scale,
             legend, fmt, tip_format: str) -> alt.LayerChart:
    """The stage × channel grid of ``value`` (``nps`` or ``mean_csat``) on ``scale``; see ``nps_heatmap``."""
    if is_empty(df):
        return no_data_chart(t)
    df = df.assign(channel=df["channel"].astype(object).where(df["channel"].notna(), MISSING))
    stages = df[["stage", "position"]].drop_duplicates("stage").sort_values("position", kind="stable")
    channels = sorted(df["channel"].drop_duplicates(), key=lambda c: (label_of(c, labels).casefold(), str(c)))
    grid = pd.MultiIndex.from_product([stages["stage"], channels], names=["stage", "channel"]).to_frame(index=False)
    data = grid.merge(df.drop(columns="position"), on=["stage", "channel"], how="left")
    data = data.merge(stages, on="stage", how="left")
    data["responses"] = pd.to_numeric(data["responses"], errors="coerce").fillna(0)
    if "sufficient" in data.columns:
        data["sufficient"] = data["sufficient"].astype("boolean").fillna(False).astype(bool)
    data["stage_label"] = labels_of(data["stage"], labels)
    data["channel_label"] = labels_of(data["channel"], labels)
    data["insufficient"] = insufficient(data, "responses", value)
    data["cell_text"] = [t["insufficient"] if thin else fmt(v)
                         for v, thin in zip(data[value], data["insufficient"], strict=True)]
    data = blank_thin(data, value, "ci_low", "ci_high")  # a grey cell: no value in its tooltip
    data["interval_text"] = _interval_texts(data, fmt)
    data["responses_text"] = [texts(t).number(n) for n in data["responses"]]

    base = alt.Chart(data).encode(
        x=alt.X("channel_label:N", sort=labels_of(channels, labels), title=t["channel"],
                axis=alt.Axis(orient="top", labelAngle=-30, labelAlign="left")),
        y=alt.Y("stage_label:N", sort=labels_of(stages["stage"], labels), title=t["stage"]),
        tooltip=[
            alt.Tooltip("stage_label:N", title=t["stage"]),
            alt.Tooltip("channel_label:N", title=t["channel"]),
            alt.Tooltip("responses:Q", title=t["responses"], format=",d"),
            alt.Tooltip(f"{value}:Q", title=t[value], format=tip_format),
            alt.Tooltip("interval_text:N", title=t["interval"]),
        ],
    )
    cells = base.transform_filter("!datum.insufficient").mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(f"{value}:Q", title=t[value], scale=scale, legend=legend),
    )
    grey = base.transform_filter("datum.insufficient").mark_rect(**GREY_BAR)
    text = base.mark_text().encode(text="cell_text:N", color=text_colour())
    return finish(alt.layer(cells, grey, text).properties(height=alt.Step(44)), t)


# ---------------------------------------------------------------------------------------------- over time

_TREND_SCALE = {"nps": ([-100, 100], [-100, -50, 0, 50, 100]), "csat": ([1, 5], [1, 2, 3, 4, 5])}
_TREND_HEIGHT = 260


SATISFACTION_TREND_ROWS = "satisfaction_trend"
"""The name of the rows ``satisfaction_trend_layout`` reads."""


def satisfaction_trend_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                             titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """The satisfaction measure per period (``analytics.satisfaction.satisfaction_trend``): a line through the
    periods' values with a point on each and its 95 % interval as a band (``ci_low``–``ci_high``). NPS on a fixed
    −100…100 scale with signed labels and a zero line, CSAT on 1…5 (the frame's ``measure``; NPS without it).

    A period resting on fewer than ``MIN_N`` respondents (``sufficient`` False, or ``respondents`` < 30) is not
    drawn — no point, no band, its value is null in the spec, and the line and band stop on either side of it
    rather than joining over it — and a grey cross at the foot of the chart says "too few". A drawn period with no
    drawn neighbour keeps its interval as a vertical rule (a band needs two periods). The ``partial`` period (the
    one the data stops in) is an open point, so a month half over is not read as a fall. Tooltip: period, value,
    interval, respondents, status.

    ``labels`` is unused (no codes on this chart), taken for a uniform call. ``titles`` keys: period, nps,
    mean_csat, respondents, interval, trend_status, trend_partial, trend_full, trend_insufficient, no_data, locale.

    Built in two parts (``charts.layouts``): ``satisfaction_trend_rows`` and ``satisfaction_trend_layout``.
    """
    rows = satisfaction_trend_rows(df, labels, titles)
    return with_rows(satisfaction_trend_layout(labels, titles, shape=rows and rows.shape), rows)


def satisfaction_trend_rows(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                            titles: Mapping[str, str] | None = None) -> Rows | None:
    """The rows ``satisfaction_trend_layout`` draws (``SATISFACTION_TREND_ROWS``; shape: the measure, ``nps`` or
    ``csat``), or None when there is nothing to draw."""
    t = resolve_titles("satisfaction_trend", titles)
    if is_empty(df) or "period_start" not in df.columns:
        return None
    measures = df["measure"].dropna().unique().tolist() if "measure" in df.columns else []
    measure = "csat" if measures and measures[0] == "csat" else "nps"
    data = pd.DataFrame({"period_start": pd.to_datetime(df["period_start"])}, index=df.index)
    for column in ("value", "ci_low", "ci_high"):
        values = pd.to_numeric(df[column], errors="coerce") if column in df.columns else np.nan
        data[column] = pd.Series(values, index=df.index, dtype="float64").where(lambda v: np.isfinite(v))
    data["respondents"] = pd.to_numeric(df["respondents"], errors="coerce") if "respondents" in df.columns else 0
    data["respondents"] = data["respondents"].where(np.isfinite(data["respondents"]))
    if "sufficient" in df.columns:
        data["sufficient"] = df["sufficient"].fillna(False).astype(bool)
    data["partial"] = df["partial"].fillna(False).astype(bool) if "partial" in df.columns else False
    data = data.sort_values("period_start", kind="stable").reset_index(drop=True)
    data["insufficient"] = insufficient(data, "respondents", "value")
    data = blank_thin(data, "value", "ci_low", "ci_high")  # under MIN_N: neither drawn nor in a tooltip
    drawn = ~data["insufficient"]
    data["segment"] = data["insufficient"].cumsum().astype(int)  # a run of drawn periods, broken by a thin one
    data["isolated"] = drawn & ~drawn.shift(1, fill_value=False) & ~drawn.shift(-1, fill_value=False)
    signed = measure == "nps"
    decimals = 1 if signed else 2
    data["value_text"] = [texts(t).figure(v, decimals, signed=signed) for v in data["value"]]
    data["interval_text"] = _interval_texts(data, lambda v: texts(t).figure(v, decimals, signed=signed))
    data["status"] = [t["trend_insufficient"] if thin else t["trend_partial"] if partial else t["trend_full"]
                      for thin, partial in zip(data["insufficient"], data["partial"], strict=True)]
    data = data.drop(columns=[c for c in ("sufficient",) if c in data.columns])
    return Rows({SATISFACTION_TREND_ROWS: data}, (measure,))


def satisfaction_trend_layout(labels: Mapping[str, str] | None = None, titles: Mapping[str, str] | None = None, *,
                              shape: tuple | None = ("nps",)) -> alt.LayerChart:
    """The chart of ``satisfaction_trend_chart`` without its rows, for the measure of ``shape`` (None: the chart that
    says there is no data)."""
    t = resolve_titles("satisfaction_trend", titles)
    if shape is None:
        return no_data_chart(t)
    (measure,) = shape
    signed = measure == "nps"
    data = alt.NamedData(name=SATISFACTION_TREND_ROWS)
    domain, ticks = _TREND_SCALE[measure]
    title = t["nps"] if signed else t["mean_csat"]
    scale = alt.Scale(domain=domain, nice=False, zero=False)
    x = alt.X("period_start:T", title=t["period"])
    period = alt.Tooltip("period_start:T", title=t["period"], format="%d %b %Y")
    respondents = alt.Tooltip("respondents:Q", title=t["respondents"], format=",d")
    status = alt.Tooltip("status:N", title=t["trend_status"])
    tooltip = [period, alt.Tooltip("value_text:N", title=title), alt.Tooltip("interval_text:N", title=t["interval"]),
               respondents, status]
    y = alt.Y("value:Q", title=title, scale=scale,
              axis=alt.Axis(values=ticks, labelExpr=SIGNED_LABELS if signed else alt.Undefined,
                            format="d" if signed else ".0f"))
    base = alt.Chart(data).transform_filter("!datum.insufficient").encode(x=x, tooltip=tooltip)
    band = base.mark_area(color=NEUTRAL, opacity=0.18, interpolate="linear").encode(
        y=alt.Y("ci_low:Q", scale=scale, title=title), y2="ci_high:Q", detail="segment:N")
    lone = base.transform_filter("datum.isolated").mark_rule(color=NEUTRAL, opacity=0.45, strokeWidth=6).encode(
        y=alt.Y("ci_low:Q", scale=scale, title=title), y2="ci_high:Q")
    line = base.mark_line(color=NEUTRAL, strokeWidth=3).encode(y=y, detail="segment:N")
    filled = alt.condition("datum.partial", alt.value("white"), alt.value(NEUTRAL))  # open: period not over
    points = base.mark_point(filled=True, size=80, stroke=NEUTRAL, opacity=1, strokeWidth=2).encode(y=y, fill=filled)
    too_few = alt.Chart(data).transform_filter("datum.insufficient").mark_point(
        shape="cross", size=60, color="#9a9a9a", filled=True).encode(
        x=x, y=alt.value(_TREND_HEIGHT - 8), tooltip=[period, respondents, status])
    layers = [band, lone, line, points, too_few]
    if signed:
        zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color="#888888", strokeDash=[4, 3])
        layers.insert(0, zero.encode(y=alt.Y("zero:Q", scale=scale, title=title)))
    return finish(alt.layer(*layers).properties(height=_TREND_HEIGHT), t)
