"""A split chart's layout (``charts.layouts``) is built once per options and shape: a page drawn for another filter set
puts its rows in the layout already built (issue 18: "chart specs built once")."""

import pyarrow as pa
import pytest

import charts
from charts.layouts import Split
from tests.app.test_pages import charts_on


def _counting(monkeypatch, name: str) -> tuple[list, list]:
    """Record each layout built and each shape of rows computed for the split chart ``name``."""
    split = charts.SPLITS[name]
    built, shapes = [], []

    def layout(*args, **kwargs):
        built.append(repr((args, sorted(kwargs.items()))))
        return split.layout(*args, **kwargs)

    def rows(*args, **kwargs):
        got = split.rows(*args, **kwargs)
        shapes.append(got and got.shape)
        return got

    monkeypatch.setitem(charts.SPLITS, name, Split(layout=layout, rows=rows, data_args=split.data_args))
    return built, shapes


def _datasets(chart) -> list[list[dict]]:
    return [pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in chart.proto.datasets]


def test_the_overview_trends_are_laid_out_once_for_every_filter_set(app, monkeypatch):
    built, _ = _counting(monkeypatch, "kpi_trend_chart")
    app.run()
    assert not app.exception, app.exception
    first, everyone = len(built), [_datasets(c) for c in charts_on(app)[:6]]
    assert first >= 6 and len(set(built)) == first  # one build per trend's options, none twice
    app.sidebar.multiselect(key="persona").set_value(["Famille"]).run()
    assert not app.exception, app.exception
    assert len(built) == first  # another filter set: the same layouts, with its rows
    family = [_datasets(c) for c in charts_on(app)[:6]]
    # as many periods as before, other values: the persona's
    assert [len(d[0]) for d in family] == [len(d[0]) for d in everyone] and family != everyone
    specs = [c.proto.spec for c in charts_on(app)[:6]]
    app.sidebar.multiselect(key="persona").set_value([]).run()
    assert [c.proto.spec for c in charts_on(app)[:6]] == specs and len(built) == first
    assert [_datasets(c) for c in charts_on(app)[:6]] == everyone


@pytest.mark.parametrize("personas", [["Famille"], ["Digital native"], ["Famille", "Digital native"]])
def test_the_journey_map_is_laid_out_once_per_shape(app, monkeypatch, personas):
    """The map of another filter set reuses the layout of a map of the same shape (stages, series, ranks, measure):
    layouts built = distinct shapes drawn, and the rows are the filter set's."""
    built, shapes = _counting(monkeypatch, "journey_map_chart")
    app.run()
    app.switch_page("app_pages/journey_map.py").run()
    assert not app.exception, app.exception
    everyone = _datasets(charts_on(app)[0])
    app.sidebar.multiselect(key="persona").set_value(personas).run()
    assert not app.exception, app.exception
    assert _datasets(charts_on(app)[0]) != everyone
    assert len(shapes) == 2 and len(built) == len(set(shapes))
