"""The "What changed" page (issue 19): a KPI's change between two cohorts split into mix and rate, on the demo data,
in both languages, equal to ``analytics.explain`` and reachable from the overview's compared KPI cards."""

from datetime import date

import data_model as dm
from analytics.explain import change_split
from i18n import Texts
from story import change_sentence
from ui.widgets import plain


def _expected(url: str, **options) -> dict:
    db = dm.connect(url, create=False)
    try:
        return change_split(db, **options)
    finally:
        db.close()


def test_the_default_change_is_split_and_said_in_both_languages(app, demo_db_url):
    expected = _expected(demo_db_url)
    assert expected["status"] == "ok"  # the demo's latest quarter whose windows are over, against the one before
    app.run()
    app.switch_page("app_pages/changes.py").run()
    assert not app.exception, app.exception
    said = [m.value for m in app.markdown]
    assert plain(change_sentence(expected, {}, Texts("fr"))) in said
    assert len(app.dataframe) == 1 and len(app.dataframe[0].value) == len(expected["groups"])
    before = tuple(date.fromisoformat(d) for d in expected["periods"]["before"])
    assert app.date_input(key="changes_before").value == before
    app.selectbox(key="lang").set_value("en").run()
    assert not app.exception, app.exception
    assert plain(change_sentence(expected, {}, Texts("en"))) in [m.value for m in app.markdown]


def test_every_kpi_and_dimension_draws_and_a_recent_cohort_waits(app):
    app.run()
    app.switch_page("app_pages/changes.py").run()
    for kpi in ("nps", "csat", "conversion"):
        app.segmented_control(key="changes_metric").set_value(kpi).run()
        for by in ("channel", "region"):
            app.segmented_control(key="changes_by").set_value(by).run()
            assert not app.exception, (kpi, by, app.exception)
            assert app.markdown[0].value, (kpi, by)
    # the last quarter of the demo: its customers are followed 90 days past the end of the data
    app.date_input(key="changes_after").set_value((date(2025, 10, 1), date(2025, 12, 27))).run()
    assert not app.exception, app.exception
    (info,) = app.info
    assert "28 mars 2026" in info.value and not app.dataframe


def test_the_overview_leads_from_its_compared_cards_to_the_split(app):
    app.run()
    assert not [e for e in app.get("page_link")]  # no period chosen: no delta, nothing to explain
    app.date_input(key="period").set_value((date(2025, 4, 1), date(2025, 6, 30))).run()
    assert not app.exception, app.exception
    (link,) = app.get("page_link")
    assert link.proto.page.endswith("changes.py") or "changes" in link.proto.page
