"""The app starts on an empty embedded database, loads the demo data and says so."""

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_first_start_loads_demo_data(duckdb_url, monkeypatch):
    monkeypatch.setenv("PARCOURS_DB_URL", duckdb_url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert any("démonstration" in i.value for i in at.info)
    customers = at.metric[0].value.replace("\u202f", "").replace(" ", "")
    assert int(customers) > 1000
