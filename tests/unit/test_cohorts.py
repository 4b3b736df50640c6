"""Filters choose customers (issue 15): a B2B lead funnel in the shape of a real export — leads come from organic
search, paid ads or events, the deal is always made by the sales team — on DuckDB and PostgreSQL, against the
independent reference (``tests/reference.py``), through the report and the command line."""

import json
from datetime import date

import pytest

import data_model as dm
from analytics.filters import DIMENSIONS, Filters
from analytics.report import report
from tests.reference import reference_report
from tests.unit.journeys import customer, fb, load, tp
from tests.unit.test_import_french import assert_same_report

STAGES = ["awareness", "consideration", "purchase", "service", "loyalty", "advocacy"]


def lead_funnel():
    """Customers, touchpoints and feedback of the lead funnel.

    * 17 organic-search leads: o00–o09 first came in January, o10–o16 in April; o00 signed in February, o10 in May.
    * 10 paid leads (January): p00–p04 signed in February; p00, p05, p06 read an organic-search page in January.
    * 5 event leads (February): e00, e01 signed on 1 March.

    Every deal (purchase) is on ``sales_team``. Leads who used organic search: 20, of whom 3 signed (o00, o10, p00);
    who entered by it: 17, of whom 2 (11.8 %); through the organic-search lens alone, nobody signs (0 %).

    Source systems: the organic and paid leads come from the marketing platform, the event leads with none (a
    spreadsheet), the organic-search pages the paid leads read from the web analytics, every deal from the CRM.
    """
    customers, touchpoints, feedback = [], [], []

    def lead(cid, region, first: str, channel: str):
        customers.append(customer(cid, "Champion" if int(cid[1:]) % 3 == 0 else "Buyer", "SMB", region, False))
        touchpoints.append(tp(cid, first, channel, "awareness", source=None if channel == "events" else "marketing"))

    for i in range(17):
        cid = f"o{i:02d}"
        lead(cid, "SP" if i % 2 else "RJ", f"2024-01-{i + 1:02d} 10:00" if i < 10 else f"2024-04-{i - 9:02d} 10:00",
             "organic_search")
    for i in range(10):
        lead(f"p{i:02d}", "SP", f"2024-01-{i + 5:02d} 09:00", "paid")
    for i in range(5):
        lead(f"e{i:02d}", "MG", "2024-02-10 14:00", "events")
    for cid in ("p00", "p05", "p06"):
        touchpoints.append(tp(cid, "2024-01-25 11:00", "organic_search", "consideration", source="web"))
    touchpoints += [
        tp("o00", "2024-01-20 15:00", "sales_team", "consideration", source="crm"),
        tp("o00", "2024-02-15 16:00", "sales_team", "purchase", "12000.00", source="crm"),
        tp("o10", "2024-05-20 16:00", "sales_team", "purchase", "8000.00", source="crm"),
        *[tp(f"p{i:02d}", f"2024-02-{i + 1:02d} 16:00", "sales_team", "purchase", "5000.00", source="crm")
          for i in range(5)],
        tp("e00", "2024-03-01 10:00", "sales_team", "purchase", "7000.00", source="crm"),
        tp("e01", "2024-03-01 10:00", "sales_team", "purchase", "7000.00", source="crm"),
    ]
    feedback += [fb("o00", "2024-02-20 09:00", "purchase", nps=9, channel="sales_team"),
                 fb("o01", "2024-01-05 09:00", "awareness", nps=4, channel="organic_search"),
                 fb("p00", "2024-02-03 09:00", "purchase", nps=10),  # survey without a channel
                 fb("zz", "2024-01-10 09:00", "awareness", nps=0),  # a respondent with no touchpoint
                 # star ratings: p01 answers twice (one customer, one cluster), one row has only a CSAT
                 fb("p01", "2024-02-03 09:00", "purchase", csat=5), fb("p01", "2024-02-04 09:00", "purchase", csat=4),
                 fb("p02", "2024-02-04 09:00", "purchase", nps=6, csat=1), fb("o00", "2024-02-21 09:00", "service",
                                                                            csat=3)]
    return customers, touchpoints, feedback


