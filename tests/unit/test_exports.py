"""Exports: hostile comments neutralised in CSV and XLSX, numbers kept as numbers, filters applied, the XLSX row
limit, and the command line (DuckDB and PostgreSQL for the functions)."""

import csv
import subprocess
import sys

import openpyxl
import pytest

import data_model as dm
from analytics.exports import ExportError, export, neutralise
from analytics.filters import Filters
from tests.conftest import ROOT
from tests.unit.journeys import customer, fb, load, tp

HOSTILE = {
    "f1": "=HYPERLINK(\"http://evil.example\",\"clic\")",
    "f2": "+cmd|' /C calc'!A0",
    "f3": "-2+3",
    "f4": "@SUM(A1:A9)",
    "f5": "\tTab first",
    "f6": "\rReturn first",
    "f7": "Très bien = parfait, <script>alert(1)</script>",
}


def load_hostile(db):
    load(
        db,
        customers=[customer("c1", persona="=Persona", churned=True), customer("c2", persona="B")],
        touchpoints=[tp("c1", "2024-01-01 10:00", "web", "purchase", "-12.50"),
                     tp("c2", "2024-01-02 10:00", "store", "awareness")],
        feedback=[fb("c1", f"2024-01-0{i} 12:00", "purchase", nps=i, channel="web", comment=text)
                  for i, text in enumerate(HOSTILE.values(), start=1)],
    )


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_neutralise():
    assert [neutralise(v) for v in HOSTILE.values()][:6] == ["'" + v for v in list(HOSTILE.values())[:6]]
    assert neutralise(HOSTILE["f7"]) == HOSTILE["f7"]
    assert neutralise(-3) == -3 and neutralise(2.5) == 2.5 and neutralise(None) is None


