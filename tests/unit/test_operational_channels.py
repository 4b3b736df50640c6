"""Operational channels (issue 15): a carrier, a survey e-mail are not journey channels. Hand-computed cases on
DuckDB and PostgreSQL, the setting (command line, schema 0005, a warehouse without the column) and a fixture with
the shape of a real orders export."""

import subprocess
import sys
from datetime import datetime
from decimal import Decimal

import pytest
from sqlmodel import Session

import data_model as dm
from analytics import channels
from analytics.metrics import Scope
from analytics.report import report
from data_model import Channel
from data_model.migrate import current_revision
from loaders.settings import SettingError, set_channel_kind
from tests.conftest import ROOT
from tests.reference import reference_report
from tests.unit.journeys import customer, fb, load, tp

STAGES = ["awareness", "consideration", "purchase", "service", "loyalty", "advocacy"]


def mark(db, operational=True, **kinds):
    """Set kinds (``code="physical"``) and mark those channels operational (or journey channels)."""
    with Session(db.engine) as s:
        for code, kind in kinds.items():
            ch = s.get(Channel, code)
            ch.kind, ch.operational = kind, operational
            s.add(ch)
        s.commit()


def test_a_carrier_between_two_web_touchpoints_is_no_transition_and_no_second_channel(db):
    load(db, [], [tp("a", "2024-01-01", "web", "purchase"), tp("a", "2024-01-02", "carrier", "service"),
                  tp("a", "2024-01-03", "web", "loyalty")])
    # as a journey channel, the carrier reaches a new stage: two channels move the journey forward
    before = report(db)
    assert before["channel_mix"] == {"mono": 0, "multi": 0, "cross": 1}
    assert before["transitions"] == [{"from": "carrier", "to": "web", "count": 1},
                                     {"from": "web", "to": "carrier", "count": 1}]
    mark(db, carrier="physical")
    after = report(db)
    assert after["channel_mix"] == {"mono": 1, "multi": 0, "cross": 0}
    assert after["transitions"] == [{"from": "web", "to": "web", "count": 1}]  # out of the sequence
    # its touchpoints still count for stages and the funnel
    assert [r["customers"] for r in after["funnel"]] == [1, 1, 1, 1, 1, 0]
    assert channels.stage_flows(db).to_dict("records") == [
        {"from_stage": "purchase", "from_position": 3, "from_channel": "web", "to_stage": "loyalty", "to_position": 5,
         "to_channel": "web", "customers": 1}]


def test_a_journey_of_operational_touchpoints_only_is_in_no_mix_class(db):
    load(db, [customer("s", churned=False), customer("w", churned=True)],
         [tp("s", "2024-02-01", "survey_email", "advocacy"), tp("s", "2024-02-02", "survey_email", "advocacy"),
          tp("w", "2024-02-01", "web", "awareness")],
         [fb("s", "2024-02-02", "advocacy", nps=10, channel="survey_email")])
    mark(db, survey_email="digital")
    scope = Scope(db)
    assert scope.customers() == 2 and scope.channel_mix() == {"mono": 1, "multi": 0, "cross": 0}
    assert scope.no_journey_channel() == 1
    assert scope.transitions() == []
    assert [r["customers"] for r in scope.funnel()] == [2, 1, 1, 1, 1, 1]
    assert scope.nps()["responses"] == 1  # feedback is not a channel-mix question
    mix = channels.mix_outcomes(db)
    assert mix["customers"].tolist() == [1, 0, 0] and mix["share"].tolist()[0] == 0.5  # of all customers
    assert mix["compared"].tolist() == [0, 0, 0]  # w: one stage; s: no class


def test_a_one_stage_mono_journey_is_left_out_of_the_comparison(db):
    # m1: web only, one stage (purchase): mono, converted, not compared; m2: web awareness → web purchase:
    # compared and converted; c1: web awareness → store purchase: cross, compared, converted; m3: two stages, lost
    load(db, [], [tp("m1", "2024-01-01", "web", "purchase"),
                  tp("m2", "2024-01-01", "web", "awareness"), tp("m2", "2024-01-02", "web", "purchase"),
                  tp("m3", "2024-01-01", "web", "awareness"), tp("m3", "2024-01-02", "web", "consideration"),
                  tp("c1", "2024-01-01", "web", "awareness"), tp("c1", "2024-01-02", "store", "purchase")])
    rows = {r["mix"]: r for r in channels.mix_outcomes(db).to_dict("records")}
    assert (rows["mono"]["customers"], rows["mono"]["compared"], rows["mono"]["converted"]) == (3, 2, 1)
    assert rows["mono"]["conversion_rate"] == 0.5  # all customers would say 2 of 3
    assert (rows["cross"]["customers"], rows["cross"]["compared"], rows["cross"]["converted"]) == (1, 1, 1)
    assert report(db)["channel_mix"] == {"mono": 3, "multi": 0, "cross": 1}  # counts stay over all customers


