"""Colours, scales, the shared theme and small helpers of the chart layer.

Colours
    Every categorical colour comes from the Okabe–Ito palette (designed to stay distinct under the
    common colour-vision deficiencies), extended with Tableau's colour-blind-safe colours when a
    database has more than seven channels. Greys are kept out of the categorical palettes: grey
    means "insufficient data" (``INSUFFICIENT``) everywhere.

    * ``channel_scale(all_channel_codes, labels)``: the caller passes the sorted list of every
      channel code of the database, so a channel gets the same colour on every page and under every
      filter (explicit ``domain`` and ``range``; colours repeat after ``len(CHANNEL_COLORS)``
      channels).
    * ``stage_scale(stage_codes_in_order, labels)``: a light-to-dark blue ramp along the journey.
    * ``DIGITAL_PHYSICAL``, ``NPS_COLORS`` (detractors vermillion, passives grey, promoters bluish
      green), ``NPS_DIVERGING`` (−100 … 0 … 100), ``MIX_COLORS``.

Theme
    ``apply_theme(chart, locale, currency_symbol)`` adds the projector-friendly configuration (axis and legend
    labels 13 px, titles 15 px, text marks 13 px), the locale's number formats (``12 345``, ``62,5 %`` and French
    dates for ``locale="fr"``) and amounts in the currency (``$`` formats: ``1 234 R$`` / ``R$1,234``, the euro
    by default). ``theme_config(locale, currency_symbol)`` is the same configuration as a dict,
    for ``alt.theme.register``. Charts are returned themed, i.e. with a top-level ``config``; to
    concatenate two of them, drop it first (``c = c.copy(); c.config = alt.Undefined``).

Texts
    Builders take ``titles``: ``"locale"`` (``"en"``, the default, or ``"fr"``) picks the chart's texts in
    ``i18n.CHART_TEXTS`` (its own section and the common one: axis/legend titles, a few words,
    ``"insufficient"``, the text on marks with fewer than ``MIN_N`` observations, and ``"no_data"``) and
    its number formats, ``"currency_symbol"`` the symbol of its amounts (``i18n.Texts.chart_titles`` gives the
    database's); any other key overrides one text. Labels and titles are plain text: they go into
    the data and the spec as strings, never into HTML, markdown or Vega expressions. ``MIN_N`` comes from
    ``data_model.thresholds`` (shared with ``analytics``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from data_model.thresholds import MIN_N
from i18n import CURRENCIES, DEFAULT_CURRENCY, Texts, chart_texts, money_affixes

__all__ = [
    "CHANNEL_COLORS", "DIGITAL_PHYSICAL", "GROUP_COLORS", "INSUFFICIENT", "INSUFFICIENT_STROKE",
    "INSUFFICIENT_TEXT", "MIN_N", "MIX_COLORS", "NPS_COLORS", "NPS_DIVERGING", "OKABE_ITO", "TABLEAU_CB",
    "apply_theme", "channel_scale", "stage_colors", "stage_scale", "theme_config",
]

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
"""Okabe & Ito (2008), "Color Universal Design"."""

TABLEAU_CB = [
    "#006BA4", "#FF800E", "#ABABAB", "#595959", "#5F9ED1", "#C85200", "#898989", "#A2C8EC", "#FFBC79", "#CFCFCF",
]
"""Tableau's "Color Blind 10" palette."""

CHANNEL_COLORS = [
    OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"], OKABE_ITO["vermillion"], OKABE_ITO["yellow"],
    "#595959", "#A2C8EC", "#FFBC79", "#C85200", "#5F9ED1",
]
"""Channel colours in order of the sorted channel codes (Okabe–Ito without black, then Tableau CB without
its light greys, which would read as "insufficient"). Colours repeat after this many channels."""

GROUP_COLORS = CHANNEL_COLORS
"""Colours of compared groups (personas, segments…), in the order the groups come."""

STAGE_RAMP = ["#9ECAE1", "#6BAED6", "#4292C6", "#2171B5", "#08519C", "#08306B"]
"""Anchors of the stage ramp (ColorBrewer Blues, without its lightest steps, which vanish on a projector)."""

DIGITAL_PHYSICAL = {"digital": OKABE_ITO["blue"], "physical": OKABE_ITO["orange"]}

NPS_COLORS = {"detractors": OKABE_ITO["vermillion"], "passives": "#B4B4B4", "promoters": OKABE_ITO["bluish_green"]}

