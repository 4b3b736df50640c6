"""AppTest runs the real app (app.py, st.navigation, the pages) headless against a real DuckDB file.

Streamlit's caches live in the test process, so each database gets fresh caches."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGES = ["app_pages/overview.py", "app_pages/journey_map.py", "app_pages/irritants.py", "app_pages/funnel.py",
         "app_pages/voice.py", "app_pages/channels.py", "app_pages/satisfaction.py", "app_pages/variants.py",
         "app_pages/changes.py", "app_pages/data.py"]


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
