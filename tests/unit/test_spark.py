"""Beyond one machine: the demo data exported as Parquet (`python -m loaders export-parquet`) and read by
PySpark (`spark+parquet:///DIR`, `local[2]`) gives the same report as DuckDB; warehouse URLs are read-only."""

import json
import math
import shutil
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

import data_model as dm
from loaders.write import run_import
from tests.conftest import ROOT

DEMO = {k: ROOT / "sample_data" / f"{k}.csv" for k in ("customers", "touchpoints", "feedback")}
TABLES = ("stages", "channels", "customers", "touchpoints", "feedback", "parcours_meta")
# One modest local session: small shuffles, 1 GB driver, quick JIT (the demo is tiny).
SPARK_OPTIONS = ("master=local%5B2%5D&conf.spark.sql.shuffle.partitions=4&conf.spark.driver.memory=1g"
                 "&conf.spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1%20-XX:%2BUseSerialGC")


def run(*args, code=0, timeout=600):
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == code, proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def assert_close(actual, expected, path="report"):
    """Same structure, same ints/strings/None; floats equal to 1e-9 relative."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), path
        for k in expected:
            assert_close(actual[k], expected[k], f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{path}[{i}]")
    elif isinstance(expected, float):
        assert isinstance(actual, float) and math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12), path
    else:
        assert actual == expected and type(actual) is type(expected), path


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo company in a DuckDB file, exported as Parquet by the CLI: (duckdb URL, Parquet folder)."""
    folder = tmp_path_factory.mktemp("warehouse")
    url = f"duckdb:///{folder / 'parcours.duckdb'}"
    db = dm.connect(url)
    try:
        dm.initialise(db)
        run_import(db, DEMO, source="demo")
    finally:
        db.close()
    out = folder / "parquet"
    run("-m", "loaders", "export-parquet", "--db", url, str(out))
    return url, out


def test_export_writes_every_table_sorted(demo):
    _, out = demo
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in TABLES)
    tp = pq.read_table(out / "touchpoints.parquet").select(["customer_id", "timestamp", "id"]).to_pylist()
    keys = [(r["customer_id"], r["timestamp"], r["id"]) for r in tp]
    assert len(keys) > 10_000 and keys == sorted(keys)
    assert pq.read_table(out / "stages.parquet").column_names[:2] == ["code", "position"]


def test_export_speaks_french_when_asked(demo, tmp_path):
    url, _ = demo
    proc = run("-m", "loaders", "export-parquet", "--db", url, str(tmp_path / "fr"), "--lang", "fr")
    assert "customers\u00a0: 2\u202f000 lignes → " in proc.stdout and "rows" not in proc.stdout
    missing = run("-m", "loaders", "export-parquet", "--db", f"duckdb:///{tmp_path / 'none.duckdb'}",
                  str(tmp_path / "x"), "--lang", "fr", code=1)
    assert "Il n'y a pas de base à l'emplacement" in missing.stderr


def test_warehouse_urls_are_read_only(demo, tmp_path):
    _, out = demo
    for url in (f"spark+parquet://{out}", f"ibis+duckdb:///{tmp_path / 'w.duckdb'}"):
        proc = run("-m", "loaders", "import", "--db", url, "--customers", str(DEMO["customers"]), code=1)
        assert "this database is read-only in Parcours: load it from your pipelines" in proc.stderr
        french = run("-m", "loaders", "import", "--db", url, "--customers", str(DEMO["customers"]), "--lang", "fr",
                     code=1)
        assert "cette base est en lecture seule dans Parcours" in french.stderr
        run("-m", "loaders", "init", "--db", url, code=1)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in TABLES)  # untouched


def test_ibis_url_reads_through_any_backend(demo):
    """The generic `ibis+<backend>://` path, here on DuckDB: no engine, same report."""
    url, _ = demo
    expected = json.loads(run("-m", "analytics", "report", "--db", url).stdout)
    assert_close(json.loads(run("-m", "analytics", "report", "--db", f"ibis+{url}").stdout), expected)
    filtered = ("--channel", "magasin", "--persona", "Famille", "--start", "2025-03-01", "--end", "2025-06-30")
    expected = json.loads(run("-m", "analytics", "report", "--db", url, *filtered).stdout)
    actual = json.loads(run("-m", "analytics", "report", "--db", f"ibis+{url}", *filtered).stdout)
    assert 0 < actual["customers"] < 2000
    assert_close(actual, expected)


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (no `java` on PATH)")
def test_spark_report_equals_duckdb(demo):
    pytest.importorskip("pyspark", reason="pyspark is in requirements-dev.txt")
    url, out = demo
    expected = json.loads(run("-m", "analytics", "report", "--db", url).stdout)
    started = time.perf_counter()
    proc = run("-m", "analytics", "report", "--db", f"spark+parquet://{out}?{SPARK_OPTIONS}")
    print(f"Spark report on the demo data: {time.perf_counter() - started:.1f} s")
    actual = json.loads(proc.stdout)
    assert actual["customers"] == 2000
    assert_close(actual, expected)