NPS_DIVERGING = {"domain": [-100, 0, 100], "range": [NPS_COLORS["detractors"], "#F7F7F7", NPS_COLORS["promoters"]]}
"""Continuous NPS scale: detractor colour at −100, near-white at 0, promoter colour at +100."""

MIX_COLORS = {"mono": "#A2C8EC", "multi": "#5F9ED1", "cross": "#006BA4"}

NEUTRAL = OKABE_ITO["blue"]
"""Single-series colour (trends, durations)."""

INSUFFICIENT = "#D0D0D0"
INSUFFICIENT_STROKE = "#8C8C8C"
INSUFFICIENT_TEXT = "#4D4D4D"
TEXT = "#262626"

SIGNED_LABELS = "datum.value > 0 ? '+' + format(datum.value, 'd') : format(datum.value, 'd')"
"""Axis ``labelExpr`` for NPS: +50, 0, −50 (a fixed expression: no data goes into it)."""

GREY_BAR = {"color": INSUFFICIENT, "stroke": INSUFFICIENT_STROKE, "strokeDash": [4, 3], "strokeWidth": 1}
"""Mark properties of an "insufficient data" bar or cell: grey fill, dashed outline (Vega has no hatching)."""

LABEL_FONT = 13
TITLE_FONT = 15
CHART_TITLE_FONT = 17

# ---------------------------------------------------------------------------------------------- labels

MISSING = "—"
"""Code of a missing value (feedback without a channel): labelled by ``labels["—"]`` when given."""


def label_of(code, labels: Mapping[str, str] | None) -> str:
    """Display text of a code: its label when the mapping has a non-empty one, else the code itself.
    A missing code (None/NaN: "channel unknown") reads as ``labels["—"]``, else "—"."""
    if _missing(code):
        code = MISSING
    text = (labels or {}).get(code)
    if text is None or str(text) == "":
        return str(code)
    return str(text)


def labels_of(codes: Iterable, labels: Mapping[str, str] | None) -> list[str]:
    return [label_of(c, labels) for c in codes]


def _unique(values: Iterable) -> list:
    seen: dict = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


# ---------------------------------------------------------------------------------------------- scales


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _interpolate(anchors: Sequence[str], t: float) -> str:
    """Colour at ``t`` in [0, 1] along a piecewise-linear RGB ramp through ``anchors``."""
    if len(anchors) == 1:
        return anchors[0]
    pos = min(max(t, 0.0), 1.0) * (len(anchors) - 1)
    i = min(int(pos), len(anchors) - 2)
    f = pos - i
    a, b = _hex_to_rgb(anchors[i]), _hex_to_rgb(anchors[i + 1])
    return "#" + "".join(f"{round(x + (y - x) * f):02X}" for x, y in zip(a, b, strict=True))


def stage_colors(n: int) -> list[str]:
    """``n`` colours from light to dark blue (one per stage, in journey order)."""
    if n <= 0:
        return []
    if n == 1:
        return [STAGE_RAMP[3]]
    return [_interpolate(STAGE_RAMP, i / (n - 1)) for i in range(n)]


def stage_scale(stage_codes_in_order: Sequence[str], labels: Mapping[str, str] | None = None) -> alt.Scale:
    """Colour scale of the stages, keyed by their display labels (the field builders colour by).

    Pass every stage of the model in order, so that a stage has the same colour on every chart.
    """
    codes = _unique(stage_codes_in_order)
    return alt.Scale(domain=labels_of(codes, labels), range=stage_colors(len(codes)))


def channel_colors(all_channel_codes: Sequence[str]) -> dict[str, str]:
    """Colour of each channel code: the i-th code of the list gets ``CHANNEL_COLORS[i % 12]``."""
    codes = _unique(all_channel_codes)
    return {c: CHANNEL_COLORS[i % len(CHANNEL_COLORS)] for i, c in enumerate(codes)}


def channel_scale(all_channel_codes: Sequence[str], labels: Mapping[str, str] | None = None) -> alt.Scale:
    """Colour scale of the channels, keyed by their display labels.

    ``all_channel_codes`` is the full sorted list of the database's channel codes, not the ones a
    filtered frame happens to contain: the domain and the range are explicit, so a channel keeps its
    colour whatever the filter.
    """
    colours = channel_colors(all_channel_codes)
    return alt.Scale(domain=labels_of(colours, labels), range=list(colours.values()))


def group_scale(groups: Sequence[str]) -> alt.Scale:
    groups = _unique(groups)
    return alt.Scale(domain=groups, range=[GROUP_COLORS[i % len(GROUP_COLORS)] for i in range(len(groups))])