@pytest.fixture
def leads(db):
    customers, touchpoints, feedback = lead_funnel()
    load(db, customers, touchpoints, feedback)
    plain = {c.customer_id: {"persona": c.persona, "segment": c.segment, "region": c.region, "churned": c.churned}
             for c in customers}
    rows = [{"customer": t["customer_id"], "ts": t["timestamp"], "channel": t["channel"], "stage": t["stage"],
             "revenue": t["revenue"], "source": t.get("source")} for t in touchpoints]
    answers = [{"customer": f["customer_id"], "ts": f["timestamp"], "stage": f["stage"], "channel": f["channel"],
                "nps": f["nps"], "csat": f["csat"]} for f in feedback]
    return db, (plain, rows, answers)


def conversion(db, **filters):
    """(converted, customers, rate) through the scope's one customer pass; no window unless one is given (who is in
    the cohort is the question here; windows have their tests below)."""
    from analytics.metrics import Scope

    scope = Scope(db, Filters(**{"window": "all", **filters}))
    c = scope.conversion()
    return c["customers"], scope.customers(), c["rate"]


def test_a_channel_follows_its_leads_to_the_deal(leads):
    db, _ = leads
    assert conversion(db, channels=("organic_search",)) == (3, 20, 3 / 20)  # used: o00, o10, p00 signed
    assert conversion(db, channels=("organic_search",), channel_mode="entered") == (2, 17, 2 / 17)  # 11.8 %
    # the lens keeps no deal (all on the sales team): "not observed on these channels", never 0 %
    assert conversion(db, channels=("organic_search",), channel_mode="only") == (0, 20, None)
    assert conversion(db, channels=("paid",), channel_mode="entered") == (5, 10, 0.5)
    assert conversion(db, channels=("events",)) == (2, 5, 0.4)
    assert conversion(db, channels=("sales_team",), channel_mode="entered") == (0, 0, None)


def test_a_window_chooses_the_cohort_not_the_activity(leads):
    db, _ = leads
    january = {"channels": ("organic_search",), "start": date(2024, 1, 1), "end": date(2024, 1, 31)}
    # who first came in January and used organic search: o00–o09, p00, p05, p06; o00 and p00 signed in February
    assert conversion(db, **january) == (2, 13, 2 / 13)
    assert conversion(db, **january, channel_mode="entered") == (1, 10, 0.1)
    # the activity lens sees January's rows only: the February deals are not in it
    assert conversion(db, **january, period_mode="activity") == (0, 13, 0.0)
    # April's organic leads: o10 signed in May, followed after the window
    assert conversion(db, channels=("organic_search",), start=date(2024, 4, 1), end=date(2024, 4, 30)) == (1, 7, 1 / 7)


def test_feedback_follows_the_cohort(leads):
    db, _ = leads
    nps = report(db, Filters(channels=("organic_search",)))["nps"]
    # o00's 9 (sales team), o01's 4, p00's 10 (no channel: included); not zz (no touchpoint, in no cohort)
    assert (nps["responses"], nps["nps"]) == (3, 100 * (2 - 1) / 3)
    lens = report(db, Filters(channels=("organic_search",), channel_mode="only"))["nps"]
    assert (lens["responses"], lens["nps"]) == (1, -100.0)  # o01's 4 alone
    assert report(db, Filters())["nps"]["responses"] == 5  # no filter at all: every response, zz's too (and p02's)


def test_csat_by_hand_with_a_customer_answering_twice(leads):
    db, _ = leads
    csat = report(db, Filters())["csat"]
    # p01 gives 5 then 4, p02 1, o00 3: the mean per answer, the interval clustered by customer (residual sums
    # per customer: p01 1.75 + 0.75, p02 −2.25, o00 −0.25; V = 3/2 × 11.375 / 4²)
    margin = 1.959963984540054 * (3 / 2 * 11.375) ** 0.5 / 4
    assert {k: v for k, v in csat.items() if k != "by_stage"} == {
        "responses": 4, "customers": 3, "mean": 3.25, "ci_low": pytest.approx(3.25 - margin), "ci_high": 5.0,
        "satisfied_share": 0.5, "dissatisfied_share": 0.25}
    by = {r["stage"]: r for r in csat["by_stage"]}
    assert (by["purchase"]["responses"], by["purchase"]["customers"]) == (3, 2)
    assert by["purchase"]["mean"] == pytest.approx(10 / 3) and by["service"]["mean"] == 3.0
    assert by["service"]["ci_low"] is None  # one customer: no interval
    assert by["awareness"] == {"stage": "awareness", "responses": 0, "customers": 0, "mean": None, "ci_low": None,
                               "ci_high": None, "satisfied_share": None, "dissatisfied_share": None}
    organic = report(db, Filters(channels=("organic_search",)))["csat"]
    assert (organic["responses"], organic["mean"]) == (1, 3.0)  # o00's: the paid leads are not in the cohort


