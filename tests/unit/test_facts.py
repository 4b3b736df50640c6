"""The stored per-customer facts (``analytics.facts``): hand-computed on the shared example, written again after every
change of the data (equal to a recomputation each time), and the metrics read from them equal the metrics computed
from the touchpoints, on the demo's real-shaped journeys, under every default-mode filter."""

import subprocess
import sys
from datetime import date

import pytest

import data_model as dm
from analytics import facts
from analytics.filters import Filters
from analytics.metrics import Scope, stage_infos
from analytics.report import report
from loaders.demo import remove_demo
from loaders.privacy import forget
from loaders.settings import set_analysis_setting, set_channel_kind
from loaders.write import clear_data, import_history, run_import, undo_batch
from tests.conftest import DEMO_FILES, EXAMPLES, ROOT
from tests.unit.journeys import customer, load, load_example, tp, when

EXAMPLE_FILES = {"customers": EXAMPLES / "clients.csv", "touchpoints": EXAMPLES / "points_de_contact.csv",
                 "feedback": EXAMPLES / "avis.csv"}


def _stored_rows(db) -> list[dict]:
    t = db.ibis.table(facts.TABLE)
    return sorted(t.to_pyarrow().to_pylist(), key=lambda r: r["ckey"])


def _recomputed_rows(db) -> list[dict]:
    expr = facts.facts_expr(db, stage_infos(db), facts._key(db))
    return sorted(expr.to_pyarrow().to_pylist(), key=lambda r: r["ckey"])


def _assert_current(db) -> None:
    assert Scope(db).stored is not None, "the facts are stale after a change through the loaders"
    assert _stored_rows(db) == _recomputed_rows(db)


