"""The ranked irritants and points of delight: one bar per stage × channel cell, its priority score."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from charts.palette import (
    NPS_COLORS,
    OKABE_ITO,
    TEXT,
    finish,
    finite_max,
    is_empty,
    label_of,
    no_data_chart,
    resolve_titles,
    texts,
)

__all__ = ["KIND_COLORS", "irritants_chart"]

KIND_COLORS = {"irritant": NPS_COLORS["detractors"], "neutral": OKABE_ITO["sky_blue"],
               "delight": NPS_COLORS["promoters"]}


def irritants_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                    titles: Mapping[str, str] | None = None, top: int = 15) -> alt.LayerChart:
    """Horizontal bars of the priority score, in rank order (``analytics.irritants``' frame), at most ``top``
    cells: irritants to the right in the detractor colour, delights to the left in the promoter colour,
    neutral cells in blue. ``labels`` maps stage and channel codes to texts (``"—"``: channel unknown)."""
    t = resolve_titles("irritants", titles)
    if is_empty(df):
        return no_data_chart(t)
    data = df.sort_values("rank", kind="stable").head(top).reset_index(drop=True)
    data["cell"] = [f"{label_of(s, labels)} · {label_of(c, labels)}"
                    for s, c in zip(data["stage"], data["channel"], strict=True)]
    data["kind_label"] = [t[k] for k in data["kind"]]
    data["score_text"] = [texts(t).figure(v, 0, signed=True) for v in data["score"]]
    csat = "measure" in data and (data["measure"] == "csat").any()
    data["nps_text"] = ([f"CSAT {texts(t).figure(v, 1)}" for v in data["value"]] if csat else
                        [f"NPS {texts(t).figure(v, 0, signed=True)}" for v in data["nps"]])
    order = data["cell"].tolist()
    kinds = [t[k] for k in KIND_COLORS]
    base = alt.Chart(data).encode(
        y=alt.Y("cell:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        tooltip=[alt.Tooltip("cell:N", title=t["cell"]), alt.Tooltip("kind_label:N", title=t["kind_title"]),
                 alt.Tooltip("score_text:N", title=t["score"]),
                 alt.Tooltip("nps_text:N", title=t["satisfaction_value"]),
                 alt.Tooltip("customers:Q", format=",d", title=t["customers"]),
                 alt.Tooltip("responses:Q", format=",d", title=t["responses"])],
    )
    span = finite_max(data["score"].abs()) or 1.0
    x = alt.X("score:Q", title=t["score"], scale=alt.Scale(domain=[-span * 1.25, span * 1.25], nice=False),
              axis=alt.Axis(format="~s", tickCount=6, labelOverlap=True))  # a slide's width read "−32k−30k−28k…"
    bars = base.mark_bar().encode(x=x, color=alt.Color("kind_label:N", title=t["kind_title"], scale=alt.Scale(
        domain=kinds, range=list(KIND_COLORS.values()))))
    text = base.mark_text(align=alt.expr("datum.score < 0 ? 'right' : 'left'"),
                          dx=alt.expr("datum.score < 0 ? -6 : 6"), color=TEXT).encode(x=x, text="score_text:N")
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color="#3A3A3A").encode(x="zero:Q")
    return finish(alt.layer(bars, zero, text).properties(height=alt.Step(30)), t)
