"""The journey map: stages as columns, one lane per question, drawn as one Vega-Lite chart.

Lanes, top to bottom, all on the same band scale of stages (so the columns line up): customers who
reach the stage and the share who stop there; the main channels; the emotion curve (NPS and its 95 %
band, detractor share); the pain points and the points of delight, each with a short verbatim; churn
among the customers whose journey stopped there. Lanes carry no y axis, so every lane starts at the
same left edge; each lane's title says what it shows.

Two series (two personas) are drawn side by side within each stage column, in the group colours,
with a legend; one series is drawn in the lanes' own colours.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from charts.layouts import Rows, with_rows
from charts.palette import (
    GROUP_COLORS,
    INSUFFICIENT_TEXT,
    MIN_N,
    NEUTRAL,
    NPS_COLORS,
    TEXT,
    finish,
    finite_max,
    is_empty,
    label_of,
    no_data_chart,
    resolve_titles,
    texts,
)

__all__ = ["MAP_ROWS", "journey_map_chart", "journey_map_layout", "journey_map_rows"]

LINE_HEIGHT = 16


def _wrap(text: str, width: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of about ``width`` characters (an ellipsis when cut)."""
    out = textwrap.wrap(" ".join(str(text).split()), width=max(8, width)) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(1, width - 1)].rstrip() + "…"
    return out


def _series(df: pd.DataFrame) -> pd.Series:
    return df["series"].astype(str) if "series" in df.columns else pd.Series([""] * len(df), index=df.index)


MAP_ROWS = ("map_customers", "map_channels", "map_emotion", "map_zero", "map_pain", "map_pain_empty",
            "map_delight", "map_delight_empty", "map_churn")
"""The named datasets of the map's layout (``journey_map_layout``), one per lane's rows."""


def journey_map_chart(stages: pd.DataFrame, channels: pd.DataFrame, cells: pd.DataFrame,
                      labels: Mapping[str, str] | None = None, titles: Mapping[str, str] | None = None,
                      series_order: Sequence[str] | None = None, wrap: int = 26) -> alt.VConcatChart:
    """The map from ``analytics.journey_map`` frames (optionally with a ``series`` column, e.g. the persona,
    and ``series_order``). ``labels`` maps stage and channel codes to display texts (``"—"``: channel
    unknown); ``wrap`` is the verbatims' line length in characters (smaller when two series share a
    column). ``titles``: the ``lane_*`` titles and the short words of ``i18n.CHART_TEXTS["journey_map"]``, plus
    locale.

    Built in two parts (``charts.layouts``): ``journey_map_rows``, the lanes' rows and the map's *shape* (the stages
    in order, the series, how many ranks each lane has, NPS or CSAT), and ``journey_map_layout``, which depends on the
    options and that shape only. Every lane's vertical position is a share of its own scale's extent (``*_y``
    columns, computed with the rows), so that the layout holds no figure of the data.
    """
    rows = journey_map_rows(stages, channels, cells, labels, titles, series_order, wrap)
    return with_rows(journey_map_layout(labels, titles, series_order, wrap, shape=rows and rows.shape), rows)