# ---------------------------------------------------------------------------------------------- theme

FR_NUMBER = {"decimal": ",", "thousands": "\u202f", "grouping": [3], "percent": "\u202f%"}
EN_NUMBER = {"decimal": ".", "thousands": ",", "grouping": [3]}
FR_TIME = {
    "dateTime": "%A %e %B %Y à %X",
    "date": "%d/%m/%Y",
    "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
    "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
               "novembre", "décembre"],
    "shortMonths": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
                    "déc."],
}


def theme_config(locale: str = "en", currency_symbol: str | None = None) -> dict:
    """The shared configuration: readable on a projector (labels ≥ 13 px, titles ≥ 15 px), numbers in the
    ``locale``'s format, amounts (``$`` formats) in ``currency_symbol`` (the euro by default) as ``i18n`` writes
    them: 1 234 R$ / R$1,234."""
    config: dict = {
        "font": "Source Sans Pro, Helvetica, Arial, sans-serif",
        "axis": {
            "labelFontSize": LABEL_FONT, "titleFontSize": TITLE_FONT, "titlePadding": 10, "labelLimit": 240,
            "gridColor": "#E6E6E6", "domainColor": "#888888", "tickColor": "#888888", "labelColor": "#262626",
            "titleColor": "#262626",
        },
        "legend": {
            "labelFontSize": LABEL_FONT, "titleFontSize": TITLE_FONT, "labelLimit": 240, "titleLimit": 480,
            "symbolSize": 180,
            "orient": "bottom", "direction": "horizontal", "columns": 4, "titleOrient": "top",
        },
        "header": {"labelFontSize": LABEL_FONT, "titleFontSize": TITLE_FONT},
        "title": {"fontSize": CHART_TITLE_FONT, "subtitleFontSize": 14, "anchor": "start"},
        "text": {"fontSize": LABEL_FONT},
        "view": {"stroke": None},
    }
    symbol = currency_symbol or CURRENCIES[DEFAULT_CURRENCY]
    currency = list(money_affixes(locale, symbol))
    if locale == "fr":
        config["locale"] = {"number": {**FR_NUMBER, "currency": currency}, "time": FR_TIME}
    else:
        config["locale"] = {"number": {**EN_NUMBER, "currency": currency}}
    return config


def apply_theme(chart, locale: str = "en", currency_symbol: str | None = None):
    """``chart`` with the shared configuration."""
    return chart.configure(**theme_config(locale, currency_symbol))


# ---------------------------------------------------------------------------------------------- texts


def resolve_titles(chart: str, titles: Mapping[str, str] | None) -> dict[str, str]:
    """The texts of ``chart`` (its section of ``i18n.CHART_TEXTS``, with the common ones) in the language of
    ``titles["locale"]`` (English by default), overridden by the caller's texts, all as plain strings."""
    out = {"locale": "en", **chart_texts(chart, "fr" if is_fr(titles or {}) else "en", MIN_N)}
    for key, value in (titles or {}).items():
        if value is not None:
            out[key] = str(value)
    return out


def is_fr(t: Mapping[str, str]) -> bool:
    return str(t.get("locale", "en")).lower().startswith("fr")


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def texts(t: Mapping[str, str]) -> Texts:
    """The number formats of the chart's language (``i18n.Texts``: ``number``, ``figure``, ``share``, ``percent``)."""
    return Texts("fr" if is_fr(t) else "en")


# ---------------------------------------------------------------------------------------------- frames


def is_empty(df) -> bool:
    return df is None or len(df) == 0


def insufficient(df: pd.DataFrame, n_col: str | None, value_col: str | None = None) -> pd.Series:
    """True where a row must not be read as a value: ``sufficient`` is False, ``n_col`` < MIN_N,
    or ``value_col`` is missing."""
    out = pd.Series(False, index=df.index)
    if "sufficient" in df.columns:
        out |= ~df["sufficient"].fillna(False).astype(bool)
    if n_col is not None and n_col in df.columns:
        out |= pd.to_numeric(df[n_col], errors="coerce").fillna(0) < MIN_N
    if value_col is not None and value_col in df.columns:
        out |= pd.to_numeric(df[value_col], errors="coerce").isna()
    return out


def finite_max(values, default: float = 0.0) -> float:
    """The largest finite value of ``values`` (a number or a series), else ``default``.

    A scale's domain comes from the data; the data may be empty, all missing (n < 30 everywhere) or hold an
    infinite ratio. NaN or infinity in a spec is not JSON: the browser refuses the whole chart."""
    array = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float).ravel()
    array = array[np.isfinite(array)]
    return float(array.max()) if array.size else float(default)


