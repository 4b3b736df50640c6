"""Touchpoints carry their source system (issue 17): from the file's ``source`` column, else the import's
``--source`` (the profile's ``source``: tests/unit/test_profiles.py; the option on the command line:
tests/unit/test_import_cli.py); and the share of journeys that span more than one source system, by hand and against
the plain reading of the README (``tests/reference.py``), on DuckDB and PostgreSQL."""

from datetime import datetime

import pytest
from sqlmodel import Session

import data_model as dm
from analytics import channels
from analytics.filters import Filters
from analytics.report import report
from data_model import Channel
from loaders.errors import InputErrors
from loaders.write import run_import, undo_batch
from tests.reference import reference_report
from tests.unit.journeys import customer, load, tp

STAGES = ["awareness", "consideration", "purchase", "service", "loyalty", "advocacy"]
NONE = {"customers": 0, "spanning": 0, "share": None}


def sources(db) -> dict:
    with db.engine.connect() as conn:
        return dict(conn.exec_driver_sql("select touchpoint_id, source from touchpoints").all())


# -- where the source comes from --------------------------------------------------------------------------------------


def test_a_source_column_names_each_touchpoints_system_and_empty_cells_take_the_imports(db, tmp_path):
    f = tmp_path / "points.csv"
    f.write_text("Client;Date;Canal;Étape;Id point de contact;Système source\n"
                 "1;02/01/2025 10:00;Web;awareness;T1;web analytics\n"
                 "1;03/01/2025 10:00;Magasin;purchase;T2;\n"
                 "2;02/01/2025 10:00;Web;awareness;T3; CRM \n", encoding="utf-8")
    run_import(db, {"touchpoints": f})
    assert sources(db) == {"T1": "web analytics", "T2": None, "T3": "CRM"}  # as written, trimmed; empty: unknown
    again = run_import(db, {"touchpoints": f}, source_system="tills")
    assert sources(db) == {"T1": "web analytics", "T2": "tills", "T3": "CRM"}  # --source fills the empty cell only
    assert [(s.inserted, s.updated, s.unchanged) for s in again.files] == [(0, 1, 2)]


