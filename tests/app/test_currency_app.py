"""The database's currency in the real app (AppTest): the overview's revenue card writes amounts with it, and the
Data page sets it (a copy of the demo database each time)."""

import shutil

import data_model as dm
from loaders.settings import set_analysis_setting
from tests.app.conftest import fresh_app


def revenue_card(at) -> str:
    return next(m for m in at.metric if m.label in ("Chiffre d'affaires", "Revenue")).value


def demo_copy(demo_db_url, tmp_path) -> str:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    return f"duckdb:///{path}"


def test_a_database_in_reais_shows_reais_on_the_revenue_card(demo_db_url, tmp_path, monkeypatch):
    url = demo_copy(demo_db_url, tmp_path)
    db = dm.connect(url, create=False)
    try:
        set_analysis_setting(db, "currency", "BRL")
    finally:
        db.close()
    at = fresh_app(url, monkeypatch).run()
    assert not at.exception, at.exception
    card = revenue_card(at)
    assert card.endswith("\u00a0R$") and "€" not in card, card  # French: the symbol after
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    card = revenue_card(at)
    assert card.startswith("R$") and "€" not in card, card  # English: the symbol before


def test_the_currency_is_set_on_the_data_page(demo_db_url, tmp_path, monkeypatch):
    at = fresh_app(demo_copy(demo_db_url, tmp_path), monkeypatch).run()
    assert not at.exception, at.exception
    assert revenue_card(at).endswith("€")  # the default: euros
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    currency = next(s for s in at.selectbox if s.label == "Devise des montants")
    assert currency.value == "EUR"
    currency.set_value("USD")
    next(i for i in at.text_input if i.label == "Symbole (vide : l'usuel)").set_value("US$")
    at.button(key="FormSubmitter:analysis_settings-Enregistrer les réglages").click().run()
    assert not at.exception, at.exception
    assert len(at.success) == 1 and not at.error, [e.value for e in at.error]
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    card = revenue_card(at)
    assert card.endswith("\u00a0US$") and "€" not in card, card
