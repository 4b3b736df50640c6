"""A full disk during an import from the Data page: the refusal in the reader's language, nothing written, no
traceback, and the checked files still there to try again (the command line's side: tests/unit/test_hostile_import)."""

import data_model as dm
from loaders.write import run_import
from tests.app.conftest import fresh_app
from tests.app.test_data_page_french import checked_paths
from tests.conftest import ROOT
from tests.unit.test_hostile_import import big_touchpoints, small_disk  # noqa: F401  (fixtures)


def test_a_full_disk_is_said_on_the_data_page_and_nothing_is_written(small_disk, big_touchpoints, monkeypatch):  # noqa: F811
    url = f"duckdb:///{small_disk / 'parcours.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, {"customers": ROOT / "sample_data" / "export-crm-fr" / "clients.csv"})  # not empty: no demo
    db.close()
    at = fresh_app(url, monkeypatch).run()
    at.switch_page("app_pages/data.py").run()
    at.session_state["pending_import"] = checked_paths({"touchpoints": big_touchpoints})
    at.run()
    next(b for b in at.button if b.label == "Écrire dans la base").click().run()
    assert not at.exception, at.exception
    errors = [e.value.replace("\\", "") for e in at.error]
    assert any(e.startswith("Import refusé, rien n'a été écrit") and "plein" in e for e in errors), errors
    assert at.session_state["pending_import"] is not None  # still checked: free some space and write again
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    db = dm.connect(url)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM touchpoints").scalar() == 0
    db.close()