def _stale(db) -> None:
    """The stamp made wrong by hand: the metrics must then compute the facts from the touchpoints."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE parcours_meta SET value = 'stale' WHERE key = '{facts.STAMP_KEY}'")


def test_the_clocks_of_the_shared_example_by_hand(db):
    load_example(db)
    assert Scope(db).stored is None  # never written
    assert facts.refresh(db) and not facts.refresh(db)  # written once; then current
    rows = {r["customer_id"]: r for r in _stored_rows(db)}
    assert set(rows) == {"c1", "c2", "c3"}  # c5 has feedback only: no journey
    c1, c2, c3 = rows["c1"], rows["c2"], rows["c3"]
    # c1: web awareness, e-mail consideration, web purchase
    assert (c1["f0"], c1["f1"], c1["f2"], c1["f3"]) == (when("2024-01-01 09:00"), when("2024-01-02 10:00"),
                                                        when("2024-01-03 11:00"), None)
    assert (c1["e0"], c1["e1"], c1["e2"]) == (when("2024-01-02 10:00"), when("2024-01-03 11:00"), None)
    assert (c1["jt0"], c1["t_multi"], c1["t_cross"]) == (when("2024-01-01 09:00"), when("2024-01-02 10:00"),
                                                          when("2024-01-02 10:00"))
    # c2: web awareness and web purchase at the same instant (awareness first in journey order), then a store
    # awareness: another channel, but not an advance
    assert c2["f0"] == c2["f2"] == c2["e0"] == when("2024-01-05 08:00") and c2["l0"] == when("2024-01-06 12:00")
    assert (c2["t_multi"], c2["t_cross"]) == (when("2024-01-06 12:00"), None)
    # c3: one app touchpoint
    assert (c3["jt0"], c3["t_multi"], c3["t_cross"]) == (when("2024-02-01 15:00"), None, None)
    assert c3["e1"] is None and c3["f1"] == when("2024-02-01 15:00")
    assert report(db, Filters(window="all"))["channel_mix"] == {"mono": 1, "multi": 1, "cross": 1}
    # the window's columns, for the database's windows (90 days; 365 after the conversion): c1 converted on day 2,
    # so it is followed 365 days from the purchase; c3 did not, 90 days from its first touchpoint (2024 is a leap
    # year); day 90 / 365 is the last one in, hence the + 1
    assert (c1["t0"], c1["bound"], c1["entry"], c1["furthest"]) == (when("2024-01-01 09:00"),
                                                                    when("2025-01-03 11:00"), 1, 3)
    assert (c3["bound"], c3["w0"], c3["r0"], c3["w1"], c3["entry"], c3["furthest"]) == (
        when("2024-05-02 15:00"), None, when("2024-02-01 15:00"), when("2024-02-01 15:00"), 2, 2)
    assert c2["w1"] is None and c2["r1"] == c2["w2"] == when("2024-01-05 08:00")
    # rows written around the loaders (here: by hand) change the last touchpoint's id: the facts are stale
    load(db, customers=[customer("c9")], touchpoints=[tp("c9", "2024-03-01", "web", "awareness")])
    assert Scope(db).stored is None
    assert report(db, Filters(window="all"))["channel_mix"] == {"mono": 2, "multi": 1, "cross": 1}


FILTER_SETS = [
    Filters(),
    Filters(window="all"),
    Filters(window=30),
    Filters(personas=("Digital native",)),
    Filters(channels=("application_mobile",)),
    Filters(channels=("magasin", "application_mobile"), channel_mode="entered"),
    Filters(start=date(2025, 3, 1), end=date(2025, 6, 30)),
    Filters(segments=("Professionnel",), start=date(2025, 1, 1), end=date(2025, 12, 31), window="all"),
    Filters(personas=("nobody",)),  # a filter that empties everything
    Filters(channels=("nowhere",)),
    Filters(channels=("site_web", "centre_d_appels"), personas=("Famille",), start=date(2025, 2, 1),
            end=date(2025, 9, 30)),
    Filters(channels=("e_mail",), channel_mode="entered", window="all"),
]


def test_the_report_read_from_the_stored_facts_equals_the_report_from_the_touchpoints(db):
    run_import(db, DEMO_FILES, source="demo")
    # a channel tied to one stage made operational (a carrier): the mix reads journey channels only
    set_channel_kind(db, "e_mail", operational=True)
    assert Scope(db).stored is not None
    # every set on DuckDB; on PostgreSQL (three times slower per report) the ones its own SQL could get wrong: the
    # cohort keyed by customer_id, the channels' bit set, the entry channel
    chosen = range(len(FILTER_SETS)) if db.dialect == "duckdb" else (0, 4, 5, 9, 10, 11)
    stored = {i: report(db, FILTER_SETS[i]) for i in chosen}
    assert stored[0]["customers"] > 1000 and stored[0]["channel_mix"]["cross"] > 0
    assert stored[4]["customers"] < stored[0]["customers"] and stored[9]["customers"] == 0
    assert 0 < stored[10]["customers"] < stored[0]["customers"] and stored[11]["customers"] > 0
    # the channel cohorts are judged on the stored facts' channels and entry channel
    with_bits = Scope(db, FILTER_SETS[10])
    assert with_bits.stored is not None and with_bits._channel_bits()["site_web"] >= 0
    _stale(db)
    assert Scope(db).stored is None
    for i in chosen:
        assert report(db, FILTER_SETS[i]) == stored[i], FILTER_SETS[i].describe()
    # a lens or an as-of date reads the touchpoints themselves, stored facts or not
    assert facts.refresh(db)
    for f in (Filters(channels=("application_mobile",), channel_mode="only"), Filters(as_of=date(2025, 6, 30))):
        assert Scope(db, f).stored is None


def test_the_facts_follow_every_change_of_the_data(db, tmp_path):
    run_import(db, DEMO_FILES, source="demo")
    _assert_current(db)
    before = len(_stored_rows(db))
    run_import(db, EXAMPLE_FILES)
    _assert_current(db)
    assert len(_stored_rows(db)) > before
    set_channel_kind(db, "application_mobile", operational=True)
    _assert_current(db)
    some = _stored_rows(db)[0]["customer_id"]
    forget(db, [some])
    _assert_current(db)
    assert some not in {r["customer_id"] for r in _stored_rows(db)}
    undo_batch(db, import_history(db)[0]["id"])
    _assert_current(db)
    assert len(_stored_rows(db)) == before - 1
    run_import(db, EXAMPLE_FILES)
    remove_demo(db)
    _assert_current(db)
    clear_data(db)
    _assert_current(db)
    assert _stored_rows(db) == []


def _tables_read(expr) -> set[str]:
    from ibis.expr import operations as ops

    return {t.name for t in expr.op().find(ops.DatabaseTable)}


def test_a_scope_of_the_databases_window_reads_the_stored_window_columns(db):
    """The window's columns are stored for the database's windows: a scope of those windows reads them as they are
    (nothing derived, nothing copied when unfiltered), a scope of another window derives its own; a window setting
    changed writes them again for the new windows."""
    run_import(db, DEMO_FILES, source="demo")
    assert _tables_read(Scope(db).facts) == {facts.TABLE}
    other = Scope(db, Filters(window=30)).facts
    assert other.op().name.startswith("parcours_kept_facts") if db.dialect == "duckdb" else "f0" in other.columns
    by_other = report(db, Filters(window=30))
    assert by_other != report(db, Filters())
    set_analysis_setting(db, "window_days", "30")
    _assert_current(db)
    assert _tables_read(Scope(db).facts) == {facts.TABLE}
    assert report(db, Filters()) == by_other  # the stored columns of the new window: as derived before
    set_analysis_setting(db, "post_window_days", "100")
    _assert_current(db)
    _stale(db)
    computed = report(db, Filters())
    assert facts.refresh(db) and report(db, Filters()) == computed


def _table_id(db) -> int:
    """The facts table's catalogue id: the same after rows were rewritten in it, another after it was made anew."""
    sql = (f"SELECT table_oid FROM duckdb_tables() WHERE table_name = '{facts.TABLE}'" if db.dialect == "duckdb"
           else f"SELECT '{facts.TABLE}'::regclass::oid")
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql).scalar())


