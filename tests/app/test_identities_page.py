"""The Data page says what stitching made of the identity links (issue 17): how many identifiers, customers that
gather several, the sizes, and the components held apart."""

import data_model as dm
from loaders.identities import import_links
from loaders.write import run_import
from tests.app.conftest import fresh_app
from tests.conftest import DEMO_FILES


def test_the_data_page_reports_the_stitched_identities(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'i.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, {"customers": DEMO_FILES["customers"]})
    links = tmp_path / "links.csv"
    links.write_text("id_a,id_b,kind\nck_1,jane@example.com,email\nCRM-1,Jane@Example.com,email\n"
                     + "".join(f"ck_{i:03d},SHOP-CARD,loyalty\n" for i in range(30)), encoding="utf-8")
    import_links(db, links)
    db.close()
    at = fresh_app(url, monkeypatch).run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    summary = [m.value for m in at.markdown if "identifiants liés" in m.value]
    assert summary == ["34 identifiants liés\u00a0; 1 client en réunit plusieurs (1 fiche fusionnée)."]
    (held,) = [w.value for w in at.warning if "Tenue à part" in w.value]
    assert "31 identifiants" in held and "jane" not in held.lower()
