"""Journey variants chart: the most frequent paths through the stages or channels, and the rest."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from charts.palette import (
    GREY_BAR,
    MIN_N,
    STAGE_RAMP,
    blank_thin,
    finish,
    finite_max,
    insufficient,
    is_empty,
    label_of,
    no_data_chart,
    rate_axis,
    resolve_titles,
    text_colour,
    texts,
    thin_label,
)
from i18n import Texts

__all__ = ["SEPARATOR", "variants_chart"]

SEPARATOR = " › "
"""Between the steps of a variant's label."""

OTHER = "other"  # analytics.variants.OTHER: the row of the variants beyond the top ones

_BAR_WIDTH = 0.55
"""Largest share of the x axis a bar takes: the rest is room for its text."""


def _variant_label(variant, labels: Mapping[str, str] | None, t: Mapping[str, str]) -> str:
    """"Awareness › Consideration › Purchase" for a tuple (or JSON list) of codes; ``titles["other"]``
    for the rest."""
    if isinstance(variant, str):
        return t["other"] if variant == OTHER else label_of(variant, labels)
    return SEPARATOR.join(label_of(code, labels) for code in variant)


_LINE = 46
"""Characters per line of a variant's label on the axis: a long journey wraps between steps instead of being cut
(two journeys that differ only in their last steps were both cut to the same "… › Fidélisat…")."""


def _wrapped(label: str) -> str:
    """``label`` on lines of at most ``_LINE`` characters, broken after a step's separator (one line per step when a
    step alone is longer)."""
    lines: list[str] = []
    for step in label.split(SEPARATOR):
        if lines and len(lines[-1]) + len(SEPARATOR) + len(step) <= _LINE:
            lines[-1] += SEPARATOR + step
        else:
            lines.append(step if not lines else SEPARATOR.lstrip() + step)
    return "\n".join(lines)


def _unique(texts: list[str]) -> list[str]:
    """Texts made distinct (two codes with the same label would otherwise share one bar)."""
    seen: dict[str, int] = {}
    out = []
    for text in texts:
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


