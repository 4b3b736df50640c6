"""Charts built in two parts (``charts.layouts``): a layout filled with a filter set's rows is the very chart the chart
function draws, and the layout does not depend on the data (so that the app builds it once per options)."""

import copy

import pandas as pd
import pytest

import charts
from charts.layouts import fill
from tests.unit.test_charts import trend_df


def _trend(**values) -> pd.DataFrame:
    """A monthly trend with the analytics' flags; ``values`` override columns."""
    df = pd.DataFrame({"period_start": pd.date_range("2025-01-01", periods=5, freq="MS").date,
                       "customers": [120, 90, 0, 400, 35], "conversion_rate": [0.1, 0.12, None, 0.15, 0.2],
                       "nps": [10.0, None, 25.0, -5.0, 3.0], "churn_rate": [0.02, 0.03, 0.0, 0.05, 0.1],
                       "cross_share": [0.3, 0.2, 0.1, 0.25, 0.4], "revenue": [1e4, 2e4, 0.0, 5e4, 3e3],
                       "sufficient": [True, True, False, True, True], "nps_sufficient": [True, False, True, True, True],
                       "partial": [False, False, False, False, True]})
    return df.assign(**values)


EXAMPLES = {
    "kpi_trend_chart": [
        ((data, metric), {"titles": titles, "small": small})
        for data in (trend_df().assign(revenue=[5.0, 0.0, 7.5, 1e6]), _trend(), _trend(nps=[None] * 5),
                     _trend().head(1), _trend().head(0))
        for metric in ("nps", "conversion_rate", "revenue")
        for titles in (None, {"locale": "fr", "currency_symbol": "R$"}, {"title": "Taux"})
        for small in (True, False)
    ],
}
"""Examples for every split chart: (positional arguments, keyword arguments)."""


def test_every_split_chart_has_examples():
    assert set(EXAMPLES) == set(charts.SPLITS)


@pytest.mark.parametrize("name", sorted(charts.SPLITS))
def test_the_layout_filled_with_its_rows_is_the_whole_chart(name):
    split, whole = charts.SPLITS[name], getattr(charts, name)
    for args, kwargs in EXAMPLES[name]:
        rows = split.rows(*args, **kwargs)
        layout = split.layout(*args[split.data_args:], empty=rows is None, **kwargs).to_dict(validate=True)
        expected = whole(*args, **kwargs).to_dict(validate=True)
        assert fill(layout, rows) == expected, (args[split.data_args:], kwargs)
        # filling never writes into the layout: the app keeps one layout for every filter set
        assert fill(copy.deepcopy(layout), rows) == fill(layout, rows) and "NaN" not in repr(expected)


@pytest.mark.parametrize("name", sorted(charts.SPLITS))
def test_two_data_sets_differ_in_their_rows_only(name):
    """Same options, other data: everything but the named rows is equal (the spec's structure does not come from
    the data), and the rows are the data's."""
    split, whole = charts.SPLITS[name], getattr(charts, name)
    by_options = {}
    for args, kwargs in EXAMPLES[name]:
        rows = split.rows(*args, **kwargs)
        spec = whole(*args, **kwargs).to_dict(validate=False)
        named = set(rows or {})
        structure = {**spec, "datasets": {k: v for k, v in spec.get("datasets", {}).items() if k not in named}}
        key = (repr(args[split.data_args:]), repr(sorted(kwargs.items())), rows is None)
        by_options.setdefault(key, []).append((structure, {k: spec["datasets"][k] for k in named}))
    compared = 0
    for specs in by_options.values():
        for structure, _rows in specs[1:]:
            assert structure == specs[0][0]
            compared += 1
        assert len(specs) == 1 or len({repr(d) for _, d in specs}) > 1  # other data, other rows
    assert compared > 10


def test_kpi_trend_rows_by_hand():
    """The rows a trend draws: in period order, a rate below 30 customers blanked, the last value marked, the status
    in words."""
    rows = charts.SPLITS["kpi_trend_chart"].rows(_trend(), "conversion_rate")["trend"]
    assert list(rows["conversion_rate"].isna()) == [False, False, True, False, False]  # March: too few (0)
    assert list(rows["is_last"]) == [False, False, False, False, True]
    assert list(rows["status"]) == ["complete period", "complete period", "too few (n < 30): not shown",
                                    "complete period", "period not over"]
    assert charts.SPLITS["kpi_trend_chart"].rows(_trend().head(0), "nps") is None
