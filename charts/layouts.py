"""Charts built in two parts: a *layout*, which depends on the chart's options (its metric, titles, language, size)
and on the *shape* of its rows, never on their figures, and reads named datasets; and the *rows* it draws, computed
from the data at each draw.

Building an Altair chart costs tens to hundreds of milliseconds of Python (objects, copies, validation), whatever the
size of its data; a page drawn for a new filter set paid it for every chart. A split chart's layout is built once per
options and shape (``ui.widgets`` keeps its spec), and a new filter set costs its rows only (issue 18: "chart specs
built once"). A figure the layout would need (a scale's extent, an order) goes into the rows instead: a mark's
position as a share of its lane, a sort on an ``order`` column. The chart function itself stays whole —
``layout(…)`` with its rows put in (``with_rows``) — so that downloads, the deck and the tests draw the very chart the
page draws.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd

__all__ = ["Rows", "Split", "fill", "records", "with_rows"]


@dataclass(frozen=True)
class Rows:
    """What a split chart draws for one set of data: its named ``datasets``, and its ``shape`` — what of the data its
    layout needs to know (the stages in order, how many ranks a lane has…), hashable, equal for most filter sets."""

    datasets: Mapping[str, pd.DataFrame]
    shape: tuple = ()


@dataclass(frozen=True)
class Split:
    """How a chart function ``f(*data, *options, **options)`` splits: ``rows(*data, *options, **options)`` gives its
    ``Rows``, or None when there is nothing to draw; ``layout(*options, shape=…, **options)`` is the chart reading
    those datasets by name (``shape``: the rows' shape; None: the chart that says there is nothing to draw);
    ``data_args``: how many leading positional arguments are data."""

    layout: Callable[..., alt.TopLevelMixin]
    rows: Callable[..., Rows | None]
    data_args: int = 1


def records(frame: pd.DataFrame) -> list[dict]:
    """A frame's rows as a Vega-Lite dataset, as Altair writes inline data (dates in ISO text; NaN as null: a NaN in
    a spec fails in the browser)."""
    return alt.utils.sanitize_pandas_dataframe(frame).to_dict("records")


def with_rows(chart: alt.TopLevelMixin, rows: Rows | None) -> alt.TopLevelMixin:
    """``chart`` (a layout) with its named datasets put in: the whole chart."""
    if rows is not None:
        chart["datasets"] = {name: records(frame) for name, frame in rows.datasets.items()}
    return chart


def fill(spec: dict, rows: Rows | None) -> dict:
    """A layout's spec (``layout(…).to_dict()``) with its rows: the spec of the whole chart."""
    if rows is None:
        return spec
    datasets = {name: records(frame) for name, frame in rows.datasets.items()}
    return {**spec, "datasets": {**spec.get("datasets", {}), **datasets}}