# -- the setting ---------------------------------------------------------------------------------------------

def test_set_channel_kind_sets_kind_role_or_both(db):
    load(db, [], [tp("a", "2024-01-01", "carrier", "service")])
    assert set_channel_kind(db, "Carrier", operational=True) == "carrier"
    assert set_channel_kind(db, "carrier", "physical") == "carrier"  # the kind alone keeps the role
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("select kind, operational from channels").one() == ("physical", True)
    set_channel_kind(db, "carrier", "digital", False)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("select kind, operational from channels").one() == ("digital", False)
    with pytest.raises(SettingError) as nothing:
        set_channel_kind(db, "carrier")
    assert str(nothing.value) == "Nothing to change: give a kind (digital, physical), --operational or --journey"
    assert nothing.value.message_in("fr") == ("Rien à changer\u00a0: donnez une nature (digital, physical), "
                                              "--operational ou --journey")


def test_channel_kind_command_line(duckdb_url, tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)

    db = dm.connect(duckdb_url)
    dm.initialise(db)
    load(db, [], [tp("a", "2024-01-01", "transporteur", "service")])
    db.close()
    done = run("channel-kind", "--db", duckdb_url, "--lang", "fr", "Transporteur", "physical", "--operational")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Le canal « transporteur » est physique",
        "Le canal « transporteur » est opérationnel\u00a0: hors du mix de canaux, du ROPO/showrooming et des "
        "transitions (ses points de contact comptent pour les étapes, le tunnel et le chiffre d'affaires)"]
    back = run("channel-kind", "--db", duckdb_url, "transporteur", "--journey")
    assert back.returncode == 0 and back.stdout == "Channel 'transporteur' is a journey channel\n", back.stderr
    neither = run("channel-kind", "--db", duckdb_url, "transporteur")
    assert neither.returncode == 2 and "Nothing to change" in neither.stderr and "Traceback" not in neither.stderr
    both = run("channel-kind", "--db", duckdb_url, "transporteur", "--journey", "--operational")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    db = dm.connect(duckdb_url)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("select kind, operational from channels").one() == ("physical", False)
    db.close()


def test_an_imported_unknown_channel_is_operational_and_others_are_not(db, tmp_path):
    from loaders.write import run_import

    f = tmp_path / "t.csv"
    f.write_text("customer_id,timestamp,channel,stage\n1,2025-01-02,Unknown,awareness\n2,2025-01-02,Web,awareness\n",
                 encoding="utf-8")
    run_import(db, {"touchpoints": f})
    with db.engine.connect() as conn:
        assert dict(conn.exec_driver_sql("select code, operational from channels order by code").all()) == {
            "unknown": True, "web": False}


def test_a_schema_0004_database_gets_journey_channels(db_url):
    db = dm.connect(db_url)
    dm.initialise(db)
    load(db, [], [tp("a", "2024-01-01", "web", "awareness"), tp("a", "2024-01-02", "store", "purchase")])
    expected = report(db)
    with db.engine.begin() as conn:  # as a Parcours of schema 0004 left it
        conn.exec_driver_sql("alter table channels drop column operational")
        conn.exec_driver_sql("update alembic_version set version_num = '0004'")
        conn.exec_driver_sql("update parcours_meta set value = '0004' where key = 'schema_version'")
    db.close()
    db = dm.connect(db_url)
    try:
        assert current_revision(db) == "0007" and dm.meta(db, "schema_version") == "0007"
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("select code, operational from channels order by code").all() == [
                ("store", False), ("web", False)]
        assert report(db) == expected
    finally:
        db.close()


def test_a_channels_table_without_the_column_reads_as_journey_channels(duckdb_url):
    """A warehouse's ``channels`` may have no ``operational`` column (the analytics read it through Ibis)."""
    db = dm.connect(duckdb_url)
    dm.initialise(db)
    load(db, [], [tp("a", "2024-01-01", "web", "awareness"), tp("a", "2024-01-02", "carrier", "purchase")])
    mark(db, carrier="physical")
    assert report(db)["channel_mix"] == {"mono": 1, "multi": 0, "cross": 0}
    with db.engine.begin() as conn:
        conn.exec_driver_sql("alter table channels drop column operational")
    assert report(db)["channel_mix"] == {"mono": 0, "multi": 0, "cross": 1}
    db.close()


# -- a real-shaped orders export ----------------------------------------------------------------------------
#
# As in public e-commerce orders: the journey starts at the order (website or app, sometimes the store), the
# carrier's delivery scans are at after-sales, a survey e-mail asks for a review at advocacy (with its answer as
# feedback); few customers order again (loyalty). Carrier and survey e-mail are operational.