def variants_chart(df: pd.DataFrame, labels: Mapping[str, str] | None = None,
                   titles: Mapping[str, str] | None = None) -> alt.LayerChart:
    """One horizontal bar per journey variant, by rank (the ``rows`` frame of
    ``analytics.variants.variants``): the variant's steps as labels ("Awareness › Consideration ›
    Purchase", ``titles["other"]`` for the rest), the bar's length its share of customers, its colour
    its conversion rate (light to dark blue, legend below), and after it "31% · n = 1,234 · conv. 12%".

    Variants with fewer than ``MIN_N`` customers have no readable conversion rate: their bar is grey
    and dashed, and the text says ``titles["insufficient"]`` for the conversion. Under ``MIN_N``
    customers in all, the shares are not read either (grey bars, the text says so). A frame without
    conversion (no conversion stage: rates NaN) shows only the shares. The tooltip gives the steps,
    customers, share, cumulative share, conversion rate and its 95% interval, and how many distinct
    journeys the "other" row holds.

    The y axis has no title (the labels say what they are); ``titles["variant"]`` names them in the
    tooltip.

    ``titles`` keys: variant, other, share, cumulative_share, steps, variants, customers,
    conversion_rate, conversion_short, interval, insufficient, no_data, locale.
    """
    t = resolve_titles("variants", titles)
    if is_empty(df):
        return no_data_chart(t)
    src = df.sort_values("rank", kind="stable").reset_index(drop=True)
    customers = pd.to_numeric(src["customers"], errors="coerce").fillna(0)
    rate = pd.to_numeric(src["conversion_rate"], errors="coerce")
    data = pd.DataFrame({
        "variant_label": _unique([_variant_label(v, labels, t) for v in src["variant"]]),
        "steps": pd.to_numeric(src["steps"], errors="coerce"),
        "variants": pd.to_numeric(src["variants"], errors="coerce") if "variants" in src else 1,
        "customers": customers,
        "share": pd.to_numeric(src["share"], errors="coerce"),
        "cumulative_share": pd.to_numeric(src["cumulative_share"], errors="coerce"),
        "conversion_rate": rate,
    })
    few_overall = bool(customers.sum() < MIN_N)
    with_conversion = bool(rate.notna().any())
    thin = insufficient(data, "customers", "conversion_rate") if with_conversion else False
    data["insufficient"] = thin | few_overall  # the conversion (or, under MIN_N in all, everything) is not read

    def bar_text(share, n, r, thin) -> str:
        if few_overall:
            return f"{t['insufficient']} · n = {texts(t).number(n)}"
        text = f"{texts(t).share(share)} · n = {texts(t).number(n)}"
        if with_conversion:
            text += f" · {t['conversion_short']} {t['insufficient'] if thin else texts(t).share(r)}"
        return text

    data["bar_text"] = [bar_text(*row) for row in zip(data["share"], data["customers"], data["conversion_rate"],
                                                      data["insufficient"], strict=True)]
    data["interval_text"] = ["—" if thin else Texts.interval(lo, hi, lambda v: texts(t).percent(v, 1))
                             for lo, hi, thin in zip(src["conv_ci_low"], src["conv_ci_high"], data["insufficient"],
                                                     strict=True)]
    # under MIN_N: no conversion in the tooltip; under MIN_N customers in all, no share drawn either
    data = blank_thin(data, "conversion_rate", *(("share", "cumulative_share") if few_overall else ()))
    data["axis_label"] = [_wrapped(label) for label in data["variant_label"]]
    order = data["axis_label"].tolist()
    lines = max(label.count("\n") + 1 for label in order)
    max_share = finite_max(data["share"], default=1.0)
    scale, axis = rate_axis(max_share / (_BAR_WIDTH * 1.3), t["share"])  # rate_axis adds 30 %: bars ≤ 55 %

    base = alt.Chart(data).encode(
        # No axis title: the labels are the journeys (a title beside 400 px labels lands on them).
        # whole journeys, wrapped between steps (split by the axis: a label is one string in the data)
        y=alt.Y("axis_label:N", sort=order, title=None,
                axis=alt.Axis(labelLimit=420, labelExpr="split(datum.label, '\\n')", labelLineHeight=15)),
        x=alt.X("share:Q", scale=scale, axis=axis),
        tooltip=[
            alt.Tooltip("variant_label:N", title=t["variant"]),
            alt.Tooltip("steps:Q", title=t["steps"], format=",d"),
            alt.Tooltip("variants:Q", title=t["variants"], format=",d"),
            alt.Tooltip("customers:Q", title=t["customers"], format=",d"),
            alt.Tooltip("share:Q", title=t["share"], format=".1%"),
            alt.Tooltip("cumulative_share:Q", title=t["cumulative_share"], format=".1%"),
            alt.Tooltip("conversion_rate:Q", title=t["conversion_rate"], format=".1%"),
            alt.Tooltip("interval_text:N", title=f"{t['conversion_rate']} — {t['interval']}"),
        ],
    )
    layers = []
    if few_overall:  # no bar at all: each row says "too few" and its count
        return finish(alt.layer(thin_label(base)).properties(height=alt.Step(max(40, 16 * lines + 10))), t)
    if with_conversion:
        layers.append(base.transform_filter("!datum.insufficient").mark_bar().encode(
            color=alt.Color("conversion_rate:Q", title=t["conversion_rate"],
                            scale=alt.Scale(domain=[0, 1], range=[STAGE_RAMP[0], STAGE_RAMP[-1]]),
                            legend=alt.Legend(format="%", values=[0, 0.25, 0.5, 0.75, 1], gradientLength=220)),
        ))
        layers.append(base.transform_filter("datum.insufficient").mark_bar(**GREY_BAR))
    else:  # nothing to colour by: one colour, grey only when the shares themselves are not read
        layers.append(base.mark_bar(color=STAGE_RAMP[3]))
    layers.append(base.mark_text(align="left", dx=6).encode(text="bar_text:N", color=text_colour()))
    return finish(alt.layer(*layers).properties(height=alt.Step(max(40, 16 * lines + 10))), t)
