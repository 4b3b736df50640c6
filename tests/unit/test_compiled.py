"""Each query compiled once (``data_model.compiled``): a second scope of the same shape compiles nothing, a kept
query is never another query's SQL (the reports equal those computed with nothing kept, each engine gets its own,
scopes alive together read their own tables), and a closed database is not held by its kept queries."""

import gc
import weakref

import ibis
import pytest

import data_model as dm
from analytics.filters import Filters
from analytics.metrics import Scope
from analytics.report import report
from tests.conftest import demo_database

SHAPES = [
    Filters(),
    Filters(channels=("site_web",)),
    Filters(channels=("magasin",)),  # the same shape as the one before, other values
    Filters(personas=("Famille",), window="all"),
    Filters(channels=("magasin", "e_mail"), channel_mode="entered"),
    Filters(channels=("magasin",), channel_mode="only"),  # a lens: the facts computed from the touchpoints
    Filters(window=30),
    Filters(),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = dm.connect(demo_database(tmp_path_factory.mktemp("compiled")))
    yield db
    db.close()


def test_a_scope_of_a_shape_seen_before_compiles_nothing(demo):
    compiled = demo.ibis.compiled
    report(demo)
    before = compiled.misses
    report(demo)
    assert compiled.misses == before and compiled.hits > 0
    report(demo, Filters(channels=("site_web",)))
    before = compiled.misses
    report(demo, Filters(channels=("magasin",)))  # other values: only the cohort's own query is new
    assert compiled.misses - before <= 2
    report(demo, Filters(personas=("Famille",)))
    before = compiled.misses
    report(demo, Filters(personas=("Senior",)))  # an attribute cohort is kept by name too
    assert compiled.misses - before <= 2


def test_kept_queries_give_the_reports_computed_with_nothing_kept(demo):
    kept = [report(demo, f) for f in SHAPES]
    for filters, got in zip(SHAPES, kept, strict=True):
        demo.ibis.compiled.clear()
        assert report(demo, filters) == got, filters.describe()


def test_a_closed_database_is_not_held_by_its_kept_queries(tmp_path):
    db = dm.connect(demo_database(tmp_path))
    report(db, Filters(channels=("site_web",)))
    backend = weakref.ref(db.ibis)
    assert len(db.ibis.compiled)
    db.close()
    del db
    gc.collect()
    assert backend() is None  # nothing holds its connection (and the file) open


def test_scopes_alive_together_keep_their_own_tables_and_share_their_sql(demo):
    a = Scope(demo, Filters(channels=("site_web",)))
    a_counts = report(demo, scope=a), a.touchpoints.count().to_pyarrow().as_py()
    compiled = demo.ibis.compiled
    before = compiled.misses
    b = Scope(demo, Filters(channels=("magasin",)))  # alive with a: its tables have other names
    b_report = report(demo, scope=b)
    assert compiled.misses - before <= 2  # only the cohort's own query: the rest is a's SQL, with b's tables
    assert a.touchpoints.op().name != b.touchpoints.op().name
    b_counts = b_report, b.touchpoints.count().to_pyarrow().as_py()
    assert b_counts[1] != a_counts[1]  # each reads its own rows
    assert (report(demo, scope=a), a.touchpoints.count().to_pyarrow().as_py()) == a_counts
    assert b_counts[0] == report(demo, Filters(channels=("magasin",)))
    names = {a.touchpoints.op().name, b.touchpoints.op().name}
    del a, b
    gc.collect()
    assert not names & set(demo.ibis.list_tables())  # dropped with their scopes


def test_an_expression_over_unbound_tables_compiles_for_each_engine_apart(demo, postgres_url):
    """``ibis.to_sql`` (the facts' refresh) compiles an expression whose tables name no backend: the same expression
    must give DuckDB's SQL to DuckDB and PostgreSQL's to PostgreSQL, whichever came first."""
    pg = dm.connect(postgres_url)
    try:
        t = ibis.table({"ckey": "int64", "channel": "string"}, name="touchpoints")
        expr = t.group_by("ckey").aggregate(first_channel=t.channel.first())
        for db, dialect in ((demo, "duckdb"), (pg, "postgres")):
            kept = db.ibis.compiler.to_sqlglot(expr).sql(dialect=dialect)
            own = type(db.ibis).compiler.to_sqlglot(expr).sql(dialect=dialect)  # the engine's compiler, nothing kept
            assert kept == own, dialect
        assert demo.ibis.compile(expr.unbind()) != pg.ibis.compile(expr.unbind())
    finally:
        pg.close()
