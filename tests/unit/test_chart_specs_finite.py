"""No chart spec ever carries NaN or infinity: the browser parses a spec as JSON, and one NaN turned the Channels
page's transition heatmap into a red "SyntaxError … is not valid JSON" (Python's json writes NaN, JSON has none).

Every builder, on the real-shaped frames of its own tests and on what thin data makes of them: empty, one row,
every count under the 30 that makes a value readable, every measured value missing."""

import json

import numpy as np
import pandas as pd
import pytest

import charts
from tests.unit import test_charts, test_map_charts, test_variants

COUNTS = ("customers", "responses", "count", "touchpoints", "digital", "physical", "customers_digital_first",
          "churn_n", "stopped", "promoters", "passives", "detractors", "detractor_count", "promoter_count",
          "converted", "total", "detractor_comments", "promoter_comments")


def _builders():
    out = {name: (build, make) for name, (build, make) in test_charts.BUILDERS.items()}
    out["irritants"] = (lambda df, **kw: charts.irritants_chart(df, **kw), test_map_charts.irritants_df)
    out["journey_map"] = (
        lambda df, **kw: charts.journey_map_chart(df, test_map_charts.channels_df(), test_map_charts.cells_df(),
                                                  **kw), test_map_charts.stages_df)
    out["journey_map_two"] = (
        lambda df, **kw: charts.journey_map_chart(
            pd.concat([df.assign(series="a"), df.assign(series="b")]), test_map_charts.channels_df("a"),
            test_map_charts.cells_df("a"), **kw), test_map_charts.stages_df)
    out["variants"] = (lambda df, **kw: charts.variants_chart(df, **kw), _variants_df)
    out["themes"] = (lambda df, **kw: charts.themes_chart(df, titles=kw.get("titles")), _themes_df)
    out["waterfall"] = (lambda df, **kw: charts.waterfall_chart(df, **kw), test_charts.waterfall_df)
    return out


def _variants_df():
    return pd.DataFrame([test_variants.row(1, "a›b", 2, 300, 100, 1000, 300),
                         test_variants.row(2, "a", 1, 200, 20, 1000, 500)])


def _themes_df():
    return pd.DataFrame({"term": ["attente", "conseil"], "kind": ["word", "word"], "side": ["detractor", "promoter"],
                         "detractor_count": [40, 2], "promoter_count": [3, 35], "detractor_comments": [38, 2],
                         "promoter_comments": [3, 30], "z": [4.2, -3.1]})


BUILDERS = _builders()


def _thin(df: pd.DataFrame, how: str) -> pd.DataFrame:
    if how == "empty":
        return df.iloc[:0]
    if how == "one_row":
        return df.iloc[:1]
    df = df.copy()
    floats = [c for c in df.columns if pd.api.types.is_float_dtype(df[c])]
    if how == "all_under_30":
        for column in COUNTS:
            if column in df.columns:
                df[column] = df[column].where(df[column].isna(), 3)
        for column in ("sufficient",):
            if column in df.columns:
                df[column] = False
        return df
    if how == "values_missing":  # what analytics return for a value they cannot read
        for column in floats:
            df[column] = np.nan
        return df
    if how == "infinite":  # a ratio over zero that slipped through
        for column in floats:
            df[column] = np.inf
        return df
    raise ValueError(how)


@pytest.mark.parametrize("how", ["empty", "one_row", "all_under_30", "values_missing", "infinite"])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_spec_is_strict_json(name, how):
    build, make = BUILDERS[name]
    chart = build(_thin(make(), how), labels=test_charts.LABELS, titles={"locale": "fr"})
    spec = chart.to_dict(validate=False)
    json.dumps(spec, allow_nan=False)  # raises ValueError on NaN or ±inf anywhere


def test_the_transition_heatmap_with_every_row_under_30_is_strict_json():
    """The reported case: the 12-customer export, or one region and two channels."""
    df = test_charts.transitions_df().assign(count=[3, 2, 1, 1, 1])
    spec = charts.transition_heatmap(df, labels=test_charts.LABELS).to_dict(validate=True)
    json.dumps(spec, allow_nan=False)


# Fields a row under 30 may still be drawn at: a count (the funnel's customers: a count is shown, a rate is not) and
# the full-width placeholder bars of the 100 % stacked charts (x_start 0 → x_end 1 whatever the data).
COUNT_OR_PLACEHOLDER = {"customers", "bar_customers", "x_start", "x_end"}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_no_chart_draws_a_value_under_30(name):
    """Issue 16: below MIN_N a value is neither shown nor drawn — no grey bar at its real length, no point, no
    interval — on every chart, with every row under 30."""
    build, make = BUILDERS[name]
    spec = build(_thin(make(), "all_under_30"), labels=test_charts.LABELS, titles={"locale": "fr"}).to_dict(
        validate=False)
    drawn = [(field, value) for field, value in test_charts.drawn_thin_values(spec)
             if field not in COUNT_OR_PLACEHOLDER]
    assert drawn == [], name
