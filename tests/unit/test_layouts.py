"""Charts built in two parts (``charts.layouts``): a layout filled with a filter set's rows is the very chart the chart
function draws, and the layout does not depend on the data (so that the app builds it once per options)."""

import copy

import pandas as pd
import pytest

import charts
from charts.layouts import fill
from tests.unit.test_charts import csat_df, nps_channel_df, nps_stage_df, satisfaction_trend_df, trend_df
from tests.unit.test_map_charts import LABELS, cells_df, channels_df, stages_df


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
        for titles in (None, {"locale": "fr", "currency_symbol": "R$", "title": "Taux"})
        for small in (True, False)
    ],
    "journey_map_chart": [
        ((stages, channels, cells), {"labels": LABELS, **options})
        for stages in (stages_df(), stages_df().assign(customers=[900, 300, 31], nps=[-5.0, 40.0, 70.0]),
                       stages_df().assign(measure="csat", value=[4.2, 2.1, 3.3], ci_low=[4.0, 1.9, 3.0],
                                          ci_high=[4.4, 2.3, 3.6]),
                       stages_df().head(0))
        for channels, cells, options in ((channels_df(), cells_df(), {}),
                                         (channels_df().iloc[:0], cells_df().iloc[:0],
                                          {"titles": {"locale": "fr"}, "wrap": 20}))
    ] + [
        ((pd.concat([stages_df("A"), stages_df("B").assign(customers=[10, 5, 1])]),
          pd.concat([channels_df("A"), channels_df("B")]), pd.concat([cells_df("A"), cells_df("B")])),
         {"labels": LABELS, "series_order": order})
        for order in (("A", "B"), ("B", "A"))
    ],
    "nps_bars_chart": [
        ((data, by), options)
        for data, by in ((nps_stage_df(), "stage"), (nps_stage_df().assign(nps=[70.0, -20.0, 5.0]), "stage"),
                         (nps_channel_df(), "channel"), (nps_channel_df().assign(nps=[60.0, -10.0, 100.0]), "channel"),
                         (nps_stage_df().head(0), "stage"))
        for options in ({}, {"titles": {"locale": "fr"}, "labels": {"web": "Site"}})
    ],
    "csat_chart": [
        ((data,), options)
        for data in (csat_df(), csat_df().assign(responses=[10, 500, 40]), csat_df().iloc[::-1], csat_df().head(0))
        for options in ({}, {"titles": {"locale": "fr"}, "labels": {"purchase": "Achat"}})
    ],
    "satisfaction_trend_chart": [
        ((data,), options)
        for data in (satisfaction_trend_df(), satisfaction_trend_df().assign(value=[-20.0, 5.0, 33.0]),
                     satisfaction_trend_df("csat"), satisfaction_trend_df().head(1), satisfaction_trend_df().head(0))
        for options in ({}, {"titles": {"locale": "fr"}})
    ],
}
"""Examples for every split chart: (positional arguments, keyword arguments)."""


def test_every_split_chart_has_examples():
    assert set(EXAMPLES) == set(charts.SPLITS)


@pytest.mark.parametrize("name", sorted(charts.SPLITS))
def test_the_layout_filled_with_its_rows_is_the_whole_chart(name):
    split, whole = charts.SPLITS[name], getattr(charts, name)
    for i, (args, kwargs) in enumerate(EXAMPLES[name]):
        rows = split.rows(*args, **kwargs)
        layout = split.layout(*args[split.data_args:], shape=rows and rows.shape, **kwargs).to_dict(validate=False)
        # the whole charts are validated by their own tests (``test_charts``, ``test_map_charts``): once here
        expected = whole(*args, **kwargs).to_dict(validate=i == 0)
        assert fill(layout, rows) == expected, (args[split.data_args:], kwargs)
        # filling never writes into the layout: the app keeps one layout for every filter set
        assert fill(copy.deepcopy(layout), rows) == fill(layout, rows) and "NaN" not in repr(expected)


@pytest.mark.parametrize("name", sorted(charts.SPLITS))
def test_two_data_sets_differ_in_their_rows_only(name):
    """Same options and shape, other data: everything but the named rows is equal (the spec's structure does not
    come from the data's figures), and the rows are the data's."""
    split, whole = charts.SPLITS[name], getattr(charts, name)
    by_options = {}
    for args, kwargs in EXAMPLES[name]:
        rows = split.rows(*args, **kwargs)
        spec = whole(*args, **kwargs).to_dict(validate=False)
        named = set(rows.datasets) if rows is not None else set()
        structure = {**spec, "datasets": {k: v for k, v in spec.get("datasets", {}).items() if k not in named}}
        key = (repr(args[split.data_args:]), repr(sorted(kwargs.items())), rows and rows.shape)
        by_options.setdefault(key, []).append((structure, {k: spec["datasets"][k] for k in named}))
    compared = 0
    for specs in by_options.values():
        for structure, _rows in specs[1:]:
            assert structure == specs[0][0]
            compared += 1
        assert len(specs) == 1 or not specs[0][1] or len({repr(d) for _, d in specs}) > 1  # other data, other rows
    assert compared >= 2


def test_kpi_trend_rows_by_hand():
    """The rows a trend draws: in period order, a rate below 30 customers blanked, the last value marked, the status
    in words."""
    rows = charts.SPLITS["kpi_trend_chart"].rows(_trend(), "conversion_rate").datasets["trend"]
    assert list(rows["conversion_rate"].isna()) == [False, False, True, False, False]  # March: too few (0)
    assert list(rows["is_last"]) == [False, False, False, False, True]
    assert list(rows["status"]) == ["complete period", "complete period", "too few (n < 30): not shown",
                                    "complete period", "period not over"]
    assert charts.SPLITS["kpi_trend_chart"].rows(_trend().head(0), "nps") is None


def test_the_journey_maps_lanes_are_placed_by_shares_of_their_extent():
    """The map's layout holds no figure of the data: each lane's marks sit at a share of the lane's extent, computed
    with the rows (the tallest stage's bar at 1 / 1.6 of the customers' lane, words above it; churn at 1 / 1.5)."""
    stages = stages_df().assign(customers=[137, 60, 40])
    rows = charts.SPLITS["journey_map_chart"].rows(stages, channels_df(), cells_df(), labels=LABELS)
    customers, churn = rows.datasets["map_customers"], rows.datasets["map_churn"]
    assert list(customers["bar_y"]) == pytest.approx([1 / 1.6, 60 / 219.2, 40 / 219.2])
    assert list(churn["churn_y"]) == pytest.approx([1 / 1.5] * 3)
    emotion = rows.datasets["map_emotion"]
    # NPS +20 ± 10 and −10 ± 10 (the third stage: 10 respondents, too few): the lane runs from −35 (−20 − 15) to
    # 30 + 25 + 10 = 65
    assert list(emotion["value_y"][:2]) == pytest.approx([(20 + 35) / 100, (-10 + 35) / 100])
    assert rows.datasets["map_zero"]["zero_y"][0] == pytest.approx(0.35)
    assert rows.shape == (("Découverte", "Achat", "SAV"), ("",), 2, False, (1, True), (1, True))
    layout = charts.SPLITS["journey_map_chart"].layout(labels=LABELS, shape=rows.shape).to_dict()
    assert not any(figure in repr(layout) for figure in ("137", "219", "-35", "65"))
