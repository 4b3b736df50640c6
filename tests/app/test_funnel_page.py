"""The funnel and overview pages on marketplace orders (issue 15): stages nobody was seen at read "not observed",
the stage most customers skipped says so, and the weakest step is not After-sales → Loyalty."""

import json

import pytest

import data_model as dm
from tests.app.conftest import fresh_app
from tests.unit.test_funnel_observed import orders


def test_funnel_and_overview_say_what_was_seen(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'orders.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    orders(db)
    db.close()
    at = fresh_app(url, monkeypatch).run()
    assert not at.exception, at.exception
    flag = " ".join(i.value for i in at.info)
    assert "Achat → Service après-vente" in flag and "Fidélisation n'est pas classée" in flag

    at.switch_page("app_pages/funnel.py").run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert "Non observées dans les données (aucun point de contact, hors des taux de passage)\u00a0: "\
           "Sensibilisation, Considération." in captions
    assert any(c.startswith("Fidélisation\u00a0: 85,9\u202f% des clients atteignent une étape ultérieure sans point "
                            "de contact ici (56 atteignent l'étape, 1 y est vu)") for c in captions), captions
    table = at.dataframe[0].value
    assert table["Depuis l'étape précédente"].tolist()[:2] == ["non observée"] * 2
    charts = at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart")
    assert charts
    for chart in charts:
        spec = chart.proto.spec
        assert "NaN" not in spec and "Infinity" not in spec
        json.loads(spec)


def test_time_to_next_stage_and_cohorts_on_the_funnel_page(app, demo_db_url):
    """The demo: the time to the next stage counts the customers still waiting (Kaplan–Meier) and equals its
    query; the cohort table has one row per first-touch month, blank cells under 30 known outcomes."""
    from analytics.cohorts import conversion_cohorts
    from analytics.timing import time_to_next_stage

    app.run()
    app.switch_page("app_pages/funnel.py").run()
    assert not app.exception, app.exception
    tables = {tuple(d.value.columns): d.value for d in app.dataframe}
    timing = next(v for k, v in tables.items() if "Clients vus" in k)
    cohorts = next(v for k, v in tables.items() if "Cohorte" in k)
    db = dm.connect(demo_db_url)
    try:
        expected = time_to_next_stage(db)
        grid = conversion_cohorts(db)
    finally:
        db.close()
    assert [int(x.replace("\u202f", "")) for x in timing["Clients vus"]] == expected["at_risk"].tolist()
    first = expected.iloc[0]
    assert timing["Médiane (j)"].iloc[0] == (str(int(first["median_days"])) if first["median_days"] == first[
        "median_days"] else "moitié non atteinte")
    assert len(cohorts) == grid["cohort"].nunique() and list(cohorts.columns[:3]) == ["Cohorte", "Clients", "M1"]
    blanks = grid[~grid["shown"]]
    assert len(blanks) and (cohorts.iloc[:, 2:] == "").to_numpy().sum() == len(blanks)  # blank where not shown


def test_reach_within_the_window_on_the_funnel_page(app, demo_db_url):
    """The demo under the 90-day window: the reach of each stage is the report's (Kaplan–Meier), with the customers
    still in progress; a stage whose estimate rests on fewer than 30 followed through says "too early"."""
    from analytics.funnel import stage_reach
    from analytics.report import report

    app.run()
    app.switch_page("app_pages/funnel.py").run()
    assert not app.exception, app.exception
    reach = next(d.value for d in app.dataframe if "Encore en cours" in d.value.columns)
    db = dm.connect(demo_db_url)
    try:
        expected, funnel = stage_reach(db), report(db)["funnel"]
    finally:
        db.close()
    assert expected[["stage", "customers", "in_progress"]].to_dict("records") == [
        {k: r[k] for k in ("stage", "customers", "in_progress")} for r in funnel]
    assert expected["rate"].tolist() == pytest.approx([r["rate"] for r in funnel], nan_ok=True)
    assert [int(x.replace("\u202f", "")) for x in reach["Encore en cours"]] == expected["in_progress"].tolist()
    assert expected["in_progress"].iloc[2] > 0  # the demo's last 90 days: customers still deciding
    for shown, rate, text in zip(expected["shown"], expected["rate"], reach["Atteinte"], strict=True):
        if rate != rate:
            assert text == "non observée"
        else:
            assert text.endswith("%") == bool(shown) and (shown or text.startswith("trop tôt")), text
