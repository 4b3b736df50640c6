"""Cached data access: one database per process (cache_resource), results per filter set and data
version (cache_data). Pages call ``query("funnel_table", filters, closed=True)`` and never the
database directly.
"""

import threading
from pathlib import Path

import streamlit as st

import data_model as dm
from analytics import metrics
from analytics.dimensions import DataVersion, Dimensions, data_version, dimensions
from analytics.filters import Filters
from analytics.queries import QUERIES
from loaders.write import has_data, run_import

DEMO_DIR = Path(__file__).resolve().parents[1] / "sample_data"
DEMO_FILES = {k: DEMO_DIR / f"{k}.csv" for k in ("customers", "touchpoints", "feedback")}


@st.cache_resource(show_spinner=False)
def resources() -> tuple[dm.Database, threading.Lock, dict]:
    """The process's database, a lock serialising its use (one DuckDB connection serves every
    session), and what happened at start. An empty embedded database is filled with the demo once."""
    db = dm.connect()
    dm.ensure_initialised(db)
    started = {"demo_loaded": False}
    if db.dialect == "duckdb" and not has_data(db):
        run_import(db, DEMO_FILES, source="demo")
        started["demo_loaded"] = True
    return db, threading.Lock(), started


def demo_loaded_at_start() -> bool:
    return resources()[2]["demo_loaded"]


def version() -> DataVersion:
    """Read on every run (one tiny query), so an import by another session or process shows up."""
    db, lock, _ = resources()
    with lock:
        return data_version(db)


@st.cache_data(max_entries=8, show_spinner=False)
def _dimensions(version_key: DataVersion) -> Dimensions:  # no leading _: it must key the cache
    db, lock, _ = resources()
    with lock:
        return dimensions(db)


def catalogue() -> Dimensions:
    return _dimensions(version())


@st.cache_resource(max_entries=16, show_spinner=False)
def _scope(filters: Filters, version_key: DataVersion) -> metrics.Scope:
    """One ``Scope`` per filter set and data version, shared by every query of it: a page's metrics reuse
    each other's executed results (the report's per-customer pass feeds the KPIs, the funnel and the
    headline) and, when filtered, its kept rows (see ``Scope.materialize``). Called under the lock."""
    db, _, _ = resources()
    return metrics.Scope(db, filters)


@st.cache_data(max_entries=256, show_spinner=False)
def _query(name: str, filters: Filters, version_key: DataVersion, kwargs: tuple):
    db, lock, _ = resources()
    with lock:
        return QUERIES[name](db, filters, scope=_scope(filters, version_key), **dict(kwargs))


def query(name: str, filters: Filters | None = None, **kwargs):
    """A metric for the filters, cached per (metric, filters, options, data version)."""
    return _query(name, filters or Filters(), version(), tuple(sorted(kwargs.items())))


def deck_file(filters: Filters, lang: str) -> bytes:
    """The story's PowerPoint deck for the filters, from the cached metrics (called when the button is clicked)."""
    from analytics.deck import story_deck

    return story_deck(lambda name, **options: query(name, filters, **options), filters, catalogue(),
                      query("customers", filters), lang)
