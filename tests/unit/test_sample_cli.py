"""`python -m loaders sample`: into an empty database only, unless --replace; or as export files."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def run(*args, module="loaders"):
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_sample_fills_an_empty_database_only_unless_replace(duckdb_url):
    first = run("sample", "--db", duckdb_url, "--customers", "300", "--seed", "1")
    assert first.returncode == 0, first.stderr
    customers = json.loads(run("report", "--db", duckdb_url, module="analytics").stdout)["customers"]
    assert 250 <= customers <= 300  # a few sampled customers never get a touchpoint inside the year
    again = run("sample", "--db", duckdb_url, "--customers", "100")
    assert again.returncode == 2 and "--replace" in again.stderr
    replaced = run("sample", "--db", duckdb_url, "--customers", "100", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert json.loads(run("report", "--db", duckdb_url, module="analytics").stdout)["customers"] <= 100


def test_sample_out_writes_files_that_import(tmp_path, duckdb_url):
    out = run("sample", "--customers", "50", "--out", str(tmp_path / "export"))
    assert out.returncode == 0, out.stderr
    files = [str(tmp_path / "export" / f"{k}.csv") for k in ("customers", "touchpoints", "feedback")]
    imported = run("import", "--db", duckdb_url, "--customers", files[0], "--touchpoints", files[1],
                   "--feedback", files[2])
    assert imported.returncode == 0, imported.stderr
