"""Cached data access: one database per process (cache_resource), results per filter set and data
version (cache_data). Pages call ``query(funnel.funnel_table, filters, closed=True)`` and never the
database directly.
"""

import threading
from pathlib import Path

import streamlit as st

import data_model as dm
from analytics import metrics
from analytics.dimensions import DataVersion, Dimensions, data_version, dimensions
from analytics.filters import Filters
from analytics.queries import BY_NAME, metric_name
from loaders.demo import demo_was_removed
from loaders.errors import InputErrors
from loaders.write import has_data, run_import

DEMO_DIR = Path(__file__).resolve().parents[1] / "sample_data"
DEMO_FILES = {k: DEMO_DIR / f"{k}.csv" for k in ("customers", "touchpoints", "feedback")}
EXAMPLE_FILES = sorted((DEMO_DIR / "export-crm-fr").glob("*.csv"))  # a real-shaped French CRM export, 12 customers


@st.cache_resource(show_spinner=False)
def resources() -> tuple[dm.Database, threading.Lock]:
    """The process's database and a lock serialising its use (one DuckDB connection serves every session). A new
    embedded database is filled with the demo once, on the process's first start (``demo_state`` then says so, and
    the Data page can take it out)."""
    db = dm.connect()
    dm.ensure_initialised(db)
    if db.dialect == "duckdb" and not has_data(db) and not demo_was_removed(db):
        try:
            run_import(db, DEMO_FILES, source="demo")
        except InputErrors:  # e.g. a pseudonymised database whose key is not set here: start empty, say why on
            pass             # the Data page, where an import gets the same refusal in full
    return db, threading.Lock()


class StaleData(Exception):
    """The data changed since the run began: an import (from this app or another process) landed."""


PINNED = "_data_version"


def _in_a_run() -> bool:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx() is not None


def _read_version() -> DataVersion:
    db, lock = resources()
    with lock:
        return data_version(db)


def pin_version() -> DataVersion:
    """Read the data version once, at the start of a run (app.py). Every query of the run then computes on that
    version or, when an import lands meanwhile, restarts the run: a page shows the data from before an import or
    from after it, never a mix."""
    v = _read_version()
    st.session_state[PINNED] = v
    return v


def version() -> DataVersion:
    """The run's data version (read fresh outside a run: downloads and the story's warm-up run in threads)."""
    pinned = st.session_state.get(PINNED) if _in_a_run() else None
    return pinned if pinned is not None else _read_version()


def _check(db, version_key: DataVersion) -> None:
    """Under the lock, before computing: the database still holds the version the result will be cached under."""
    if data_version(db) != version_key:
        raise StaleData


def _fresh(compute):
    """``compute(version)``, again on the new version if an import landed since the run began."""
    for _ in range(3):
        try:
            return compute(version())
        except StaleData:
            if _in_a_run():
                st.session_state.pop(PINNED, None)
                st.rerun()  # app.py pins the new version and the page draws again, all from after the import
    return compute(_read_version())


@st.cache_data(max_entries=8, show_spinner=False)
def _dimensions(version_key: DataVersion) -> Dimensions:  # no leading _: it must key the cache
    db, lock = resources()
    with lock:
        _check(db, version_key)
        return dimensions(db)


def catalogue() -> Dimensions:
    return _fresh(_dimensions)


@st.cache_data(max_entries=8, show_spinner=False)
def _analysis(version_key: DataVersion):
    from analytics.settings import analysis_settings

    db, lock = resources()
    with lock:
        _check(db, version_key)
        return analysis_settings(db)


def analysis():
    """The database's analysis settings (windows), as of the pinned data version."""
    return _fresh(_analysis)


@st.cache_data(max_entries=8, show_spinner=False)
def _demo_state(version_key: DataVersion) -> str | None:
    from loaders.demo import holds_demo, holds_only_the_demo

    db, lock = resources()
    with lock:
        _check(db, version_key)
        return "only" if holds_only_the_demo(db) else "mixed" if holds_demo(db) else None


def demo_state() -> str | None:
    """``"only"`` (the database holds the demo and nothing else), ``"mixed"`` (the demo and imports) or None: the
    banner and the Data page follow the data, not what happened when the process started."""
    return _fresh(_demo_state)


@st.cache_resource(max_entries=16, show_spinner=False)
def _scope(filters: Filters, version_key: DataVersion) -> metrics.Scope:
    """One ``Scope`` per filter set and data version, shared by every query of it: a page's metrics reuse
    each other's executed results (the report's per-customer pass feeds the KPIs, the funnel and the
    headline) and, when filtered, its kept rows (see ``Scope.materialize``). Called under the lock."""
    db, _ = resources()
    return metrics.Scope(db, filters)


@st.cache_data(max_entries=256, show_spinner=False)
def _query(name: str, filters: Filters, version_key: DataVersion, kwargs: tuple):
    db, lock = resources()
    with lock:
        _check(db, version_key)
        return BY_NAME[name](db, filters, scope=_scope(filters, version_key), **dict(kwargs))


def query(metric, filters: Filters | None = None, **kwargs):
    """A metric of ``analytics.queries.METRICS`` for the filters, cached per (metric's qualified name, filters,
    options, data version)."""
    name = metric_name(metric)
    return _fresh(lambda v: _query(name, filters or Filters(), v, tuple(sorted(kwargs.items()))))


def deck_file(filters: Filters, lang: str) -> bytes:
    """The story's PowerPoint deck for the filters, from the cached metrics (called when the button is clicked)."""
    from story.deck import story_deck

    return story_deck(lambda metric, **options: query(metric, filters, **options), filters, catalogue(),
                      query(metrics.customers, filters), lang)
