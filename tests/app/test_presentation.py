"""Presentation mode, chart downloads and the language switch, in the real app headless (AppTest)."""

from tests.app.conftest import PAGES
from tests.app.test_pages import charts_on

STORY_FR = ["Vue d'ensemble", "Entonnoir", "Parcours cross-canal", "Satisfaction & churn", "Carte du parcours",
            "Irritants & enchantements", "Ce qui a changé", "Prochaines étapes"]
STORY_EN = ["Overview", "Funnel", "Cross-channel journeys", "Satisfaction & churn", "Journey map",
            "Irritants & delights", "What changed", "Next steps"]


def shown(element) -> str:
    """An element's text as the reader sees it (customer text is escaped markdown in the page)."""
    return element.value.replace("\\", "").replace("\u202f", " ")


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_presentation_walks_the_story_and_keeps_the_filters(app):
    app.run()
    app.multiselect(key="persona").set_value(["Famille"]).run()
    app.toggle(key="present").set_value(True).run()
    assert not app.exception, app.exception
    titles, findings = [], []
    for i in range(8):
        assert not app.exception, app.exception
        main = app.main
        titles.append(main.title[0].value)
        findings.append(main.markdown[0].value)
        assert main.caption[0].value == f"Vue {i + 1} sur 8"
        # the foot: the filters, the data's date range and n
        assert shown(main.caption[-1]).startswith(
            "Clients du persona Famille, suivis jusqu'au 27 déc. 2025 sur 90\u00a0jours") and \
            shown(main.caption[-1]).endswith(
            "· données du 1 janv. 2025 au 27 déc. 2025 · n = 362 clients")
        if i < 5:
            assert len(charts_on(app)) == 1
        assert not app.get("download_button") or all(d.label == "Diaporama PowerPoint"
                                                      for d in app.get("download_button"))  # no chart control
        assert button(app, "Précédente").disabled == (i == 0)
        assert button(app, "Suivante").disabled == (i == 7)
        if i < 7:
            button(app, "Suivante").click().run()
    assert titles == STORY_FR
    assert all(any(ch.isdigit() for ch in f) for f in findings[:4])  # a finding states its numbers
    assert app.query_params["view"] == "8"
    button(app, "Précédente").click().run()
    assert app.title[0].value == "Ce qui a changé"
    # the filters stay; leaving returns to the pages
    button(app, "Quitter la présentation").click().run()
    assert not app.session_state["present"]
    assert app.multiselect(key="persona").value == ["Famille"]
    assert app.title[0].value == "Vue d'ensemble" and app.metric


def test_presentation_in_english(app):
    app.run()
    app.selectbox(key="lang").set_value("en")
    app.toggle(key="present").set_value(True).run()
    seen = []
    for _ in range(8):
        assert not app.exception, app.exception
        seen.append(app.title[0].value)
        next_ = button(app, "Next")
        if not next_.disabled:
            next_.click().run()
    assert seen == STORY_EN


TABLES = {"app_pages/funnel.py": 4, "app_pages/irritants.py": 1, "app_pages/channels.py": 1,
          "app_pages/variants.py": 1, "app_pages/voice.py": 1, "app_pages/changes.py": 1}


def test_every_chart_and_table_downloads(app):
    """Each chart: PNG and SVG; each analysis table: CSV and Excel; everywhere: the deck (one session, every page)."""
    app.run()
    for page in PAGES[:-1]:  # the data page shows the user's own files, not results
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
        drawn = len(charts_on(app))
        labels = [d.label for d in app.get("download_button")]
        assert labels.count("Image PNG") == labels.count("Image SVG (vectorielle)") == drawn, page
        assert labels.count("CSV") == labels.count("Excel") == TABLES.get(page, 0), page
        assert labels.count("Diaporama PowerPoint") == 1, page


def test_the_period_survives_a_language_switch(app):
    from datetime import date

    app.run()
    app.date_input(key="period").set_value((date(2025, 3, 1), date(2025, 3, 31))).run()
    before = app.metric[0].value
    app.selectbox(key="lang").set_value("en").run()
    assert not app.exception, app.exception
    assert app.date_input(key="period").value == (date(2025, 3, 1), date(2025, 3, 31))
    assert app.metric[0].value.replace(",", "") == before.replace("\u202f", "")