def test_an_import_rewrites_the_facts_of_its_customers_alone_when_that_is_enough(db, tmp_path):
    run_import(db, DEMO_FILES, source="demo")
    made = _table_id(db)
    lines = DEMO_FILES["touchpoints"].read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    # new customers on known channels, and one known touchpoint (its id) now said to be another customer's
    new = [r.replace("C0000", "N0000", 1) for r in rows[:300]]
    moved = rows[400].split(",")
    owner = moved[0]
    moved[0] = rows[0].split(",")[0]
    path = tmp_path / "more.csv"
    path.write_text("\n".join([header, *new, ",".join(moved)]) + "\n", encoding="utf-8")
    assert owner != moved[0]
    run_import(db, {"touchpoints": path})
    _assert_current(db)
    assert _table_id(db) == made  # rewritten in place: the import's customers only
    ids = {r["customer_id"] for r in _stored_rows(db)}
    assert "N0000001" in ids and owner in ids  # the touchpoint's previous owner was rewritten too
    # a new channel changes every customer's channel bits: the whole table
    path.write_text(header + "\nN0000001,2025-12-01T10:00:00,Kiosque,awareness,kiosk,,K1\n", encoding="utf-8")
    run_import(db, {"touchpoints": path})
    _assert_current(db)
    assert _table_id(db) != made
    # a links file stitches customers together: the whole table
    links = tmp_path / "links.csv"
    links.write_text("id_a,id_b,kind\nC0000001,N0000001,crm\n", encoding="utf-8")
    from loaders.identities import import_links

    import_links(db, links)
    _assert_current(db)
    assert "N0000001" not in {r["customer_id"] for r in _stored_rows(db)}


def test_python_m_analytics_refresh_writes_stale_facts_once(tmp_path):
    url = f"duckdb:///{tmp_path / 'p.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, EXAMPLE_FILES)
    _stale(db)
    db.close()

    def refresh():
        return subprocess.run([sys.executable, "-m", "analytics", "refresh", "--db", url], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    first, second = refresh(), refresh()
    assert first.returncode == 0 and "customer_facts:" in first.stderr and "customers in" in first.stderr, first.stderr
    assert second.returncode == 0 and "current, nothing to write" in second.stderr
    forced = subprocess.run([sys.executable, "-m", "analytics", "refresh", "--db", url, "--force"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert forced.returncode == 0 and "customers in" in forced.stderr, forced.stderr
    db = dm.connect(url)
    try:
        _assert_current(db)
    finally:
        db.close()


@pytest.mark.parametrize("lens", [{"channel_mode": "only"}, {"period_mode": "activity"}])
def test_a_lens_never_reads_the_stored_facts(db, lens):
    load_example(db)
    facts.refresh(db)
    f = Filters(channels=("web",), start=date(2024, 1, 1), end=date(2024, 1, 31), **lens)
    assert Scope(db, f).stored is None
    assert Scope(db, Filters(channels=("web",), start=date(2024, 1, 1), end=date(2024, 1, 31))).stored is not None