def test_the_header_source_is_the_system_never_the_channel(db, tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("customer_id,timestamp,stage,source\n1,2025-01-02,awareness,web\n", encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        run_import(db, {"touchpoints": f})
    assert "channel" in caught.value.errors[0].text_in("en")  # the channel is missing: "source" did not stand in
    f.write_text("customer_id,timestamp,stage,canal,source\n1,2025-01-02,awareness,Magasin,web\n", encoding="utf-8")
    run_import(db, {"touchpoints": f})
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("select channel, source from touchpoints").all() == [("magasin", "web")]


def test_another_source_for_the_same_touchpoints_is_an_update_that_undo_takes_back(db, tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("customer_id,timestamp,channel,stage,touchpoint_id\n1,2025-01-02,Web,awareness,T1\n"
                 "2,2025-01-03,Web,awareness,T2\n", encoding="utf-8")
    run_import(db, {"touchpoints": f}, source_system="crm")
    moved = run_import(db, {"touchpoints": f}, source_system="erp")
    assert [(s.inserted, s.updated) for s in moved.files] == [(0, 2)]
    assert sources(db) == {"T1": "erp", "T2": "erp"}
    undo_batch(db, moved.batch_id)
    assert sources(db) == {"T1": "crm", "T2": "crm"}
    same = run_import(db, {"touchpoints": f}, source_system="crm")
    assert [(s.inserted, s.updated, s.unchanged) for s in same.files] == [(0, 0, 2)]


# -- the share of journeys spanning source systems ---------------------------------------------------------------------

# a: web analytics then CRM: spans two. b: the CRM twice: one system. c: no source at all: not counted. d: the app's
# system and an unknown one: one known system. e: the tills, then the carrier's scans (an operational channel, still a
# system): spans two. Customers with a known source: a, b, d, e; spanning: a, e.
JOURNEYS = [
    tp("a", "2024-01-01 09:00", "web", "awareness", source="web"),
    tp("a", "2024-01-02 09:00", "email", "consideration", source="crm"),
    tp("b", "2024-01-01 10:00", "web", "awareness", source="crm"),
    tp("b", "2024-01-03 10:00", "store", "purchase", "40.00", source="crm"),
    tp("c", "2024-01-01 11:00", "web", "awareness"),
    tp("d", "2024-01-01 12:00", "app", "awareness", source="app"),
    tp("d", "2024-01-02 12:00", "app", "purchase", "15.00"),
    tp("e", "2024-01-01 13:00", "store", "purchase", "80.00", source="tills"),
    tp("e", "2024-01-05 13:00", "carrier", "service", source="carrier"),
]
PEOPLE = {"a": ("A", "S1"), "b": ("A", "S2"), "c": ("B", "S2"), "d": ("B", "S2"), "e": ("A", "S2")}


@pytest.fixture
def spanning(db):
    load(db, [customer(c, persona, segment) for c, (persona, segment) in PEOPLE.items()], JOURNEYS)
    with Session(db.engine) as s:
        s.get(Channel, "carrier").operational = True
        s.commit()
    return db


def plain(**filters) -> dict:
    """The report's ``sources`` by ``tests/reference.py`` (the database's default window: 90 days)."""
    people = {c: {"persona": p, "segment": s, "churned": None} for c, (p, s) in PEOPLE.items()}
    rows = [{"customer": t["customer_id"], "ts": t["timestamp"], "channel": t["channel"], "stage": t["stage"],
             "revenue": t["revenue"], "source": t.get("source")} for t in JOURNEYS]
    return reference_report(STAGES, "purchase", people, rows, [], operational={"carrier"}, window=90,
                            **filters)["sources"]


def test_the_share_of_journeys_spanning_source_systems_by_hand(spanning):
    db = spanning
    assert report(db)["sources"] == plain() == {"customers": 4, "spanning": 2, "share": 0.5}
    got = channels.source_systems(db)
    assert got["sources"] == [{"source": "crm", "customers": 2}, {"source": "app", "customers": 1},
                              {"source": "carrier", "customers": 1}, {"source": "tills", "customers": 1},
                              {"source": "web", "customers": 1}]
    # persona A: a, b, e — a and e span
    assert report(db, Filters(personas=("A",)))["sources"] == plain(personas=("A",)) == {
        "customers": 3, "spanning": 2, "share": 2 / 3}
    # one customer (segment S1: a alone), who spans
    assert report(db, Filters(segments=("S1",)))["sources"] == plain(segments=("S1",)) == {
        "customers": 1, "spanning": 1, "share": 1.0}
    # the web channel's lens: a sees only its web analytics touchpoint, b its CRM one, c none: nobody spans
    lens = {"channels": ("web",), "channel_mode": "only"}
    assert report(db, Filters(**lens))["sources"] == plain(**lens) == {"customers": 2, "spanning": 0, "share": 0.0}
    # a filter that empties everything
    empty = Filters(personas=("nobody",))
    assert report(db, empty)["customers"] == 0
    assert report(db, empty)["sources"] == plain(personas=("nobody",)) == NONE
    assert channels.source_systems(db, empty)["sources"] == []


def test_no_source_at_all_is_no_share(db):
    assert report(db)["sources"] == NONE  # an empty database
    load(db, [], [tp("a", "2024-01-01", "web", "awareness"), tp("a", "2024-01-02", "store", "purchase")])
    assert report(db)["customers"] == 1 and report(db)["sources"] == NONE


def test_a_warehouse_table_without_the_column_reads_as_no_source(duckdb_url):
    """A warehouse's ``touchpoints`` loaded by an older pipeline may have no ``source`` column (read through Ibis)."""
    db = dm.connect(duckdb_url)
    dm.initialise(db)
    try:
        load(db, [], [tp("a", "2024-01-01", "web", "awareness", source="web"),
                      tp("a", "2024-01-02", "store", "purchase", source="tills")])
        before = report(db)
        assert before["sources"] == {"customers": 1, "spanning": 1, "share": 1.0}
        with db.engine.begin() as conn:
            conn.exec_driver_sql("alter table touchpoints drop column source")
        after = report(db)
        assert after["sources"] == NONE
        assert {k: v for k, v in after.items() if k != "sources"} == {k: v for k, v in before.items()
                                                                       if k != "sources"}
    finally:
        db.close()


def test_a_system_met_after_the_window_does_not_make_the_journey_span(db):
    """c's second system comes after its 90-day window (the database's default): within it, one system."""
    load(db, [], [tp("c", "2024-01-01", "web", "awareness", source="web"),
                  tp("c", "2024-06-01", "store", "awareness", source="tills")])
    rows = [{"customer": "c", "ts": datetime(2024, 1, 1), "channel": "web", "stage": "awareness", "revenue": None,
             "source": "web"},
            {"customer": "c", "ts": datetime(2024, 6, 1), "channel": "store", "stage": "awareness", "revenue": None,
             "source": "tills"}]
    windowed = reference_report(STAGES, "purchase", {"c": {}}, rows, [], window=90)["sources"]
    whole = reference_report(STAGES, "purchase", {"c": {}}, rows, [])["sources"]
    assert report(db)["sources"] == windowed == {"customers": 1, "spanning": 0, "share": 0.0}
    assert report(db, Filters(window="all"))["sources"] == whole == {"customers": 1, "spanning": 1, "share": 1.0}
