"""Channel charts: channel mix, channel-to-channel transitions, journey flows across stages, digital share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from charts.palette import (
    DIGITAL_PHYSICAL,
    GREY_BAR,
    MIN_N,
    MIX_COLORS,
    TEXT,
    blank_thin,
    channel_scale,
    finish,
    finite_max,
    insufficient,
    is_empty,
    label_of,
    labels_of,
    no_data_chart,
    rate_axis,
    resolve_titles,
    text_colour,
    texts,
    thin_label,
)

__all__ = ["digital_share_chart", "flow_chart", "flow_layout", "mix_chart", "transition_heatmap"]


# ---------------------------------------------------------------------------------------------- mix


def mix_chart(df: pd.DataFrame, titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """One horizontal bar per channel-mix class (mono, multi, cross, in that order) of its share of
    customers, each ending with "62% · 1,234". Colours: light to dark blue as journeys use more
    channels. Under ``MIN_N`` customers in all, the bars are grey with ``titles["insufficient"]``.

    ``titles`` keys: mix, share, customers, mono, multi, cross, insufficient, no_data, locale.
    """
    t = resolve_titles("channels", titles)
    if is_empty(df):
        return no_data_chart(t)
    known = list(MIX_COLORS)
    data = df.assign(rank=[known.index(m) if m in known else len(known) for m in df["mix"]])
    data = data.sort_values("rank", kind="stable").reset_index(drop=True)
    data["mix_label"] = [t.get(str(m), str(m)) for m in data["mix"]]
    data["insufficient"] = insufficient(data, None, "share") | (data["customers"].sum() < MIN_N)
    data["bar_text"] = [
        t["insufficient"] if thin else f"{texts(t).share(s)} · {texts(t).number(n)}"
        for s, n, thin in zip(data["share"], data["customers"], data["insufficient"], strict=True)
    ]
    data = blank_thin(data, "share")  # under MIN_N: no bar length, no share in the tooltip
    order = data["mix_label"].tolist()
    colours = [MIX_COLORS.get(m, "#595959") for m in data["mix"]]
    scale, axis = rate_axis(pd.to_numeric(data["share"]).max(), t["share"])

    base = alt.Chart(data).encode(
        y=alt.Y("mix_label:N", sort=order, title=t["mix"]),
        x=alt.X("share:Q", scale=scale, axis=axis),
        tooltip=[
            alt.Tooltip("mix_label:N", title=t["mix"]),
            alt.Tooltip("customers:Q", title=t["customers"], format=",d"),
            alt.Tooltip("share:Q", title=t["share"], format=".1%"),
        ],
    )
    bars = base.transform_filter("!datum.insufficient").mark_bar().encode(
        color=alt.Color("mix_label:N", scale=alt.Scale(domain=order, range=colours), legend=None),
    )
    thin = thin_label(base, tooltip=[alt.Tooltip("mix_label:N", title=t["mix"]),
                                     alt.Tooltip("customers:Q", title=t["customers"], format=",d")])
    text = base.transform_filter("!datum.insufficient").mark_text(align="left", dx=6).encode(
        text="bar_text:N", color=text_colour())
    return finish(alt.layer(bars, thin, text).properties(height=alt.Step(48)), t)


# ---------------------------------------------------------------------------------------------- transitions


def transition_heatmap(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                       titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Channel → next channel matrix: one row per channel a touchpoint is on, one column per channel
    of the customer's next touchpoint (the diagonal is staying on the same channel). Each cell shows
    the count; its blue darkens with the share of that row's transitions (``share_of_from``), so rows
    read as "where do customers go next from this channel". Channels are ordered by traffic, the
    same order on both axes. A row with fewer than ``MIN_N`` transitions is grey (its shares are not
    read) and keeps its counts.

    ``titles`` keys: from_channel, to_channel, count, share_of_from, no_data, locale.
    """
    t = resolve_titles("channels", titles)
    if is_empty(df):
        return no_data_chart(t)
    data = df.reset_index(drop=True)
    data["count"] = pd.to_numeric(data["count"], errors="coerce").fillna(0)
    data["from_label"] = labels_of(data["from_channel"], labels)
    data["to_label"] = labels_of(data["to_channel"], labels)
    traffic = pd.concat([data.groupby("from_label")["count"].sum(), data.groupby("to_label")["count"].sum()])
    traffic = traffic.groupby(level=0).sum().reset_index()
    traffic.columns = ["label", "count"]
    order = traffic.sort_values(["count", "label"], ascending=[False, True], kind="stable")["label"].tolist()
    row_total = data.groupby("from_label")["count"].transform("sum")
    data["insufficient"] = (row_total < MIN_N) | pd.to_numeric(data["share_of_from"], errors="coerce").isna()
    data["count_text"] = [texts(t).number(c) for c in data["count"]]
    data = blank_thin(data, "share_of_from")  # a grey cell, no share in its tooltip
    top = finite_max(data.loc[~data["insufficient"], "share_of_from"]) or 1.0
    data["dark"] = (pd.to_numeric(data["share_of_from"], errors="coerce") > 0.6 * top) & ~data["insufficient"]

    base = alt.Chart(data).encode(
        x=alt.X("to_label:N", sort=order, title=t["to_channel"],
                axis=alt.Axis(orient="top", labelAngle=-30, labelAlign="left")),
        y=alt.Y("from_label:N", sort=order, title=t["from_channel"]),
        tooltip=[
            alt.Tooltip("from_label:N", title=t["from_channel"]),
            alt.Tooltip("to_label:N", title=t["to_channel"]),
            alt.Tooltip("count:Q", title=t["count"], format=",d"),
            alt.Tooltip("share_of_from:Q", title=t["share_of_from"], format=".1%"),
        ],
    )
    cells = base.transform_filter("!datum.insufficient").mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("share_of_from:Q", title=t["share_of_from"],
                        scale=alt.Scale(scheme="blues", domain=[0, top]),
                        legend=alt.Legend(format=".0%", gradientLength=220)),
    )
    grey = base.transform_filter("datum.insufficient").mark_rect(**{**GREY_BAR, "stroke": "white"})
    text = base.mark_text().encode(
        text="count_text:N",
        color=alt.condition("datum.dark", alt.value("white"), alt.value(TEXT)),
    )
    return finish(alt.layer(cells, grey, text).properties(height=alt.Step(40)), t)


