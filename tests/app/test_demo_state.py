"""The demo in the app follows the data, not the process: the banner while the demo is there (a warning when it is
mixed with the user's imports), removable in one click on the Data page, and an empty database that says how to
fill it (templates, the example export) and stays empty at the next start."""

import shutil

from loaders.write import run_import
from tests.app.conftest import fresh_app
from tests.conftest import EXAMPLES


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def click(at, label):
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception


def test_remove_the_demo_then_an_empty_database_says_how_to_fill_it(demo_db_url, monkeypatch, tmp_path):
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    at = fresh_app(f"duckdb:///{path}", monkeypatch).run()
    assert any("démonstration" in i for i in texts(at.info))
    at.switch_page("app_pages/data.py").run()
    assert any("contient la société de démonstration (clients fictifs) et rien d'autre" in m
               for m in texts(at.markdown))
    click(at, "Retirer la démo")
    assert any(s.startswith("Démo retirée : 2\u202f000 clients") for s in texts(at.success)), texts(at.success)
    assert any("Pas encore de données" in i for i in texts(at.info))
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    shown = texts(at.info)
    assert any("Pas encore de données : importez vos fichiers depuis la page Données." in i for i in shown), shown
    assert not any("démonstration" in i for i in shown)  # the banner follows the data
    labels = [b.label for b in at.get("download_button")]
    assert "Modèle Clients (FR)" in labels and "Modèle Avis (NPS, CSAT, verbatims) (EN)" in labels
    assert "Exemple : clients.csv" in labels
    # the next start does not bring the demo back into the empty database
    again = fresh_app(f"duckdb:///{path}", monkeypatch).run()
    assert any("Pas encore de données" in i for i in texts(again.info))


def test_demo_mixed_with_imports_is_said_and_removed_leaving_the_imports(demo_db_url, monkeypatch, tmp_path):
    import data_model as dm

    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    db = dm.connect(f"duckdb:///{path}")
    run_import(db, {"customers": EXAMPLES / "clients.csv", "touchpoints": EXAMPLES / "points_de_contact.csv",
                    "feedback": EXAMPLES / "avis.csv"})
    db.close()
    at = fresh_app(f"duckdb:///{path}", monkeypatch).run()
    assert any("mêlent vos imports et la société de démonstration" in w for w in texts(at.warning))
    at.switch_page("app_pages/data.py").run()
    click(at, "Retirer la démo")
    at.switch_page("app_pages/overview.py").run()
    assert not at.warning and not any("démonstration" in i for i in texts(at.info))
    card = next(m for m in at.metric if m.label == "Clients")
    assert card.value == "12"


def test_a_database_out_of_reach_is_said_in_the_readers_language_not_a_traceback(monkeypatch):
    """A server that does not answer (or a DuckDB file a command-line import holds): one message, in French by
    default and in English with ?lang=en, and nothing else drawn."""
    import streamlit as st

    at = fresh_app("postgresql+psycopg://nobody@127.0.0.1:1/none", monkeypatch)
    at.run()
    assert not at.exception
    assert [e.value.startswith("Impossible d'ouvrir la base") for e in at.error] == [True]
    assert not at.metric
    at = fresh_app("postgresql+psycopg://nobody@127.0.0.1:1/none", monkeypatch)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception and [e.value.startswith("Cannot open the database") for e in at.error] == [True]
    st.cache_resource.clear()
