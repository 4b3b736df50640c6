"""The satisfaction page's "over time" section on the demo (issue 16): the trend chart is drawn from
``analytics.satisfaction.satisfaction_trend`` and follows its week / month control."""

import json

import pyarrow as pa

import data_model as dm
from analytics.filters import Filters
from analytics.satisfaction import satisfaction_trend
from tests.app.test_pages import charts_on


def trend_charts(at) -> list:
    """The satisfaction trend charts of the page (the only chart whose layers filter on ``isolated``)."""
    return [c for c in charts_on(at) if "datum.isolated" in c.proto.spec]


def periods(chart) -> list[int]:
    """Row counts of the chart's datasets that hold periods (Streamlit ships a chart's data as Arrow)."""
    tables = [pa.ipc.open_stream(d.data.data).read_all() for d in chart.proto.datasets]
    return [t.num_rows for t in tables if "period_start" in t.column_names]


def expected(url: str, grain: str, **filters) -> int:
    db = dm.connect(url)
    try:
        return len(satisfaction_trend(db, Filters(**filters), grain=grain))
    finally:
        db.close()


def test_the_satisfaction_page_draws_the_trend_by_month_then_by_week(app, demo_db_url):
    app.run()
    app.switch_page("app_pages/satisfaction.py").run()
    assert not app.exception, app.exception
    assert "La satisfaction dans le temps" in [h.value for h in app.subheader]
    (chart,) = trend_charts(app)
    spec = json.loads(chart.proto.spec)
    assert "NaN" not in chart.proto.spec and "Infinity" not in chart.proto.spec
    assert any(layer["mark"]["type"] == "area" for layer in spec["layer"])
    months = expected(demo_db_url, "month")
    assert periods(chart) == [months] and months > 6
    control = app.segmented_control(key="satisfaction_grain")
    assert control.value == "month" and control.options == ["semaine", "mois"]
    control.set_value("week").run()
    assert not app.exception, app.exception
    (chart,) = trend_charts(app)
    weeks = expected(demo_db_url, "week")
    assert periods(chart) == [weeks] and weeks > months
    # the measure chosen in the sidebar: CSAT on its 1–5 scale
    app.selectbox(key="measure").set_value("csat").run()
    assert not app.exception, app.exception
    (chart,) = trend_charts(app)
    spec = json.loads(chart.proto.spec)
    assert [1, 5] in [layer["encoding"]["y"].get("scale", {}).get("domain") for layer in spec["layer"]
                      if "y" in layer.get("encoding", {})]
    assert periods(chart) == [expected(demo_db_url, "week", measure="csat")]
