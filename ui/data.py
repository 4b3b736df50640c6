"""Cached data access: one engine per process (cache_resource), results per filter set (cache_data)."""

from pathlib import Path

import streamlit as st

import data_model as dm
from analytics.filters import Filters
from analytics.report import report
from loaders.write import has_data, run_import

DEMO_DIR = Path(__file__).resolve().parents[1] / "sample_data"


@st.cache_resource
def get_database() -> dm.Database:
    """Open the database; an empty embedded database is filled with the shipped demo data once."""
    db = dm.connect()
    dm.ensure_initialised(db)
    if db.dialect == "duckdb" and not has_data(db):
        run_import(db, {k: DEMO_DIR / f"{k}.csv" for k in ("customers", "touchpoints", "feedback")}, source="demo")
    return db


def demo_banner() -> None:
    db = get_database()
    with db.engine.connect() as conn:
        sources = {r[0] for r in conn.exec_driver_sql("SELECT DISTINCT source FROM import_batches")}
    if sources == {"demo"}:
        st.info("Données de démonstration chargées (entreprise fictive de 2 000 clients). "
                "Importez vos propres exports avec `python -m loaders import`.", icon="ℹ️")


@st.cache_data(max_entries=64, show_spinner=False)
def get_report(filters: Filters | None = None) -> dict:
    return report(get_database(), filters or Filters())
