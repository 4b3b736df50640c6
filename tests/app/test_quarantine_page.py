"""The Data page's choice for invalid rows (issue 17): refuse everything, or import the good ones and set the others
aside with a download of the rejected rows; and a database without any persona on every page and in the report."""

import csv
import io
import json
import subprocess
import sys

import pytest

import data_model as dm
from loaders import sample
from loaders.write import import_context, run_import, validate_files
from tests.app.conftest import PAGES, fresh_app
from tests.conftest import ROOT
from tests.unit.test_quarantine import BAD_LINES, customers_csv, touchpoints_csv
from ui.imports import PendingImport


def counts(url) -> dict[str, int]:
    db = dm.connect(url)
    try:
        with db.engine.connect() as conn:
            return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                    for t in ("customers", "touchpoints", "import_batches")}
    finally:
        db.close()


def test_data_page_sets_invalid_rows_aside_with_a_download(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'q.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, {"customers": customers_csv(tmp_path / "c.csv")})  # not empty: no demo
    touchpoints = touchpoints_csv(tmp_path / "t.csv")
    pending = PendingImport(validated=validate_files({"touchpoints": touchpoints}, import_context(db),
                                                     on_error="quarantine"), on_error="quarantine")
    db.close()
    at = fresh_app(url, monkeypatch).run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    choice = at.toggle(key="on_error_quarantine")
    assert choice.value is False and choice.label == "Importer les lignes valides, mettre les invalides de côté"
    choice.set_value(True).run()
    assert at.toggle(key="on_error_quarantine").value is True
    at.session_state["pending_import"] = pending
    at.run()
    assert not at.exception, at.exception
    assert any("3 lignes invalides seront mises de côté" in w.value for w in at.warning)
    (download,) = [d for d in at.get("download_button") if d.proto.label.startswith("Télécharger les lignes rejetées")]
    assert download.proto.label.replace("\\", "") == "Télécharger les lignes rejetées de t.csv (CSV)"
    rows = list(csv.DictReader(io.StringIO(pending.validated[0].rejected.csv("fr").decode("utf-8-sig"))))
    assert [(int(r["ligne"]), r["colonne"]) for r in rows] == sorted(BAD_LINES.items())
    assert all(r["motif"] for r in rows) and rows[0]["revenue"] == "'=1+2"
    next(b for b in at.button if b.label == "Écrire dans la base").click().run()
    assert not at.exception, at.exception
    assert counts(url)["touchpoints"] == 997
    assert any("Lignes invalides mises de côté" in c.value for c in at.caption)
    history = next(df for df in at.dataframe if "Rejetées" in df.value.columns)
    assert list(history.value["Rejetées"]) == ["3"]


def test_data_page_refuse_writes_nothing(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'r.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, {"customers": customers_csv(tmp_path / "c.csv")})
    from loaders.errors import InputErrors

    with pytest.raises(InputErrors) as refused:
        validate_files({"touchpoints": touchpoints_csv(tmp_path / "t.csv")}, import_context(db))
    db.close()
    at = fresh_app(url, monkeypatch).run()
    at.switch_page("app_pages/data.py").run()
    at.session_state["pending_import"] = PendingImport(errors=refused.value.errors)
    at.run()
    assert not at.exception, at.exception
    assert any("Import refusé, rien n'a été écrit : 3 erreurs." in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Écrire dans la base"]
    assert counts(url) == {"customers": 50, "touchpoints": 0, "import_batches": 1}


@pytest.fixture(scope="module")
def no_persona_url(tmp_path_factory):
    """A company whose customers file has no persona column at all."""
    folder = tmp_path_factory.mktemp("nopersona")
    frames = sample.generate(300, seed=7)
    frames["customers"] = frames["customers"].drop(columns=["persona"])
    sample.write_export(frames, folder)
    url = f"duckdb:///{folder / 'np.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, {k: folder / f"{k}.csv" for k in ("customers", "touchpoints", "feedback")})
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM customers WHERE persona IS NOT NULL").scalar() == 0
    db.close()
    return url


def test_the_report_runs_without_any_persona(no_persona_url):
    proc = subprocess.run([sys.executable, "-m", "analytics", "report", "--db", no_persona_url], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert 0 < report["customers"] <= 300 and report["funnel"][0]["customers"] > 0


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_any_persona(no_persona_url, page, monkeypatch):
    at = fresh_app(no_persona_url, monkeypatch).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