# ---------------------------------------------------------------------------------------------- flows

_FLOW_COLUMNS = ["from_stage", "from_position", "from_channel", "to_stage", "to_position", "to_channel", "customers"]


def flow_layout(df: pd.DataFrame, stage_order: Sequence[str], channel_codes: Sequence[str] | None = None,
                ribbon_points: int = 24, block_width: float = 0.16,
                gap_share: float = 0.04) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Coordinates of the alluvial chart (see ``flow_chart``): ``(blocks, ribbons, columns)``.

    ``blocks``: one row per (stage column, channel) with ``col, channel, value, top, bottom, bx0, bx1``.
    ``ribbons``: ``ribbon_points`` rows per flow with ``ribbon, x, y_top, y_bottom`` (``y_bottom − y_top``
    = the flow's customers at every point) and the flow's columns. ``columns``: stage codes, left to right.
    """
    data = df[_FLOW_COLUMNS].copy()
    data["customers"] = pd.to_numeric(data["customers"], errors="coerce").fillna(0)
    ends = data[["from_stage", "to_stage", "from_channel", "to_channel"]].notna().all(axis=1)
    data = data[(data["customers"] > 0) & ends]
    # Columns: the stage model's order, then any stage it does not list, by position.
    columns = list(dict.fromkeys(stage_order))
    seen = pd.concat([data[["from_stage", "from_position"]].set_axis(["stage", "position"], axis=1),
                      data[["to_stage", "to_position"]].set_axis(["stage", "position"], axis=1)])
    extra = seen[~seen["stage"].isin(columns)].sort_values("position", kind="stable")["stage"]
    columns += list(dict.fromkeys(extra))
    col = {s: i for i, s in enumerate(columns)}
    data["x0"] = data["from_stage"].map(col)
    data["x1"] = data["to_stage"].map(col)
    data = data[data["x1"] > data["x0"]].reset_index(drop=True)  # only flows that move forward
    present = set(data["from_channel"]) | set(data["to_channel"])
    channels = list(dict.fromkeys(list(channel_codes or []))) + sorted(present - set(channel_codes or []), key=str)
    rank = {c: i for i, c in enumerate(channels)}
    data["r0"] = data["from_channel"].map(rank)
    data["r1"] = data["to_channel"].map(rank)

    # Blocks: a node is (column, channel); its height is max(customers in, customers out).
    out = data.groupby(["x0", "from_channel"])["customers"].sum().rename_axis(["col", "channel"]).rename("out")
    inn = data.groupby(["x1", "to_channel"])["customers"].sum().rename_axis(["col", "channel"]).rename("in")
    blocks = pd.concat([out, inn], axis=1).fillna(0).reset_index()
    blocks["value"] = blocks[["out", "in"]].max(axis=1)
    blocks["rank"] = blocks["channel"].map(rank)
    blocks = blocks.sort_values(["col", "rank"], kind="stable").reset_index(drop=True)
    gap = gap_share * (blocks.groupby("col")["value"].sum().max() if len(blocks) else 0)
    blocks["span"] = blocks["value"] + gap
    column_total = blocks.groupby("col")["span"].transform("sum") - gap
    height = float(column_total.max()) if len(blocks) else 0.0
    blocks["top"] = (height - column_total) / 2 + blocks.groupby("col")["span"].cumsum() - blocks["span"]
    blocks["bottom"] = blocks["top"] + blocks["value"]
    blocks["bx0"] = blocks["col"] - block_width / 2
    blocks["bx1"] = blocks["col"] + block_width / 2
    node = blocks.set_index(["col", "channel"])

    # Ribbon ends: flows to the next column first, then those that skip columns (nearest first), and
    # within a column in the order of the other end's height; inside the target node likewise (from
    # the previous column first, skipping flows last), so skipping flows run below the others at both
    # ends and crossings stay few. Each stack is centred in its node.
    data["src_node_top"] = node.loc[list(zip(data["x0"], data["from_channel"], strict=True)), "top"].to_numpy()
    data["dst_node_top"] = node.loc[list(zip(data["x1"], data["to_channel"], strict=True)), "top"].to_numpy()
    data["back"] = -data["x0"]
    data = data.sort_values(["x0", "r0", "x1", "dst_node_top", "r1"], kind="stable")
    src = node.loc[list(zip(data["x0"], data["from_channel"], strict=True))]
    offset = data.groupby(["x0", "from_channel"])["customers"].cumsum() - data["customers"]
    data["src_top"] = src["top"].to_numpy() + (src["value"] - src["out"]).to_numpy() / 2 + offset.to_numpy()
    data = data.sort_values(["x1", "r1", "back", "src_node_top", "r0"], kind="stable")
    dst = node.loc[list(zip(data["x1"], data["to_channel"], strict=True))]
    offset = data.groupby(["x1", "to_channel"])["customers"].cumsum() - data["customers"]
    data["dst_top"] = dst["top"].to_numpy() + (dst["value"] - dst["in"]).to_numpy() / 2 + offset.to_numpy()
    data = data.sort_values(["x0", "r0", "x1", "r1"], kind="stable").reset_index(drop=True)
    data["ribbon"] = [f"r{i}" for i in range(len(data))]

    # Ribbon polygons: the top edge eases from src_top to dst_top along a cosine, the bottom edge follows
    # at a constant distance (the flow's customers).
    steps = np.linspace(0.0, 1.0, ribbon_points)
    ease = (1 - np.cos(np.pi * steps)) / 2
    ribbons = data.loc[data.index.repeat(ribbon_points)].reset_index(drop=True)
    k = np.tile(np.arange(ribbon_points), len(data))
    xa = ribbons["x0"] + block_width / 2
    xb = ribbons["x1"] - block_width / 2
    ribbons["x"] = xa + (xb - xa) * steps[k]
    ribbons["y_top"] = ribbons["src_top"] + (ribbons["dst_top"] - ribbons["src_top"]) * ease[k]
    ribbons["y_bottom"] = ribbons["y_top"] + ribbons["customers"]
    return blocks, ribbons, columns


def _wrap(text: str, width: int = 12) -> str:
    """Break a column name into lines of about ``width`` characters at spaces (stage names are short)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def flow_chart(df: pd.DataFrame, stage_order: Sequence[str], labels: Mapping[str, str] | None = None,
               channel_codes: Sequence[str] | None = None,
               titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Alluvial (Sankey-like) chart of customers moving between channels from stage to stage.

    Reading: one column per stage (left to right, in ``stage_order``), named at the top; in each
    column, one block per channel, stacked in the order of ``channel_codes`` and as tall as the
    customers it carries; ribbons from a block to the next column's blocks, as wide as the customers
    who went that way, coloured by the channel they leave from.

    Construction (precomputed in pandas by ``flow_layout``, drawn as three Altair layers):

    1. Each row of ``df`` (a flow: from stage/channel → to stage/channel, ``customers``) goes from
       column ``x0`` to column ``x1`` (indexes in ``stage_order``; stages it lacks come after, by
       position). Flows that do not move forward, null channels and empty flows are left out.
    2. Blocks: per (column, channel), ``value = max(customers in, customers out)``. A column's blocks
       are stacked with a gap of 4% of the largest column, and every column is centred vertically.
       Drawn as ``mark_rect`` (x/x2 = column ± half the block width, y/y2 = top/bottom).
    3. Ribbons: within its source block, a flow's end is stacked with the flows to the next column
       first (in the order of their target block's height), then those that skip stages; within its
       target block, flows from the previous column first (in the order of their source block's
       height), then the skipping ones. A skipping flow thus runs below the others at both ends and
       spans the skipped columns under their blocks. Each stack is centred in its block.
       A ribbon is a ``mark_area`` polygon of ``ribbon_points`` points from the right edge of the
       source block to the left edge of the target: the top edge eases between both ends along
       ``(1 − cos πt)/2``, the bottom edge is the top plus the flow's customers, so its vertical width
       is exactly its customers everywhere (``detail`` = ribbon id separates the polygons).
    4. Stage names: a ``mark_text`` per column above the top edge (y scale reversed, 0 at the top).

    Colours come from ``channel_scale(channel_codes, labels)``: pass the full sorted list of channel
    codes of the database so that a channel keeps its colour under every filter; the legend lists the
    channels present. Tooltips: a block gives stage, channel and customers; a ribbon, its two ends and
    customers.

    ``titles`` keys: channel, customers, from, to, stage, no_data, locale.
    """
    t = resolve_titles("channels", titles)
    if is_empty(df):
        return no_data_chart(t)
    blocks, ribbons, columns = flow_layout(df, stage_order, channel_codes)
    if blocks.empty:
        return no_data_chart(t)
    all_channels = list(dict.fromkeys(list(channel_codes or []) + sorted(blocks["channel"].unique(), key=str)))
    scale = channel_scale(all_channels, labels)
    present = labels_of([c for c in all_channels if c in set(blocks["channel"])], labels)
    stage_label = {s: label_of(s, labels) for s in columns}

    blocks["channel_label"] = labels_of(blocks["channel"], labels)
    blocks["stage_label"] = [stage_label[columns[int(c)]] for c in blocks["col"]]
    ribbons["channel_label"] = labels_of(ribbons["from_channel"], labels)
    ribbons["from_text"] = [f"{stage_label[s]} · {label_of(c, labels)}"
                            for s, c in zip(ribbons["from_stage"], ribbons["from_channel"], strict=True)]
    ribbons["to_text"] = [f"{stage_label[s]} · {label_of(c, labels)}"
                          for s, c in zip(ribbons["to_stage"], ribbons["to_channel"], strict=True)]
    ribbons = ribbons[["ribbon", "x", "y_top", "y_bottom", "customers", "channel_label", "from_text", "to_text"]]
    blocks = blocks[["col", "bx0", "bx1", "top", "bottom", "value", "channel", "channel_label", "stage_label"]]
    heads = pd.DataFrame({"col": range(len(columns)), "y": 0.0,
                          "stage_label": [_wrap(stage_label[s]) for s in columns]})

    height = float(blocks["bottom"].max())
    x_scale = alt.Scale(domain=[-0.35, len(columns) - 1 + 0.35], nice=False, zero=False)
    y_scale = alt.Scale(domain=[0, height], reverse=True, nice=False, zero=False)
    colour = alt.Color("channel_label:N", scale=scale, title=t["channel"],
                       legend=alt.Legend(values=present, symbolType="square", symbolOpacity=1))

    ribbon_layer = alt.Chart(ribbons).mark_area(opacity=0.42, interpolate="linear").encode(
        x=alt.X("x:Q", scale=x_scale, axis=None),
        y=alt.Y("y_top:Q", scale=y_scale, axis=None, stack=None),
        y2="y_bottom:Q",
        detail="ribbon:N",
        color=colour,
        tooltip=[
            alt.Tooltip("from_text:N", title=t["from"]),
            alt.Tooltip("to_text:N", title=t["to"]),
            alt.Tooltip("customers:Q", title=t["customers"], format=",d"),
        ],
    )
    block_layer = alt.Chart(blocks).mark_rect(stroke="white", strokeWidth=1).encode(
        x=alt.X("bx0:Q", scale=x_scale, axis=None),
        x2="bx1:Q",
        y=alt.Y("top:Q", scale=y_scale, axis=None),
        y2="bottom:Q",
        color=colour,
        tooltip=[
            alt.Tooltip("stage_label:N", title=t["stage"]),
            alt.Tooltip("channel_label:N", title=t["channel"]),
            alt.Tooltip("value:Q", title=t["customers"], format=",d"),
        ],
    )
    head_layer = alt.Chart(heads).mark_text(baseline="bottom", dy=-8, fontSize=14, fontWeight="bold", color=TEXT,
                                            lineBreak="\n").encode(
        x=alt.X("col:Q", scale=x_scale, axis=None),
        y=alt.Y("y:Q", scale=y_scale, axis=None),
        text="stage_label:N",
    )
    return finish(alt.layer(ribbon_layer, block_layer, head_layer).properties(height=420), t)


# ---------------------------------------------------------------------------------------------- digital share


def digital_share_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                        titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """100% stacked horizontal bars, one per stage in order: digital touchpoints (blue, left) then
    physical ones (orange), each segment labelled with its share when it is wide enough. A stage with
    fewer than ``MIN_N`` touchpoints is one grey dashed bar saying ``titles["insufficient"]``. The
    tooltip adds the touchpoint counts and the share of the stage's customers whose first touchpoint
    there was digital.

    ``titles`` keys: stage, kind, digital, physical, touchpoints, share_touchpoints, customers,
    digital_first_share, insufficient, no_data, locale.
    """
    t = resolve_titles("channels", titles)
    if is_empty(df):
        return no_data_chart(t)
    data = df.sort_values("position", kind="stable").reset_index(drop=True)
    data["stage_label"] = labels_of(data["stage"], labels)
    data["insufficient"] = insufficient(data, "touchpoints", "digital_share")
    order = data["stage_label"].tolist()
    rows = []
    for r in data.itertuples(index=False):
        common = {"stage_label": r.stage_label, "touchpoints": r.touchpoints, "customers": r.customers,
                  "digital_first_share": r.digital_first_share, "insufficient": bool(r.insufficient)}
        if r.insufficient:
            rows.append({**common, "kind": "insufficient", "kind_label": t["insufficient"], "count": None,
                         "share": None, "x_start": 0.0, "x_end": 1.0, "text": t["insufficient"]})
            continue
        share = float(r.digital_share)
        rows.append({**common, "kind": "digital", "kind_label": t["digital"], "count": r.digital, "share": share,
                     "x_start": 0.0, "x_end": share, "text": texts(t).share(share) if share >= 0.07 else ""})
        rows.append({**common, "kind": "physical", "kind_label": t["physical"], "count": r.physical,
                     "share": 1 - share, "x_start": share, "x_end": 1.0,
                     "text": texts(t).share(1 - share) if 1 - share >= 0.07 else ""})
    long = pd.DataFrame(rows)
    long["x_mid"] = (long["x_start"] + long["x_end"]) / 2
    kinds = alt.Scale(domain=[t["digital"], t["physical"]],
                      range=[DIGITAL_PHYSICAL["digital"], DIGITAL_PHYSICAL["physical"]])

    base = alt.Chart(long).encode(
        y=alt.Y("stage_label:N", sort=order, title=t["stage"]),
        x=alt.X("x_start:Q", scale=alt.Scale(domain=[0, 1], nice=False),
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]), title=t["share_touchpoints"]),
        x2="x_end:Q",
        tooltip=[
            alt.Tooltip("stage_label:N", title=t["stage"]),
            alt.Tooltip("kind_label:N", title=t["kind"]),
            alt.Tooltip("count:Q", title=t["touchpoints"], format=",d"),
            alt.Tooltip("share:Q", title=t["share_touchpoints"], format=".1%"),
            alt.Tooltip("touchpoints:Q", title=f"{t['touchpoints']} (n)", format=",d"),
            alt.Tooltip("digital_first_share:Q", title=t["digital_first_share"], format=".1%"),
        ],
    )
    bars = base.transform_filter("!datum.insufficient").mark_bar(stroke="white", strokeWidth=1).encode(
        color=alt.Color("kind_label:N", title=t["kind"], scale=kinds),
    )
    grey = base.transform_filter("datum.insufficient").mark_bar(**GREY_BAR)
    text = alt.Chart(long).mark_text().encode(
        y=alt.Y("stage_label:N", sort=order),
        x=alt.X("x_mid:Q"),
        text="text:N",
        color=alt.condition("datum.kind === 'digital'", alt.value("white"), alt.value(TEXT)),
    )
    return finish(alt.layer(bars, grey, text).properties(height=alt.Step(46)), t)
