"""A split chart's layout (``charts.layouts``) is built once per options: a page drawn for another filter set puts
its rows in the layout already built (issue 18: "chart specs built once")."""

import pyarrow as pa

import charts
from charts.layouts import Split
from tests.app.test_pages import charts_on


def test_the_overview_trends_are_laid_out_once_for_every_filter_set(app, monkeypatch):
    split = charts.SPLITS["kpi_trend_chart"]
    built = []

    def counted(*args, **kwargs):
        built.append(repr((args, sorted(kwargs.items()))))
        return split.layout(*args, **kwargs)

    monkeypatch.setitem(charts.SPLITS, "kpi_trend_chart", Split(layout=counted, rows=split.rows))

    def trend_rows(at) -> list[int]:
        return [sum(pa.ipc.open_stream(d.data.data).read_all().num_rows for d in chart.proto.datasets)
                for chart in charts_on(at)[:6]]

    def first_trend(at) -> list[dict]:
        return pa.ipc.open_stream(charts_on(at)[0].proto.datasets[0].data.data).read_all().to_pylist()

    app.run()
    assert not app.exception, app.exception
    first, rows, everyone = len(built), trend_rows(app), first_trend(app)
    assert first >= 6 and len(set(built)) == first  # one build per trend's options, none twice
    app.sidebar.multiselect(key="persona").set_value(["Famille"]).run()
    assert not app.exception, app.exception
    assert len(built) == first  # another filter set: the same layouts, with its rows
    assert trend_rows(app) == rows  # as many periods as before, other values: the persona's
    family = first_trend(app)
    assert len(family) == len(everyone) and family != everyone
    specs = [c.proto.spec for c in charts_on(app)[:6]]
    app.sidebar.multiselect(key="persona").set_value([]).run()
    assert [c.proto.spec for c in charts_on(app)[:6]] == specs and len(built) == first
    assert first_trend(app) == everyone