CHOSEN = [  # (no filter at all: the random journeys of test_metrics.py)
    {"channels": ("organic_search",)},
    {"channels": ("organic_search", "events"), "start": date(2024, 1, 15), "end": date(2024, 4, 3)},
    {"regions": ("SP",), "channels": ("paid",), "start": date(2024, 1, 8)},
    {"personas": ("Champion",), "end": date(2024, 2, 10)},
]


def test_every_mode_equals_the_reference(leads):
    db, (customers, touchpoints, feedback) = leads
    combos = [(i, c, cm, pm) for i, c in enumerate(CHOSEN) for cm in ("used", "entered", "only")
              for pm in ("cohort", "activity")
              if (cm == "used" or c.get("channels")) and (pm == "cohort" or c.get("start") or c.get("end"))]
    # (a mode without its filter changes nothing: tests/unit/test_metrics.py). Every window with every mode on the
    # filter set that has them all; elsewhere the windows in turn (each report costs ~1 s on PostgreSQL)
    windows = (90, 30, "all")
    for k, (i, chosen, channel_mode, period_mode) in enumerate(combos):
        for window in windows if i == 1 else (windows[k % 3],):
            f = Filters(**chosen, channel_mode=channel_mode, period_mode=period_mode, window=window)
            expected = reference_report(STAGES, "purchase", customers, touchpoints, feedback, **chosen,
                                        channel_mode=channel_mode, period_mode=period_mode,
                                        window=None if window == "all" else window)
            assert_same_report(report(db, f), expected, f.describe())


def test_the_lenses_reproduce_the_row_filters(leads):
    """``only`` + ``activity`` is what a filter meant before cohorts: rows kept one by one."""
    db, (customers, touchpoints, feedback) = leads
    chosen = {"channels": ("organic_search", "paid"), "start": date(2024, 1, 10), "end": date(2024, 3, 1)}
    got = report(db, Filters(**chosen, channel_mode="only", period_mode="activity"))

    def inside(row):
        return row["channel"] in chosen["channels"] and chosen["start"] <= row["ts"].date() <= chosen["end"]

    kept = [t for t in touchpoints if inside(t)]
    assert got["customers"] == len({t["customer"] for t in kept})
    assert got["conversion"]["customers"] == 0  # no deal on those channels
    assert got["nps"]["responses"] == sum(1 for f in feedback if f["channel"] and inside(f))


def test_the_command_line_follows_the_leads(duckdb_url, capsys):
    from tests.unit.test_report_cli import in_process

    database = dm.connect(duckdb_url)
    try:
        dm.initialise(database)
        load(database, *lead_funnel())
    finally:
        database.close()
    def conversion_of(out):
        c = json.loads(out)["conversion"]
        return c["customers"], c["rate"], c["in_progress"]

    code, out, err = in_process(capsys, "report", "--db", duckdb_url, "--channel", "Organic_Search", "--channel-mode",
                                "entered", "--window", "all")
    assert code == 0, err
    assert conversion_of(out) == (2, 2 / 17, 15)  # no window: whoever has not signed is "in progress"
    code, out, err = in_process(capsys, "report", "--db", duckdb_url, "--channel", "organic_search", "--start",
                                "2024-01-01", "--end", "2024-01-31", "--region", "sp", "--region", "rj")
    assert code == 0, err
    # January's leads, followed 90 days (the default): all followed through (as_of 20 May), a plain share
    assert conversion_of(out) == (2, 2 / 13, 0)
    code, out, err = in_process(capsys, "report", "--db", duckdb_url, "--channel", "organic_search", "--start",
                                "2024-01-01", "--end", "2024-01-31", "--channel-mode", "only", "--period-mode",
                                "activity", "--window", "all")
    # the old reading, still there as lenses — but no deal on these channels is "not observed", not the old 0 %
    assert code == 0 and conversion_of(out) == (0, None, 13)
    code, out, err = in_process(capsys, "report", "--db", duckdb_url, "--channel-mode", "first")
    assert code == 2 and "--channel-mode" in err and len(err.splitlines()) == 1


