"""Many readers, one import: the app's data access (one DuckDB connection per process, ``ui.data``) while the Data
page's import writes, on a real DuckDB file; and the same with a pipeline writing into PostgreSQL from another
process while readers query it."""

import csv
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
import streamlit as st

import data_model as dm
from analytics.filters import Filters
from analytics.metrics import customers as count_customers
from analytics.queries import metric_name
from analytics.report import report
from tests.conftest import DEMO_FILES, ROOT

NEW = 4000  # customers the import adds, with 25 touchpoints each: long enough for readers to hit it


def new_customers(folder) -> dict:
    path = folder / "touchpoints.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "timestamp", "channel", "stage"])
        for i in range(NEW):
            for j in range(25):
                w.writerow([f"N{i:06}", f"2025-06-{1 + j % 28:02}T{8 + j % 10:02}:00:00",
                            ("Site web", "Magasin")[j % 2], ("awareness", "consideration", "purchase")[j % 3]])
    return {"touchpoints": path}


def read_while(stop: threading.Event, read, seen: list, errors: list) -> None:
    while not stop.is_set():
        try:
            seen.append(read())
        except Exception as exc:  # any error a user would see
            errors.append(repr(exc))


def test_readers_see_the_data_before_or_after_an_app_import_never_half(demo_db_url, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    monkeypatch.setenv("PARCOURS_DB_URL", f"duckdb:///{path}")
    st.cache_resource.clear()
    st.cache_data.clear()
    from ui import data, imports

    web = Filters(channels=("site_web",))
    filters = (Filters(), web, Filters())
    before = {f: data.query(count_customers, f) for f in filters}
    pending = imports.check(new_customers(tmp_path))
    assert not pending.errors
    stop, errors = threading.Event(), []
    seen = [[] for _ in filters]  # what each reader's report counted, read after read
    readers = [threading.Thread(target=read_while, args=(stop, lambda f=f: data.query(report, f)["customers"],
                                                         out, errors)) for f, out in zip(filters, seen, strict=True)]
    for r in readers:
        r.start()
    while min(map(len, seen)) < 2:  # every reader is running
        time.sleep(0.01)
    imports.write(pending.validated)  # under the app's lock, as the Data page writes
    after = {f: data.query(count_customers, f) for f in filters}
    mark = [len(x) for x in seen]
    while any(len(x) < m + 2 for x, m in zip(seen, mark, strict=True)):
        time.sleep(0.01)
    stop.set()
    for r in readers:
        r.join()
    st.cache_resource.clear()
    assert not errors
    assert after[Filters()] == before[Filters()] + NEW and after[web] > before[web]
    for f, counts in zip(filters, seen, strict=True):
        # each read is the state before the import or after it, and once after, never before again
        assert set(counts) <= {before[f], after[f]}, f
        assert counts[-1] == after[f]
        assert all(c == after[f] for c in counts[counts.index(after[f]):]), f


def test_a_stale_result_is_never_cached_under_the_old_version(demo_db_url, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    monkeypatch.setenv("PARCOURS_DB_URL", f"duckdb:///{path}")
    st.cache_resource.clear()
    st.cache_data.clear()
    from ui import data, imports

    old = data.version()
    imports.write(imports.check(new_customers(tmp_path)).validated)
    with pytest.raises(data.StaleData):  # computing for the old version would cache new data under its key
        data._query(metric_name(count_customers), Filters(), old, ())
    assert data.query(count_customers, Filters()) == 2000 + NEW  # outside a run: read again on the new version
    st.cache_resource.clear()


def test_postgres_serves_readers_while_a_pipeline_imports(postgres_url, tmp_path):
    db = dm.connect(postgres_url)
    dm.initialise(db)
    from loaders.write import run_import

    run_import(db, DEMO_FILES, source="demo")
    before = count_customers(db, Filters())
    files = new_customers(tmp_path)
    stop, seen, errors = threading.Event(), [], []

    def read():
        reader = dm.connect(postgres_url, create=False)  # each reader its own connection, as each app process
        try:
            return count_customers(reader, Filters())
        finally:
            reader.close()

    readers = [threading.Thread(target=read_while, args=(stop, read, seen, errors)) for _ in range(3)]
    for r in readers:
        r.start()
    done = subprocess.run([sys.executable, "-m", "loaders", "import", "--db", postgres_url, "--touchpoints",
                           str(files["touchpoints"])], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ})
    after_import = len(seen)
    while len(seen) < after_import + 3:
        time.sleep(0.01)
    stop.set()
    for r in readers:
        r.join()
    db.close()
    assert done.returncode == 0, done.stderr
    assert not errors
    assert set(seen) <= {before, before + NEW} and before + NEW in seen
