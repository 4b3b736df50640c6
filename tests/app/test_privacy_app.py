"""The Data page's erasure: an admin forgets a customer in the real app (AppTest) on a real DuckDB file."""

import shutil

from tests.app.conftest import fresh_app
from tests.app.test_pages import metric


def test_an_admin_forgets_a_customer_and_the_counts_follow(demo_db_url, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    at = fresh_app(f"duckdb:///{path}", monkeypatch).run()
    assert metric(at, "Clients").value == "2\u202f000"
    at.switch_page("app_pages/data.py").run()
    assert at.checkbox(key="keep_personal").value is False  # comments are masked unless asked
    # an unknown ID refuses the whole request: nothing deleted
    at.text_area[0].set_value("C0000001\nNOBODY-42")
    next(b for b in at.button if b.label == "Oublier ces clients").click().run()
    assert not at.exception, at.exception
    assert at.error and "NOBODY" in at.error[0].value.replace("\\", "")
    at.text_area[0].set_value("C0000001")
    next(b for b in at.button if b.label == "Oublier ces clients").click().run()
    assert any("1 client oublié" in s.value for s in at.success), [s.value for s in at.success]
    assert any("1 effacement au journal" in c.value for c in at.caption)
    at.switch_page("app_pages/overview.py").run()
    assert metric(at, "Clients").value == "1\u202f999"  # no cached result keeps the forgotten customer
