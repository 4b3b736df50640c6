"""Shared fixtures: a real DuckDB file per test, and a real PostgreSQL schema per test when
PARCOURS_TEST_POSTGRES_URL is set (skipped with that reason otherwise)."""

import os
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import data_model as dm  # noqa: E402

PG_URL = os.environ.get("PARCOURS_TEST_POSTGRES_URL")
EXAMPLES = ROOT / "sample_data" / "export-crm-fr"
DEMO_FILES = {k: ROOT / "sample_data" / f"{k}.csv" for k in ("customers", "touchpoints", "feedback")}


def _pg_schema_url(base: str, schema: str) -> str:
    url = sa.make_url(base)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture
def duckdb_url(tmp_path) -> str:
    return f"duckdb:///{tmp_path / 'parcours.duckdb'}"


@pytest.fixture
def postgres_url():
    """A fresh, empty schema on the PostgreSQL server, dropped afterwards."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need PARCOURS_TEST_POSTGRES_URL (a server URL); not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"create schema {schema}")
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"drop schema {schema} cascade")
        admin.dispose()


@pytest.fixture(params=["duckdb", "postgres"])
def db_url(request) -> str:
    """The same test on the embedded default and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def db(db_url):
    """An initialised database (default stage model) on each engine."""
    database = dm.connect(db_url)
    dm.initialise(database)
    yield database
    database.close()


def demo_database(folder: Path) -> str:
    """A DuckDB file in ``folder`` holding the demo (as the demo batch), closed: another process may own it."""
    from loaders.write import run_import

    url = f"duckdb:///{folder / 'demo.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, DEMO_FILES, source="demo")
    db.close()
    return url


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory):
    """The shipped demo data (whose generator plants known irritants), imported once for the whole session."""
    return demo_database(tmp_path_factory.mktemp("demo"))