def test_feedback_csv_and_xlsx_neutralise_text_and_keep_numbers(db, tmp_path):
    load_hostile(db)
    assert export(db, "feedback", None, tmp_path / "f.csv") == 7
    rows = read_csv(tmp_path / "f.csv")
    assert [r["comment"] for r in rows[:6]] == ["'" + v for v in list(HOSTILE.values())[:6]]
    assert rows[6]["comment"] == HOSTILE["f7"]
    assert [r["nps"] for r in rows] == [str(i) for i in range(1, 8)]
    assert (tmp_path / "f.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    assert export(db, "feedback", None, tmp_path / "f.xlsx") == 7
    sheet = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    header = [c.value for c in sheet[1]]
    comments = [row[header.index("comment")] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in comments)  # text, never a formula
    # (without lxml, XML turns a carriage return into a line feed when the workbook is read back; lxml keeps it)
    assert [c.value.replace("\r", "\n") for c in comments[:6]] == [
        "'" + v.replace("\r", "\n") for v in list(HOSTILE.values())[:6]]
    scores = [row[header.index("nps")] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in scores] == list(range(1, 8)) and all(c.data_type == "n" for c in scores)


def test_touchpoints_and_customers_follow_the_filters(db, tmp_path):
    load_hostile(db)
    assert export(db, "touchpoints", Filters(channels=["web"]), tmp_path / "t.xlsx") == 1
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    header = [c.value for c in sheet[1]]
    (row,) = list(sheet.iter_rows(min_row=2, values_only=True))
    assert row[header.index("customer_id")] == "c1"
    assert row[header.index("revenue")] == -12.5  # a negative number stays a number
    # customers: those with a kept touchpoint; the persona "=Persona" is text, so neutralised
    assert export(db, "customers", Filters(channels=["web"]), tmp_path / "c.csv") == 1
    (c,) = read_csv(tmp_path / "c.csv")
    assert (c["customer_id"], c["persona"]) == ("c1", "'=Persona")
    assert export(db, "customers", Filters(personas=["nobody"]), tmp_path / "none.csv") == 0
    assert read_csv(tmp_path / "none.csv") == []


def test_the_touchpoints_export_keeps_each_source_system_and_imports_back_the_same(db, tmp_path):
    """The export is an import file: re-imported into an empty database, the touchpoints and their source systems
    are the same (an unknown system stays empty)."""
    from loaders.write import run_import

    load(db, customers=[customer("c1"), customer("c2")],
         touchpoints=[tp("c1", "2024-01-01 10:00", "web", "awareness", source="web analytics"),
                      tp("c2", "2024-01-02 10:00", "store", "purchase", "9.90")])
    assert export(db, "touchpoints", None, tmp_path / "t.csv") == 2
    rows = read_csv(tmp_path / "t.csv")
    assert [(r["customer_id"], r["source"]) for r in rows] == [("c1", "web analytics"), ("c2", "")]
    again = dm.connect(f"duckdb:///{tmp_path / 'again.duckdb'}")
    try:
        dm.initialise(again)
        run_import(again, {"touchpoints": tmp_path / "t.csv"})
        with again.engine.connect() as conn:
            back = conn.exec_driver_sql("select customer_id, channel, stage, source from touchpoints "
                                        "order by customer_id").all()
    finally:
        again.close()
    assert back == [("c1", "web", "awareness", "web analytics"), ("c2", "store", "purchase", None)]


def test_funnel_and_irritants(db, tmp_path):
    load_hostile(db)
    assert export(db, "funnel", None, tmp_path / "funnel.csv") == 6
    rows = read_csv(tmp_path / "funnel.csv")
    assert [r["stage"] for r in rows][:3] == ["awareness", "consideration", "purchase"]
    assert rows[0]["customers"] == "2"
    assert export(db, "irritants", None, tmp_path / "irritants.xlsx") == 0  # no cell has 30 responses


def test_xlsx_row_limit_refuses_and_writes_nothing(db, tmp_path):
    load_hostile(db)
    with pytest.raises(ExportError, match="export to a .csv file instead"):
        export(db, "feedback", None, tmp_path / "big.xlsx", max_rows=7)  # 7 rows + header > 7
    assert not (tmp_path / "big.xlsx").exists()
    assert export(db, "feedback", None, tmp_path / "fits.xlsx", max_rows=8) == 7


def test_bad_names(db, tmp_path):
    with pytest.raises(ExportError, match="must end in .csv or .xlsx"):
        export(db, "feedback", None, tmp_path / "f.txt")
    with pytest.raises(ExportError, match="unknown table"):
        export(db, "secrets", None, tmp_path / "f.csv")


def test_cli(duckdb_url, tmp_path):
    db = dm.connect(duckdb_url)
    dm.initialise(db)
    load_hostile(db)
    db.close()

    def run(*args):
        return subprocess.run([sys.executable, "-m", "analytics", "export", *args, "--db", duckdb_url], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    out = run("feedback", "--out", str(tmp_path / "f.csv"), "--persona", "=Persona")
    assert out.returncode == 0, out.stderr
    assert "7 rows" in out.stderr and len(read_csv(tmp_path / "f.csv")) == 7
    bad = run("feedback", "--out", str(tmp_path / "f.pdf"))
    assert bad.returncode == 2 and "must end in .csv or .xlsx" in bad.stderr and not (tmp_path / "f.pdf").exists()
    wrong = run("everything", "--out", str(tmp_path / "f.csv"))
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr


def test_frame_bytes_for_page_tables():
    import io

    import pandas as pd

    from analytics.exports import frame_bytes

    df = pd.DataFrame({"cell": ["=1+1", "ok"], "score": [-3.5, 2.0], "n": [1, 2]})
    text = frame_bytes(df, "csv").decode("utf-8-sig").splitlines()
    assert text == ["cell,score,n", "'=1+1,-3.5,1", "ok,2.0,2"]
    sheet = openpyxl.load_workbook(io.BytesIO(frame_bytes(df, "xlsx"))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["cell", "score", "n"], ["'=1+1", -3.5, 1],
                                                                     ["ok", 2, 2]]
    assert sheet["A2"].data_type == "s" and sheet["B2"].data_type == "n"
    with pytest.raises(ExportError):
        frame_bytes(df, "pdf")