ORDERS = [
    # (customer, day, channel, stage, revenue)
    ("o1", "2024-03-01 10:00", "website", "purchase", "59.90"),
    ("o1", "2024-03-02 08:00", "carrier", "service", None), ("o1", "2024-03-04 17:00", "carrier", "service", None),
    ("o1", "2024-03-12 09:00", "survey_email", "advocacy", None),
    ("o2", "2024-03-01 12:00", "app", "consideration", None), ("o2", "2024-03-01 12:10", "app", "purchase", "19.00"),
    ("o2", "2024-03-03 08:00", "carrier", "service", None),
    ("o2", "2024-03-10 09:00", "survey_email", "advocacy", None),
    ("o3", "2024-03-02 15:00", "website", "purchase", "120.00"),
    ("o3", "2024-03-05 08:00", "carrier", "service", None), ("o3", "2024-04-20 11:00", "website", "loyalty", "35.00"),
    # o4 researched on the website, bought in store two days later, the survey e-mail came after
    ("o4", "2024-03-03 20:00", "website", "consideration", None),
    ("o4", "2024-03-05 16:00", "store", "purchase", "80.00"),
    ("o4", "2024-03-15 09:00", "survey_email", "advocacy", None),
    # o5 bought in store, then browsed the website the next day (not ROPO), then the carrier delivered
    ("o5", "2024-03-06 11:00", "store", "purchase", "45.00"),
    ("o5", "2024-03-07 21:00", "website", "consideration", None),
    ("o5", "2024-03-08 08:00", "carrier", "service", None),
    # o6 only a survey e-mail (its order was before the export window)
    ("o6", "2024-03-09 09:00", "survey_email", "advocacy", None),
]
ORDER_FEEDBACK = [("o1", "2024-03-12 10:00", "advocacy", 9), ("o2", "2024-03-10 10:00", "advocacy", 4),
                  ("o4", "2024-03-15 10:00", "advocacy", 10), ("o6", "2024-03-09 10:00", "advocacy", 7)]


def test_orders_with_a_carrier_and_a_survey_email(db):
    load(db, [customer(c, churned=False) for c in ("o1", "o2", "o3", "o4", "o5", "o6")],
         [tp(c, at, ch, st, rev) for c, at, ch, st, rev in ORDERS],
         [fb(c, at, st, nps=n, channel="survey_email") for c, at, st, n in ORDER_FEEDBACK])
    mark(db, operational=False, store="physical")
    mark(db, carrier="physical", survey_email="digital")
    got = report(db)
    # the independent reading of the README, with the two operational channels
    plain_customers = {c: {"persona": None, "segment": None, "churned": False}
                       for c in ("o1", "o2", "o3", "o4", "o5", "o6")}
    plain_tp = [{"customer": c, "ts": datetime.fromisoformat(at), "channel": ch, "stage": st,
                 "revenue": Decimal(rev) if rev else None} for c, at, ch, st, rev in ORDERS]
    plain_fb = [{"customer": c, "ts": datetime.fromisoformat(at), "stage": st, "channel": "survey_email", "nps": n}
                for c, at, st, n in ORDER_FEEDBACK]
    expected = reference_report(STAGES, "purchase", plain_customers, plain_tp, plain_fb,
                                operational={"carrier", "survey_email"})
    assert {k: got[k] for k in ("channel_mix", "transitions")} == \
        {k: expected[k] for k in ("channel_mix", "transitions")}
    # by hand: o1, o3 mono (website), o2 mono (app); o4 cross (website consideration, then the store purchase: two
    # channels move it forward); o5 multi (the store purchase comes first, the later website consideration moves
    # nothing forward); o6 (survey e-mail only): no journey channel
    assert got["channel_mix"] == {"mono": 3, "multi": 1, "cross": 1}
    assert Scope(db).no_journey_channel() == 1
    assert got["transitions"] == [{"from": "app", "to": "app", "count": 1},
                                  {"from": "store", "to": "website", "count": 1},
                                  {"from": "website", "to": "store", "count": 1},
                                  {"from": "website", "to": "website", "count": 1}]
    # the carrier and the survey still make the funnel: seen at service o1, o2, o3, o5; at advocacy o1, o2, o4, o6
    # (on journey channels alone, o3 would be the only one past purchase)
    funnel = {r["stage"]: r["customers"] for r in got["funnel"]}
    assert funnel["service"] >= 4 and funnel["advocacy"] >= 4
    ropo = channels.ropo_showrooming(db)
    assert (ropo["converted"], ropo["ropo"], ropo["showrooming"]) == (5, 1, 0)  # o4 only; o5 browsed afterwards
    rows = {r["mix"]: r for r in channels.mix_outcomes(db).to_dict("records")}
    # every journey customer has two stages or more here (the carrier's service counts as a stage)
    assert [rows[m]["compared"] for m in ("mono", "multi", "cross")] == [3, 1, 1]
    # carrier and survey touchpoints are neither digital nor physical journey touchpoints
    assert channels.digital_share_by_stage(db)["touchpoints"].tolist() == [0, 3, 5, 0, 1, 0]