def journey_map_rows(stages: pd.DataFrame, channels: pd.DataFrame, cells: pd.DataFrame,
                     labels: Mapping[str, str] | None = None, titles: Mapping[str, str] | None = None,
                     series_order: Sequence[str] | None = None, wrap: int = 26) -> Rows | None:
    """The map's rows (``MAP_ROWS``) and shape (see ``journey_map_chart``), or None when nobody is on the map."""
    t = resolve_titles("journey_map", titles)
    if is_empty(stages) or int(stages["customers"].sum()) == 0:
        return None
    stages = stages.assign(series=_series(stages)).sort_values(["position"], kind="stable")
    order = [label_of(s, labels) for s in dict.fromkeys(stages["stage"])]
    series = list(series_order) if series_order else list(dict.fromkeys(stages["series"]))
    two = len(series) > 1

    # -- lane 1: customers reaching each stage, and how many stop there
    s = stages.copy()
    s["stage_label"] = [label_of(c, labels) for c in s["stage"]]
    if "observed" not in s:
        s["observed"] = True
    s["observed"] = s["observed"].astype(bool)
    # a stage nobody is seen at: no bar (its "customers" reach it only through a later stage), words instead
    s["bar_customers"] = s["customers"].where(s["observed"], None).astype("float64")
    s["customers_text"] = [texts(t).number(v) if seen else t["not_observed"]
                           for v, seen in zip(s["customers"], s["observed"], strict=True)]
    s["text_at"] = s["customers"].where(s["observed"], 0)  # the words of a stage not observed sit at the foot
    # with two series side by side, the column is too narrow for the words
    # under MIN_N customers at the stage, the count only: no share of a handful
    s["stop_text"] = ["" if pd.isna(v) or n < MIN_N else f"↓ {texts(t).share(v)}" + ("" if two else f" {t['stop']}")
                      for v, n in zip(s["drop_off"], s["customers"], strict=True)]
    top = max(finite_max(s["customers"]), 1.0) * 1.6  # room for the words above the tallest bar
    s["bar_y"] = s["bar_customers"] / top
    s["text_y"] = s["text_at"] / top

    # -- lane 2: main channels
    ch = channels.assign(series=_series(channels)) if not is_empty(channels) else pd.DataFrame(
        {"stage": [], "rank": [], "channel": [], "share": [], "customers": [], "series": []})
    ch = ch.copy()
    ch["stage_label"] = [label_of(c, labels) for c in ch["stage"]]
    reached = dict(zip(zip(s["stage"], _series(s), strict=True), s["customers"], strict=True))
    ch["line"] = [f"{label_of(c, labels)} {texts(t).share(v)}" if reached.get((st, se), 0) >= MIN_N
                  else label_of(c, labels)  # the channel's name, not its share of a handful
                  for c, v, st, se in zip(ch["channel"], ch["share"], ch["stage"], ch["series"], strict=True)]
    n_ranks = int(ch["rank"].max()) if len(ch) else 1

    # -- lane 3: the emotion curve
    e = s.copy()
    # NPS (−100…+100, centre 0) or CSAT (1…5, centre 3): older frames without a measure are NPS
    csat = bool("measure" in e and (e["measure"] == "csat").any())
    if "value" not in e:
        e = e.assign(value=e["nps"], unhappy_share=e["detractor_share"], respondents=e["responses"])
    e["thin"] = e["respondents"] < MIN_N  # customers, not answers
    e["nps_text"] = [t["insufficient"] if thin else (f"CSAT {texts(t).figure(v, 1)}" if csat
                                                     else f"NPS {texts(t).figure(v, 0, signed=True)}")
                     for v, thin in zip(e["value"], e["thin"], strict=True)]
    e["det_text"] = ["" if thin or pd.isna(v) else
                     f"{t['dissatisfied_short'] if csat else t['detractors_short']} {texts(t).share(v)}"
                     for v, thin in zip(e["unhappy_share"], e["thin"], strict=True)]
    shown = e[~e["thin"]]
    floor, centre, ceiling, pad = _EMOTION_SCALE[csat]
    low = min(centre, -finite_max(-shown["ci_low"])) - pad
    high = max(centre, finite_max(shown["ci_high"])) + pad * 5 / 3
    start, end = max(floor, low), min(ceiling, high) + pad * 2 / 3

    def emotion_y(values):  # the share of the lane's extent, start → end
        return (pd.to_numeric(values, errors="coerce").astype("float64") - start) / (end - start)

    e["y_text"] = [v if not thin and pd.notna(v) else centre for v, thin in zip(e["value"], e["thin"], strict=True)]
    e["value_y"], e["low_y"], e["high_y"], e["text_y"] = (emotion_y(e[c]) for c in ("value", "ci_low", "ci_high",
                                                                                     "y_text"))
    zero = pd.DataFrame({"zero": [centre], "zero_y": emotion_y(pd.Series([centre]))})

    # -- lanes 4 and 5: pain points and points of delight, with a verbatim each
    def cell_rows(side: str) -> tuple[pd.DataFrame, pd.DataFrame, int, bool]:
        c = cells[cells["side"] == side] if not is_empty(cells) else cells
        c = (c.assign(series=_series(c)) if not is_empty(c) else
             pd.DataFrame({"stage": [], "rank": [], "channel": [], "nps": [], "measure": [], "value": [], "kind": [],
                           "quotes": [], "responses": [], "series": []}))
        c = c.copy()
        width = max(10, wrap)
        cell_texts, quotes = [], []
        for r in c.to_dict("records"):
            score = (f"CSAT {texts(t).figure(r['value'], 1)}" if r.get("measure") == "csat"
                     else f"NPS {texts(t).figure(r['nps'], 0, signed=True)}")
            head = f"{label_of(r['channel'], labels)} · {score}"
            lines = _wrap(head, width, 2)
            for q in list(r["quotes"])[:1]:
                lines += _wrap(f"{t['quote_open']}{q}{t['quote_close']}", width, 3)
            # split again by the mark's lineBreak (Streamlit's data path drops arrays)
            cell_texts.append("\n".join(lines))
            # a quote cut to fit its cell is whole in the tooltip
            quotes.append(" ".join(f"{t['quote_open']}{q}{t['quote_close']}" for q in list(r["quotes"])[:1]))
        c["lines"] = cell_texts
        c["quote"] = quotes
        c["stage_label"] = [label_of(v, labels) for v in c["stage"]]
        c["significant"] = [k in ("irritant", "delight") for k in c["kind"]]
        ranks = int(c["rank"].max()) if len(c) else 1
        empty = pd.DataFrame({"stage_label": order, "series": series[0], "none": t["none"]})
        empty = empty[~empty["stage_label"].isin(set(c["stage_label"]))]
        return c, empty, ranks, bool(len(c))

    pain, pain_empty, pain_ranks, pain_any = cell_rows("pain")
    delight, delight_empty, delight_ranks, delight_any = cell_rows("delight")

    # -- lane 6: churn among those who stopped at the stage
    k = s.copy()
    k["thin"] = k["churn_n"] < MIN_N
    k["churn_text"] = [t["insufficient"] if thin else texts(t).share(v)
                       for v, thin in zip(k["churn_rate"], k["thin"], strict=True)]
    k["churn_y"] = [0.0 if thin or pd.isna(v) else v for v, thin in zip(k["churn_rate"], k["thin"], strict=True)]
    top_churn = max(finite_max(k["churn_y"]), 0.05) * 1.5
    k["churn_y"] = k["churn_y"] / top_churn

    frames = (s, ch, e, zero, pain, pain_empty, delight, delight_empty, k)
    datasets = {name: f.drop(columns=[c for c in ("quotes",) if c in f.columns]) for name, f in zip(MAP_ROWS, frames,
                                                                                                    strict=True)}
    shape = (tuple(order), tuple(series), n_ranks, csat, (pain_ranks, pain_any), (delight_ranks, delight_any))
    return Rows(datasets, shape)


