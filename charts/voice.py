"""Voice of the customer: the themes that set detractors (or customers who stopped) apart."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from charts.palette import NPS_COLORS, finish, finite_max, is_empty, no_data_chart, resolve_titles, texts

__all__ = ["themes_chart"]


def themes_chart(df: pd.DataFrame, titles: Mapping[str, str] | None = None) -> alt.Chart:
    """Diverging horizontal bars of ``z`` per term (``analytics.voice.themes`` or ``why_drop``'s
    ``themes``): detractor themes to the right in the detractor colour, strongest on top; promoter
    themes to the left in the promoter colour, strongest at the bottom; the term on the axis (as
    text). The tooltip gives the kind, the comments of each side containing the term and ``z``.

    ``titles`` keys: term, z, side, detractor, promoter, kind, word, phrase, detractor_comments,
    promoter_comments, no_data, locale (for ``why_drop``, say "stopped" / "went on" through
    ``detractor`` / ``promoter`` and the ``*_comments`` keys).
    """
    t = resolve_titles("voice", titles)
    if is_empty(df):
        return no_data_chart(t)
    data = df.sort_values(["z", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)
    data["side_label"] = [t[s] for s in data["side"]]
    data["kind_label"] = [t[k] for k in data["kind"]]
    data["z_text"] = [texts(t).figure(v, 2, signed=True) for v in data["z"]]
    data["detractor_text"] = [texts(t).number(v) for v in data["detractor_comments"]]
    data["promoter_text"] = [texts(t).number(v) for v in data["promoter_comments"]]
    span = max(finite_max(data["z"].abs()), 1.0) * 1.1
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("term:N", sort=data["term"].tolist(), title=t["term"], axis=alt.Axis(labelLimit=320)),
            x=alt.X("z:Q", title=t["z"], scale=alt.Scale(domain=[-span, span], nice=False)),
            color=alt.Color("side_label:N", title=t["side"], scale=alt.Scale(
                domain=[t["detractor"], t["promoter"]], range=[NPS_COLORS["detractors"], NPS_COLORS["promoters"]])),
            tooltip=[
                alt.Tooltip("term:N", title=t["term"]),
                alt.Tooltip("kind_label:N", title=t["kind"]),
                alt.Tooltip("side_label:N", title=t["side"]),
                alt.Tooltip("detractor_text:N", title=t["detractor_comments"]),
                alt.Tooltip("promoter_text:N", title=t["promoter_comments"]),
                alt.Tooltip("z_text:N", title=t["z"]),
            ],
        )
        .properties(height=alt.Step(26))
    )
    return finish(chart, t)