def test_one_declaration_per_dimension():
    from analytics.__main__ import build_parser
    from analytics.funnel import GROUPINGS

    assert [d.name for d in DIMENSIONS] == ["persona", "segment", "region", "channel"]
    assert GROUPINGS == tuple(d.name for d in DIMENSIONS if d.groups_funnel)
    flags = {a.option_strings[0] for a in build_parser().subparsers["report"]._actions if a.option_strings}
    assert {d.flag for d in DIMENSIONS} <= flags
    assert Filters(**{d.field: ("x",) for d in DIMENSIONS}).values(DIMENSIONS[0]) == ("x",)


def test_values_match_ignoring_case_accents_and_spaces():
    from analytics.dimensions import matching

    assert matching("sp", ("RJ", "SP")) == ("SP",)
    assert matching(" famille  nombreuse ", ("Famille Nombreuse", "Famille")) == ("Famille Nombreuse",)
    assert matching("ile-de-france", ("Île-de-France", "Occitanie")) == ("Île-de-France",)
    assert matching("SP", ("SP", "sp", "Sp.")) == ("SP", "sp")  # values that differ only so are all named
    assert matching("xx", ("SP",)) == () and matching("  ", ("SP",)) == ()
    labels = {"centre_d_appels": "Centre d'appels", "site_web": "Site web"}
    assert matching("CENTRE D'APPELS", tuple(labels), labels) == ("centre_d_appels",)  # a label
    assert matching("Site-Web", tuple(labels), labels) == ("site_web",)  # a spelling of the code
    assert matching("Centre d'appels", tuple(labels)) == ()  # no labels given: codes only


def test_as_of_is_the_last_touchpoint(db):
    from datetime import datetime

    from analytics.filters import as_of

    assert as_of(db) is None
    load(db, [], [tp("a", "2024-03-01 10:00", "web", "awareness"), tp("b", "2024-02-01 09:00", "web", "purchase")],
         [fb("a", "2024-04-01 09:00", "awareness", nps=9)])  # feedback after it does not move it
    assert as_of(db) == datetime(2024, 3, 1, 10, 0)


def test_entered_without_ordered_aggregates(leads, monkeypatch):
    """Backends without FIRST(… ORDER BY …) nor ordered arrays (Spark) take the first touchpoint from a window: the
    same cohort, here forced on the real database."""
    from analytics import filters as module

    db, _ = leads
    monkeypatch.setattr(module, "_FIRST_BY", {})
    assert conversion(db, channels=("organic_search",), channel_mode="entered") == (2, 17, 2 / 17)
    january = {"channels": ("organic_search",), "start": date(2024, 1, 1), "end": date(2024, 1, 31)}
    assert conversion(db, **january, channel_mode="entered") == (1, 10, 0.1)


def test_period_presets_count_back_from_the_data_last_day():
    from analytics.filters import PERIOD_PRESETS, preset_period

    last = date(2025, 12, 27)
    assert [preset_period(p, last) for p in PERIOD_PRESETS] == [
        (date(2025, 11, 28), date(2025, 12, 27)),  # 30 days, both ends included
        (date(2025, 7, 1), date(2025, 9, 30)),  # the last complete quarter
        (date(2025, 1, 1), date(2025, 12, 27)),
        (date(2024, 1, 1), date(2024, 12, 31)),
    ]
    # a last day in the first quarter: the last complete quarter is the previous year's fourth
    assert preset_period("last_quarter", date(2026, 2, 10)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert preset_period("last_quarter", date(2026, 3, 31)) == (date(2025, 10, 1), date(2025, 12, 31))
    with pytest.raises(ValueError):
        preset_period("next_week", last)