def value_domain(max_value: float, headroom: float = 1.3, floor: float = 1.0) -> list[float]:
    """``[0, max × headroom]``: room to the right of the longest bar for its text."""
    return [0, max(finite_max(max_value) * headroom, floor)]


def rate_axis(max_value: float, title: str) -> tuple[alt.Scale, alt.Axis]:
    """Scale and % axis for rates 0–1 with room for the value text; ticks stop at 100 %."""
    m = finite_max(max_value, default=1.0)  # nothing drawn (every row under MIN_N): a plain 0–100 % axis
    high = max(m * 1.3, 0.05)
    top = min(high, 1.0)
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if top / s <= 6)
    ticks = [round(i * step, 4) for i in range(int(top / step + 1e-9) + 1)]
    return alt.Scale(domain=[0, high], nice=False), alt.Axis(format="%", values=ticks, title=title)


def no_data_chart(t: Mapping[str, str], height: int = 80):
    """A themed chart that only says there is no data (the text comes from ``titles["no_data"]``)."""
    frame = pd.DataFrame({"message": [t["no_data"]]})
    chart = (
        alt.Chart(frame)
        .mark_text(fontSize=TITLE_FONT, color="#6E6E6E")
        .encode(text="message:N")
        .properties(height=height)
    )
    return apply_theme(chart, "fr" if is_fr(t) else "en", t.get("currency_symbol"))


def blank_thin(data: pd.DataFrame, *columns: str, flag: str = "insufficient") -> pd.DataFrame:
    """``data`` with ``columns`` emptied on the rows flagged ``flag``: below ``MIN_N`` a value is neither drawn (no
    bar length, no point, no cell colour) nor given away by a tooltip. Emptied values are nulls in the spec."""
    out = data.copy()
    for c in columns:
        if c in out.columns:
            out[c] = pd.to_numeric(out[c], errors="coerce").where(~out[flag].astype(bool))
    return out


def thin_label(base, text: str = "bar_text", tooltip=None):
    """The rows flagged ``insufficient`` as their text alone at the start of the row ("too few customers"): no bar,
    whatever its length would have been. ``tooltip``: what the row's tooltip may still say (label, count)."""
    layer = base.transform_filter("datum.insufficient").mark_text(align="left", dx=6).encode(
        x=alt.value(0), text=f"{text}:N", color=alt.value(INSUFFICIENT_TEXT))
    return layer.encode(tooltip=tooltip) if tooltip is not None else layer


def text_colour():
    """Text colour: dark grey on rows flagged ``insufficient``, near-black elsewhere."""
    return alt.condition("datum.insufficient", alt.value(INSUFFICIENT_TEXT), alt.value(TEXT))


def finish(chart, t: Mapping[str, str]):
    return apply_theme(chart, "fr" if is_fr(t) else "en", t.get("currency_symbol"))


# ------------------------------------------------------------------------------------ dark and large

ON_DARK = {TEXT.lower(): "#F2F2F2", INSUFFICIENT_TEXT.lower(): "#C4C4C4", "#3a3a3a": "#D0D0D0", "#6e6e6e": "#B4B4B4",
           "#e6e6e6": "#3D4150", "#888888": "#A0A0A0"}
"""The ink colours of the charts and what replaces them on a dark background (the marks' palettes stay: the
Okabe–Ito colours read on both)."""


def on_dark(spec):
    """A chart spec (``chart.to_dict()``) with its dark ink made light, for the app's dark theme."""
    if isinstance(spec, dict):
        return {k: on_dark(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [on_dark(v) for v in spec]
    if isinstance(spec, str):
        return ON_DARK.get(spec.lower(), spec)
    return spec


LARGE = 1.4
"""How much presentation mode enlarges the charts' texts."""


def enlarged(spec: dict, factor: float = LARGE) -> dict:
    """A chart spec with the theme's font sizes (axes, legends, headers, titles, text marks) × ``factor``: chart
    text readable from the back of a meeting room."""
    config = {k: dict(v) if isinstance(v, dict) else v for k, v in (spec.get("config") or {}).items()}
    for sizes in config.values():
        if isinstance(sizes, dict):
            for key, value in sizes.items():
                if key.endswith("FontSize") or key == "fontSize":
                    sizes[key] = round(value * factor)
    return {**spec, "config": config}
