"""AppTest runs the real app (app.py, st.navigation, the pages) headless against a real DuckDB file.

Streamlit's caches live in the test process, so each database gets fresh caches."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import data_model as dm
from loaders.write import run_import
from tests.conftest import ROOT
from ui.data import DEMO_FILES

PAGES = ["app_pages/overview.py", "app_pages/funnel.py", "app_pages/channels.py", "app_pages/satisfaction.py",
         "app_pages/data.py"]


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory):
    """The shipped demo data, imported once for the whole session."""
    url = f"duckdb:///{tmp_path_factory.mktemp('demo') / 'demo.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, DEMO_FILES, source="demo")
    db.close()
    return url


def fresh_app(url: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("PARCOURS_DB_URL", url)
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


@pytest.fixture
def app(demo_db_url, monkeypatch):
    at = fresh_app(demo_db_url, monkeypatch)
    yield at
    st.cache_resource.clear()
