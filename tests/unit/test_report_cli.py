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


def csat_block(responses, customers, mean, satisfied, dissatisfied):
    return {"responses": responses, "customers": customers, "mean": mean, "ci_low": None, "ci_high": None,
            "satisfied_share": satisfied, "dissatisfied_share": dissatisfied}


def nps_block(promoters, detractors, n, respondents=None):
    """One answer per customer unless ``respondents`` says otherwise (Rocks' interval, unclustered)."""
    score, low, high = nps_with_interval(promoters, detractors, n)
    return {"responses": n, "respondents": n if respondents is None else respondents, "nps": score, "ci_low": low,
            "ci_high": high}


def timing(from_stage, to_stage, at_risk, events, median=None, low=None, high=None, p25=None, p75=None, p90=None,
           within=(None, None, None)):
    return {"from_stage": from_stage, "to_stage": to_stage, "at_risk": at_risk, "events": events,
            "median_days": median, "ci_low": low, "ci_high": high, "p25_days": p25, "p75_days": p75, "p90_days": p90,
            "within_30": within[0], "within_90": within[1], "within_365": within[2]}


# The example (tests/unit/journeys.py) under the default window (90 days; 365 after the conversion), by hand.
# as_of = 1 Feb 15:00, c3's only touchpoint. Every row is within its customer's window: the counts are the plain ones.
# Reach clocks from the first touchpoint: awareness and consideration reached at days 0–1 by all three (plain
# shares); purchase: c2 at day 0, c1 at day 2, c3 censored at day 0 (still in progress) — Kaplan–Meier S = 2/3 at
# day 0, 0 at day 2: rate 1, the Wilson interval of the 2 followed through. Later stages: c1 and c2 followed 29 and
# 27 days since their conversion, no service yet: 2 more in progress (3 in all); not observed, so no rate.
EXPECTED = {
    "as_of": "2024-02-01T15:00:00",
    "window_days": 90,
    "cohort": {"customers": 3, "in_progress": 1},
    "customers": 3,
    # reached 3, 3, 2; seen at awareness c1 c2, consideration c1 c3, purchase c1 c2; later stages: nobody, no rate
    "funnel": [{"stage": s, "customers": n, "observed_customers": o, "rate": r, "ci_low": lo, "ci_high": hi,
                "in_progress": k}
               for s, n, o, r, (lo, hi), k in zip(
                   STAGES, (3, 3, 2, 0, 0, 0), (2, 2, 2, 0, 0, 0), (1.0, 1.0, 1.0, None, None, None),
                   [wilson_interval(3, 3)] * 2 + [wilson_interval(2, 2)] + [(None, None)] * 3, (0, 0, 1, 3, 3, 3),
                   strict=True)],
    "conversion": {"stage": "purchase", "customers": 2, "rate": 1.0, "ci_low": wilson_interval(2, 2)[0],
                   "ci_high": wilson_interval(2, 2)[1], "in_progress": 1},
    "revenue": 120.5,
    "nps": {**nps_block(2, 1, 4), "by_stage": [
        {"stage": "awareness", **nps_block(1, 0, 1)},
        {"stage": "consideration", **nps_block(0, 0, 0)},
        {"stage": "purchase", **nps_block(1, 1, 3)},
        {"stage": "service", **nps_block(0, 0, 0)},
        {"stage": "loyalty", **nps_block(0, 0, 0)},
        {"stage": "advocacy", **nps_block(0, 0, 0)},
    ]},
    # c1's one CSAT answer (4, at service): one customer, no interval
    "csat": {**csat_block(1, 1, 4.0, 1.0, 0.0), "by_stage": [
        {"stage": s, **(csat_block(1, 1, 4.0, 1.0, 0.0) if s == "service" else csat_block(0, 0, None, None, None))}
        for s in STAGES]},
    # c2 churned on 1 June 2024 (a date: churn is counted from the conversion), after as_of: nobody churned yet
    "churn": {"rate": 0.0, "basis": "dates", "by_stage": [
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
    # awareness → consideration: c2 at day 0 (its purchase), c1 at day 1: S = 1/2 then 0; the median's log-log band
    # holds 1/2 from day 0, reaches 0 at day 1. consideration → purchase: c3 censored at day 0, c1 at day 1.
    # purchase → service: c1 and c2 censored at days 29 and 27: no quantile, nobody followed 30 days.
    "time_to_next_stage": [
        timing("awareness", "consideration", 2, 2, 0, 0, 1, 0, 1, 1, (1.0, 1.0, 1.0)),
        timing("consideration", "purchase", 2, 1, 1, 1, 1, 1, 1, 1, (1.0, 1.0, 1.0)),
        timing("purchase", "service", 2, 0),
        timing("service", "loyalty", 0, 0),
        timing("loyalty", "advocacy", 0, 0),
    ],
    "sources": {"customers": 0, "spanning": 0, "share": None},  # no touchpoint says its source system
}


# -- report() ----------------------------------------------------------------------------------------

def test_report_of_the_example(db):
    load_example(db)
    got = report(db)
    assert got == EXPECTED
    assert list(got) == ["as_of", "window_days", "cohort", "customers", "funnel", "conversion", "revenue", "nps",
                         "csat", "churn", "channel_mix", "transitions", "weakest_step", "time_to_next_stage",
                         "sources"]
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
    assert got["conversion"] == {"stage": "purchase", "customers": 0, "rate": None, "ci_low": None, "ci_high": None,
                                 "in_progress": 0}
    assert got["as_of"] is None and got["cohort"] == {"customers": 0, "in_progress": 0}
    assert [r["at_risk"] for r in got["time_to_next_stage"]] == [0] * 5
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
    assert out.stdout.startswith('{\n  "as_of": "2024-02-01T15:00:00",\n  "window_days": 90,\n')  # indent=2


def test_cli_window_and_as_of(db_url):
    make_db(db_url)
    out = run("report", "--db", db_url, "--window", "all", "--as-of", "2024-01-05")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    # the data as it stood at the end of 5 January: c3 (1 Feb) has not come yet, c2's store visit of the 6th is not
    # read; no window: the plain share, both converted
    assert (got["as_of"], got["window_days"], got["customers"]) == ("2024-01-05T23:59:59.999999", None, 2)
    assert (got["conversion"]["rate"], got["conversion"]["in_progress"]) == (1.0, 0)
    assert got["channel_mix"] == {"mono": 1, "multi": 0, "cross": 1}  # c2: the web alone until then
    out = run("report", "--db", db_url, "--window", "1")
    # one day: c1 converted at day 2 — not within its window, followed through: a failure; c2 converted at day 0;
    # c3 censored at day 0, still at risk at day 0 (events before censoring at a tie): S = 1 − 1/3
    got = json.loads(out.stdout)["conversion"]
    assert (got["customers"], got["in_progress"]) == (1, 1) and got["rate"] == pytest.approx(1 / 3)
    for bad in (["--window", "0"], ["--window", "soon"], ["--as-of", "2024-13-01"]):
        out = run("report", "--db", db_url, *bad)
        assert out.returncode == 2 and bad[0] in out.stderr and "Traceback" not in out.stderr, bad


def test_a_setting_of_the_database_changes_the_window(db_url):
    make_db(db_url)

    def loaders(*args):
        return subprocess.run([sys.executable, "-m", "loaders", *args, "--db", db_url], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)

    out = loaders("setting", "window_days", "all")
    assert out.returncode == 0 and "window_days" in out.stdout, out.stderr
    assert json.loads(run("report", "--db", db_url).stdout)["window_days"] is None
    assert loaders("setting", "window_days", "30").returncode == 0
    got = json.loads(run("report", "--db", db_url).stdout)
    assert got["window_days"] == 30
    assert json.loads(run("report", "--db", db_url, "--window", "all").stdout)["window_days"] is None  # the flag wins
    out = loaders("setting", "window_days", "-3", "--lang", "fr")
    assert out.returncode == 2 and "window_days" in out.stderr and "Traceback" not in out.stderr
    assert "jours" in out.stderr  # the reader's language
    assert json.loads(run("report", "--db", db_url).stdout)["window_days"] == 30  # nothing written
    assert loaders("setting", "observed_for_ranking", "75 %").returncode == 0


def test_cli_filters_match_the_function(db_url, capsys):
    make_db(db_url)
    args = ["--persona", "A", "--persona", "B", "--segment", "S1", "--segment", "S2", "--region", "north",
            "--region", "south", "--channel", "web", "--channel", "email",
            "--start", "2024-01-02", "--end", "2024-01-05"]
    out = run("report", "--db", db_url, *args, "--channel-mode", "only", "--period-mode", "activity")
    assert out.returncode == 0, out.stderr
    chosen = {"personas": ("A", "B"), "segments": ("S1", "S2"), "regions": ("north", "south"),
              "channels": ("web", "email"), "start": date(2024, 1, 2), "end": date(2024, 1, 5)}
    expected = report_of(db_url, Filters(**chosen, channel_mode="only", period_mode="activity"))
    assert json.loads(out.stdout) == expected
    # the lenses: c1's email consideration and web purchase, c2's two web touchpoints of the 5th
    assert expected["customers"] == 2 and expected["revenue"] == 120.5
    # the default cohort: of those who used the web or e-mail, c2 alone first came in the window; its whole journey
    code, out, err = in_process(capsys, "report", "--db", db_url, *args)
    assert code == 0, err
    assert json.loads(out) == report_of(db_url, Filters(**chosen))
    assert json.loads(out)["customers"] == 1 and json.loads(out)["revenue"] == 20.0


def test_cli_takes_the_database_from_the_environment(db_url):
    make_db(db_url)
    env = {**os.environ, "PARCOURS_DB_URL": db_url}
    out = run("report", "--persona", "b", env=env)  # B, case ignored: c2 (c5 has no touchpoint)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["customers"] == 1


def test_cli_unknown_channel_is_a_usage_error(db_url):
    make_db(db_url)
    out = run("report", "--db", db_url, "--channel", "web", "--channel", "fax")
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "fax" in lines[0] and "app, email, store, web" in lines[0]


def in_process(capsys, *args) -> tuple[int, str, str]:
    """``python -m analytics`` run in this process (the same code, without an interpreter's start): status, out, err."""
    from analytics.__main__ import main

    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(("args", "says"), [
    (["--region", "North", "--region", "xx"], "--region: unknown region xx; known (case and accents ignored): north, "
                                              "south"),
    (["--persona", "nobody"], "--persona: unknown persona nobody; known (case and accents ignored): A, B"),
    (["--segment", "S3", "--segment", "S4"], "--segment: unknown segments S3, S4;"),
])
def test_cli_unknown_value_is_a_usage_error(duckdb_url, capsys, args, says):
    make_db(duckdb_url)
    code, out, err = in_process(capsys, "report", "--db", duckdb_url, *args)
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and says in err, err


def test_cli_values_ignore_case_and_accents(duckdb_url, capsys):
    make_db(duckdb_url)
    code, out, err = in_process(capsys, "report", "--db", duckdb_url, "--region", " NORTH ", "--channel", "Web",
                                "--persona", "a")
    assert code == 0, err
    assert json.loads(out) == report_of(duckdb_url, Filters(regions=("north",), channels=("web",), personas=("A",)))
    assert json.loads(out)["customers"] == 1  # c1

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