_EMOTION_SCALE = {False: (-100.0, 0.0, 100.0, 15.0), True: (1.0, 3.0, 5.0, 0.3)}
"""NPS or CSAT (key: CSAT): the measure's floor, centre, ceiling and the lane's padding."""


def journey_map_layout(labels: Mapping[str, str] | None = None, titles: Mapping[str, str] | None = None,
                       series_order: Sequence[str] | None = None, wrap: int = 26, *,
                       shape: tuple | None) -> alt.TopLevelMixin:
    """The map of ``journey_map_chart`` without its rows, for ``shape`` (``journey_map_rows``; None: the chart that
    says nobody is on the map). Its lanes read the named datasets ``MAP_ROWS``."""
    t = resolve_titles("journey_map", titles)
    if shape is None:
        return no_data_chart(t)
    order, series, n_ranks, csat, (pain_ranks, pain_any), (delight_ranks, delight_any) = shape
    order, series = list(order), list(series)
    two = len(series) > 1
    colour = (alt.Color("series:N", scale=alt.Scale(domain=series, range=GROUP_COLORS[: len(series)]),
                        legend=alt.Legend(title=t["series"], orient="bottom")) if two else None)

    def x(axis: bool = False):
        return alt.X("stage_label:N", sort=order, scale=alt.Scale(domain=order, paddingInner=0.08),
                     axis=alt.Axis(orient="top", title=None, labelAngle=0, labelFontSize=15, labelFontWeight="bold",
                                   ticks=False, domain=False) if axis else None)

    def named(name: str) -> alt.NamedData:
        """A lane's rows, by name: the lanes' many layers carry a name, not a copy of the rows (Altair deep-copies
        inline rows at every step)."""
        return alt.NamedData(name=name)

    def lane(data, title: str, height: int, axis: bool = False, text: bool = False) -> alt.Chart:
        """One lane; with two series, bars sit side by side in the stage's column and texts one above the other
        (a text needs the column's whole width)."""
        chart = alt.Chart(data, title=alt.Title(title, fontSize=14, anchor="start", offset=4)).encode(x=x(axis))
        if two:
            scale = alt.Scale(domain=series)
            chart = chart.encode(yOffset=alt.YOffset("series:N", sort=series, scale=scale)) if text else chart.encode(
                xOffset=alt.XOffset("series:N", sort=series, scale=scale))
        return chart.properties(height=height * (2 if two and text else 1))

    def with_colour(mark_colour: str):
        return colour if two else alt.value(mark_colour)

    share = alt.Scale(domain=[0, 1])  # every lane's position is a share of its extent (``journey_map_rows``)

    # -- lane 1: customers reaching each stage, and how many stop there
    y_customers = alt.Y("text_y:Q", axis=None, scale=share)
    y_bars = alt.Y("bar_y:Q", axis=None, scale=share)
    sd = named("map_customers")
    customers = alt.layer(
        lane(sd, t["lane_customers"], 100, axis=True).transform_filter("datum.observed")
        .mark_bar(cornerRadiusTopLeft=3, cornerRadiusTopRight=3)
        .encode(y=y_bars, color=with_colour(NEUTRAL), tooltip=[
            alt.Tooltip("stage_label:N", title=t.get("stage", "Stage")),
            alt.Tooltip("customers:Q", title=t["customers"], format=",d"),
            alt.Tooltip("stopped:Q", format=",d", title=t["stop"]),
        ] + ([alt.Tooltip("series:N", title=t["series"])] if two else [])),
        lane(sd, t["lane_customers"], 100, axis=True).mark_text(dy=-20, baseline="bottom", fontWeight="bold",
                                                               color=TEXT)
        .encode(y=y_customers, text="customers_text:N"),
        lane(sd, t["lane_customers"], 100, axis=True).mark_text(dy=-4, baseline="bottom", fontSize=12,
                                                               color=NPS_COLORS["detractors"])
        .encode(y=y_customers, text="stop_text:N"),
    )

    # -- lane 2: main channels
    y_rank = alt.Y("rank:O", axis=None, scale=alt.Scale(domain=list(range(1, n_ranks + 1))))
    chd = named("map_channels")
    channel_lane = alt.layer(
        lane(chd, t["lane_channels"], 24 * n_ranks, text=True).mark_bar(opacity=0.18)
        .encode(y=y_rank, color=with_colour(NEUTRAL)),
        lane(chd, t["lane_channels"], 24 * n_ranks, text=True).mark_text(fontSize=13, color=TEXT).encode(
            y=y_rank, text="line:N", tooltip=[alt.Tooltip("line:N", title=t["channel"]),
                                              alt.Tooltip("customers:Q", format=",d", title=t["customers"])]),
    )

    # -- lane 3: the emotion curve
    floor, centre, ceiling, _ = _EMOTION_SCALE[csat]
    y_nps = alt.Y("value_y:Q", axis=None, scale=share)
    emotion_base = lane(named("map_emotion"), t["lane_emotion"], 120)
    band = emotion_base.transform_filter("!datum.thin").mark_bar(opacity=0.22, width=alt.RelativeBandSize(0.5)).encode(
        y=alt.Y("low_y:Q", scale=share, axis=None), y2="high_y:Q", color=with_colour(NEUTRAL))
    zero = alt.Chart(named("map_zero")).mark_rule(color="#9A9A9A", strokeDash=[3, 3]).encode(
        y=alt.Y("zero_y:Q", scale=share, axis=None))
    points = emotion_base.transform_filter("!datum.thin").mark_point(filled=True, size=110).encode(
        y=y_nps, color=alt.Color("value:Q", legend=None, scale=alt.Scale(
            domain=[floor, centre, ceiling], range=[NPS_COLORS["detractors"], "#BDBDBD", NPS_COLORS["promoters"]]))
        if not two else colour,
        tooltip=[alt.Tooltip("stage_label:N", title=t.get("stage", "Stage")),
                 alt.Tooltip("value:Q", format=".2f" if csat else "+.1f", title="CSAT" if csat else "NPS"),
                 alt.Tooltip("ci_low:Q", format=".2f" if csat else "+.1f"),
                 alt.Tooltip("ci_high:Q", format=".2f" if csat else "+.1f"),
                 alt.Tooltip("responses:Q", format=",d", title=t["responses"])])
    line = emotion_base.transform_filter("!datum.thin").mark_line(strokeWidth=2).encode(
        y=y_nps, color=with_colour("#7A7A7A"), detail="series:N")
    nps_text = emotion_base.mark_text(dy=-14, fontWeight="bold").encode(
        y=alt.Y("text_y:Q", scale=share, axis=None), text="nps_text:N",
        color=alt.condition("datum.thin", alt.value(INSUFFICIENT_TEXT), alt.value(TEXT)))
    det_text = emotion_base.mark_text(dy=16, fontSize=12, color=NPS_COLORS["detractors"]).encode(
        y=alt.Y("text_y:Q", scale=share, axis=None), text="det_text:N")
    emotion = alt.layer(band, zero, line, points, nps_text, det_text)

    # -- lanes 4 and 5: pain points and points of delight, with a verbatim each
    def cell_lane(side: str, title: str, tone: str, ranks: int, filled: bool) -> alt.LayerChart:
        per_rank = LINE_HEIGHT * 6 if filled else LINE_HEIGHT * 2  # an empty lane only says "—"
        base = lane(named(f"map_{side}"), title, per_rank * ranks, text=True)
        rank_scale = alt.Scale(domain=list(range(1, ranks + 1)), paddingInner=0.06)
        y = alt.Y("rank:O", axis=None, scale=rank_scale)
        return alt.layer(
            base.mark_rect(opacity=0.10, cornerRadius=4).encode(y=y, color=with_colour(tone)),
            base.mark_text(lineBreak="\n", lineHeight=LINE_HEIGHT, fontSize=12, baseline="top", dy=6).encode(
                y=alt.Y("rank:O", axis=None, bandPosition=0, scale=rank_scale), text="lines:N",
                color=alt.condition("datum.significant", alt.value(tone), alt.value(TEXT)) if not two else colour,
                tooltip=[alt.Tooltip("lines:N", title=title), alt.Tooltip("quote:N", title=t["quote"]),
                         alt.Tooltip("responses:Q", format=",d", title=t["responses"])]),
            alt.Chart(named(f"map_{side}_empty")).mark_text(color=INSUFFICIENT_TEXT).encode(x=x(), text="none:N"),
        )

    pains = cell_lane("pain", t["lane_pains"], NPS_COLORS["detractors"], pain_ranks, pain_any)
    delights = cell_lane("delight", t["lane_delights"], NPS_COLORS["promoters"], delight_ranks, delight_any)

    # -- lane 6: churn among those who stopped at the stage
    y_churn = alt.Y("churn_y:Q", axis=None, scale=share)
    kd = named("map_churn")
    churn = alt.layer(
        # under MIN_N no bar at all (its text says "too few" at the lane's foot)
        lane(kd, t["lane_churn"], 70).transform_filter("!datum.thin").mark_bar(
            cornerRadiusTopLeft=3, cornerRadiusTopRight=3).encode(
            y=y_churn, color=with_colour(NPS_COLORS["detractors"]) if not two else colour,
            tooltip=[alt.Tooltip("churn_text:N", title=t["lane_churn"]),
                     alt.Tooltip("churn_n:Q", format=",d", title="n")]),
        lane(kd, t["lane_churn"], 70).mark_text(dy=-8, color=TEXT).encode(y=y_churn, text="churn_text:N"),
    )

    # "flush" bounds: a long text that overflows its column never shifts the lanes out of line
    chart = alt.vconcat(customers, channel_lane, emotion, pains, delights, churn, spacing=30,
                        bounds="flush").resolve_scale(
        x="shared", color="shared" if two else "independent")
    return finish(chart, t)
