"""Charts as files: PNG and SVG rendered on the server by vl-convert (Vega's own renderer, no browser).

``chart_image(spec, "png"|"svg")`` takes a Vega-Lite spec as the app draws it (``chart.to_dict()``). A spec
that stretches to its container in the app gets a fixed width here, a white background (slides and documents
are white; the app's dark theme is not), and the French number formats of its config, which vl-convert takes
as separate options.
"""

from __future__ import annotations

import copy

import vl_convert as vlc

WIDTH = 960
"""The width of a chart that fills its container in the app: a slide's picture, readable once scaled."""

KINDS = {"png": "image/png", "svg": "image/svg+xml"}


def _fixed_width(spec: dict, width: int) -> None:
    # The app stretches a chart to its column; a file needs a width. A vertical concatenation (the journey
    # map's lanes) gives it to each part; a horizontal one shares it; facets and repeats size themselves.
    if "vconcat" in spec:
        for part in spec["vconcat"]:
            _fixed_width(part, width)
    elif "hconcat" in spec:
        for part in spec["hconcat"]:
            _fixed_width(part, width // max(1, len(spec["hconcat"])))
    elif not any(k in spec for k in ("concat", "facet", "repeat")) and spec.get("width") in (None, "container"):
        spec["width"] = width


def chart_image(spec: dict, kind: str, *, width: int = WIDTH, scale: float = 2.0) -> bytes:
    """The chart as PNG (``scale`` × its size, sharp when projected) or SVG bytes."""
    if kind not in KINDS:
        raise ValueError(f"unknown image kind {kind!r}: expected one of {', '.join(KINDS)}")
    spec = copy.deepcopy(spec)
    _fixed_width(spec, width)
    spec.setdefault("background", "white")
    config = spec.get("config") or {}
    locale = config.pop("locale", None) or {}
    options = {}
    if locale.get("number"):
        options["format_locale"] = locale["number"]
    if locale.get("time"):
        options["time_format_locale"] = locale["time"]
    if kind == "png":
        return vlc.vegalite_to_png(spec, scale=scale, **options)
    return vlc.vegalite_to_svg(spec, **options).encode("utf-8")
