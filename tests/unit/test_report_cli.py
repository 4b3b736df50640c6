"""The report as a whole, and ``python -m analytics report`` end to end: output, filters, exit codes."""

import json
import os
import subprocess
import sys
from datetime import date

import duckdb
import pytest

import data_model as dm
from analytics import metrics
from analytics.filters import Filters
from analytics.report import report
from analytics.stats import nps_with_interval, wilson_interval
from tests.conftest import ROOT
from tests.unit.journeys import load_example

STAGES = ["awareness", "consideration", "purchase", "service", "loyalty", "advocacy"]


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


def make_db(url, example=True):
    """An initialised database with the shared example, closed again (a DuckDB file is one process's at a time)."""
    database = dm.connect(url)
    try:
        dm.initialise(database)
        if example:
            load_example(database)
    finally:
        database.close()


def report_of(url, filters=None):
    database = dm.connect(url, create=False)
    try:
        return report(database, filters)
    finally:
        database.close()


def plain(value):
    """True when only JSON's own Python types occur (no numpy scalars, no Decimal, no bool)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain(v) for v in value)
    return value is None or type(value) in (int, float, str)


def nps_block(promoters, detractors, n):
    score, low, high = nps_with_interval(promoters, detractors, n)
    return {"responses": n, "nps": score, "ci_low": low, "ci_high": high}


EXPECTED = {
    "customers": 3,
    # reached 3, 3, 2; seen at awareness c1 c2, consideration c1 c3, purchase c1 c2; later stages: nobody, no rate
    "funnel": [{"stage": s, "customers": n, "observed_customers": o, "rate": r, "ci_low": lo, "ci_high": hi}
               for s, n, o, r, (lo, hi) in zip(
                   STAGES, (3, 3, 2, 0, 0, 0), (2, 2, 2, 0, 0, 0), (1.0, 1.0, 2 / 3, None, None, None),
                   [wilson_interval(3, 3)] * 2 + [wilson_interval(2, 3)] + [(None, None)] * 3, strict=True)],
    "conversion": {"stage": "purchase", "customers": 2, "rate": 2 / 3},
    "revenue": 120.5,
    "nps": {**nps_block(2, 1, 4), "by_stage": [
        {"stage": "awareness", **nps_block(1, 0, 1)},
        {"stage": "consideration", **nps_block(0, 0, 0)},
        {"stage": "purchase", **nps_block(1, 1, 3)},
        {"stage": "service", **nps_block(0, 0, 0)},
        {"stage": "loyalty", **nps_block(0, 0, 0)},
        {"stage": "advocacy", **nps_block(0, 0, 0)},
    ]},
    "churn": {"rate": 0.5, "by_stage": [
        {"stage": "awareness", "customers": 0, "churn_rate": None},
        {"stage": "consideration", "customers": 1, "churn_rate": None},
        {"stage": "purchase", "customers": 2, "churn_rate": 0.5},
        {"stage": "service", "customers": 0, "churn_rate": None},
        {"stage": "loyalty", "customers": 0, "churn_rate": None},
        {"stage": "advocacy", "customers": 0, "churn_rate": None},
    ]},
    "channel_mix": {"mono": 1, "multi": 1, "cross": 1},
    "transitions": [
        {"from": "email", "to": "web", "count": 1},
        {"from": "web", "to": "email", "count": 1},
        {"from": "web", "to": "store", "count": 1},
        {"from": "web", "to": "web", "count": 1},
    ],
    "weakest_step": None,  # no step starts with 30 customers
}


# -- report() ----------------------------------------------------------------------------------------

def test_report_of_the_example(db):
    load_example(db)
    got = report(db)
    assert got == EXPECTED
    assert list(got) == ["customers", "funnel", "conversion", "revenue", "nps", "churn", "channel_mix", "transitions",
                         "weakest_step"]
    assert plain(got)
    assert json.loads(json.dumps(got)) == got


def test_report_agrees_with_each_metric(db):
    load_example(db)
    f = Filters(personas=("A", "B"), start=date(2024, 1, 2))
    got = report(db, f)
    assert got["funnel"] == metrics.funnel(db, f)
    assert got["conversion"] == metrics.conversion(db, f)
    assert got["revenue"] == metrics.revenue(db, f)
    assert got["nps"] == metrics.nps(db, f)
    assert got["churn"] == metrics.churn(db, f)
    assert got["channel_mix"] == metrics.channel_mix(db, f)
    assert got["transitions"] == metrics.transitions(db, f)
    assert got["customers"] == got["funnel"][0]["customers"] == sum(got["channel_mix"].values())


def test_report_of_an_empty_database(db):
    got = report(db)
    assert got["customers"] == 0 and got["revenue"] == 0.0 and got["transitions"] == []
    assert got["conversion"] == {"stage": "purchase", "customers": 0, "rate": None}
    assert got["nps"]["nps"] is None and got["churn"]["rate"] is None
    assert [b["stage"] for b in got["nps"]["by_stage"]] == STAGES
    assert [b["stage"] for b in got["churn"]["by_stage"]] == STAGES
    assert plain(got)


# -- the command ---------------------------------------------------------------------------------------

def test_cli_prints_the_report(db_url):
    make_db(db_url)
    out = run("report", "--db", db_url)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # no traceback, no warning, no nanobind leak report at exit
    assert json.loads(out.stdout) == EXPECTED
    assert out.stdout.startswith('{\n  "customers": 3,\n  "funnel": [\n    {\n')  # indent=2


def test_cli_filters_match_the_function(db_url):
    make_db(db_url)
    args = ["--persona", "A", "--persona", "B", "--segment", "S1", "--segment", "S2", "--region", "north",
            "--region", "south", "--channel", "web", "--channel", "email",
            "--start", "2024-01-02", "--end", "2024-01-05"]
    out = run("report", "--db", db_url, *args)
    assert out.returncode == 0, out.stderr
    expected = report_of(db_url, Filters(personas=("A", "B"), segments=("S1", "S2"), regions=("north", "south"),
                                         channels=("web", "email"), start=date(2024, 1, 2), end=date(2024, 1, 5)))
    assert json.loads(out.stdout) == expected
    # c1's email consideration and web purchase, c2's two web touchpoints of the 5th
    assert expected["customers"] == 2 and expected["revenue"] == 120.5


def test_cli_takes_the_database_from_the_environment(db_url):
    make_db(db_url)
    env = {**os.environ, "PARCOURS_DB_URL": db_url}
    out = run("report", "--persona", "nobody", env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["customers"] == 0


def test_cli_unknown_channel_is_a_usage_error(db_url):
    make_db(db_url)
    out = run("report", "--db", db_url, "--channel", "web", "--channel", "fax")
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "fax" in lines[0] and "app, email, store, web" in lines[0]


@pytest.mark.parametrize("args", [
    ["--start", "2024-02-30"],
    ["--start", "01/02/2024"],
    ["--end", "2024-1-5"],
    ["--end", "tomorrow"],
    ["--start", "2024-03-01", "--end", "2024-02-01"],
])
def test_cli_bad_dates_are_usage_errors(duckdb_url, args):
    out = run("report", "--db", duckdb_url, *args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_cli_missing_database_file(tmp_path):
    out = run("report", "--db", f"duckdb:///{tmp_path / 'none.duckdb'}")
    assert out.returncode == 1
    assert "no database" in out.stderr and "Traceback" not in out.stderr


def test_cli_unreachable_server():
    out = run("report", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/parcours")
    assert out.returncode == 1
    assert "Cannot open the database" in out.stderr and "Traceback" not in out.stderr


def test_cli_database_held_by_another_process(duckdb_url):
    make_db(duckdb_url)
    path = duckdb_url.removeprefix("duckdb:///")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "time.sleep(120)", path],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        out = run("report", "--db", duckdb_url)
    finally:
        holder.kill()
        holder.wait()
    assert out.returncode == 1
    assert str(holder.pid) in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_cli_database_without_stage_model(db_url):
    if db_url.startswith("duckdb"):
        duckdb.connect(db_url.removeprefix("duckdb:///")).close()  # an empty DuckDB file
    out = run("report", "--db", db_url)
    assert out.returncode == 1
    assert "python -m loaders init" in out.stderr and "Traceback" not in out.stderr


def test_cli_tables_but_no_stages(db_url):
    from sqlmodel import SQLModel

    database = dm.connect(db_url)
    try:
        SQLModel.metadata.create_all(database.engine)
    finally:
        database.close()
    out = run("report", "--db", db_url)
    assert out.returncode == 1
    assert "no stage model" in out.stderr and "python -m loaders init" in out.stderr


def test_cli_needs_a_command():
    out = run()
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
