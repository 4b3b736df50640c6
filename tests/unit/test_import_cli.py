"""The import command end to end: all or nothing, counts, exit codes, held database."""

import subprocess
import sys
import time

import sqlalchemy as sa

from tests.conftest import ROOT


def run(*args):
    return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)
    return path


def counts(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.exec_driver_sql(f"select count(*) from {t}").scalar()
                    for t in ("customers", "touchpoints", "feedback", "channels", "import_batches")}
    finally:
        engine.dispose()


CUSTOMERS = "customer_id,persona,segment,churned\n007,Famille,Particulier,oui\n008,Pro,Professionnel,non\n"
TOUCHPOINTS = (
    "customer_id,timestamp,channel,stage,touchpoint,revenue\n"
    "007,2025-01-02 10:00,Site web,awareness,ad view,\n"
    "007,2025-01-03 10:00,Magasin,purchase,order,120.50\n"
    "009,2025-01-04 10:00,site-web,consideration,product view,\n"
)


def test_bad_file_refuses_whole_import_and_writes_nothing(tmp_path, db_url):
    good = write(tmp_path / "customers.csv", CUSTOMERS)
    bad = write(tmp_path / "touchpoints.csv", TOUCHPOINTS + "007,2025-01-05 10:00,Magasin,Bidule,order,\n")
    errors = tmp_path / "errors.csv"
    proc = run("import", "--db", db_url, "--customers", str(good), "--touchpoints", str(bad), "--errors", str(errors))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "touchpoints.csv line 5, column stage: 'Bidule' is not a stage" in proc.stderr
    assert "nothing was written" in proc.stderr
    assert "leaked" not in proc.stderr  # DuckDB's teardown noise must not bury the message
    assert "touchpoints.csv,5,stage,Bidule," in errors.read_text(encoding="utf-8")
    c = counts(db_url)
    assert c["customers"] == c["touchpoints"] == c["import_batches"] == 0


def test_counts_updates_created_customers_and_first_channel_spelling(tmp_path, db_url):
    cust = write(tmp_path / "customers.csv", CUSTOMERS)
    tps = write(tmp_path / "touchpoints.csv", TOUCHPOINTS)
    proc = run("import", "--db", db_url, "--customers", str(cust), "--touchpoints", str(tps))
    assert proc.returncode == 0, proc.stderr
    assert "customers created from touchpoints/feedback (no persona yet): 1" in proc.stdout  # 009
    assert "new channels: site_web, magasin" in proc.stdout
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select label from channels where code='site_web'").scalar() == "Site web"
        assert conn.exec_driver_sql("select persona from customers where customer_id='009'").scalar() is None
        assert conn.exec_driver_sql("select churned from customers where customer_id='007'").scalar() is True
    engine.dispose()
    # A known key with new values is an update; the rest is unchanged.
    write(tmp_path / "customers.csv", CUSTOMERS.replace("007,Famille", "007,Cliente pressée"))
    write(tmp_path / "touchpoints.csv", TOUCHPOINTS.replace("120.50", "99.90"))
    proc = run("import", "--db", db_url, "--customers", str(cust), "--touchpoints", str(tps))
    assert proc.returncode == 0, proc.stderr
    assert "2 rows read, 0 written, 1 updated, 1 unchanged" in proc.stdout
    assert "3 rows read, 0 written, 1 updated, 2 unchanged" in proc.stdout
    assert counts(db_url)["touchpoints"] == 3


def test_missing_file_is_a_clear_error(tmp_path, duckdb_url):
    proc = run("import", "--db", duckdb_url, "--touchpoints", str(tmp_path / "nope.csv"))
    assert proc.returncode == 2
    assert "nope.csv" in proc.stderr and "Traceback" not in proc.stderr


def test_database_held_by_another_process_exits_1_and_names_it(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); "
                               "print('ready', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        cust = write(tmp_path / "customers.csv", CUSTOMERS)
        started = time.monotonic()
        proc = run("import", "--db", f"duckdb:///{path}", "--customers", str(cust))
        assert proc.returncode == 1, proc.stderr
        assert f"process {holder.pid}" in proc.stderr
        assert "PostgreSQL" in proc.stderr and "Traceback" not in proc.stderr
        assert time.monotonic() - started < 60
        french = run("import", "--db", f"duckdb:///{path}", "--customers", str(cust), "--lang", "fr")
        assert french.returncode == 1
        assert f"est utilisé par le processus {holder.pid}" in french.stderr and "in use" not in french.stderr
    finally:
        holder.kill()
        holder.wait()


def test_unreachable_server_exits_1(tmp_path):
    cust = write(tmp_path / "customers.csv", CUSTOMERS)
    proc = run("import", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "--customers", str(cust))
    assert proc.returncode == 1
    assert "Cannot open the database" in proc.stderr and "Traceback" not in proc.stderr
    french = run("import", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "--customers", str(cust),
                 "--lang", "fr")
    assert french.returncode == 1 and "Impossible d'ouvrir la base" in french.stderr


def test_source_option_names_the_system_of_touchpoints_whose_file_does_not(tmp_path, duckdb_url):
    f = write(tmp_path / "t.csv", "customer_id,timestamp,channel,stage,touchpoint_id,source\n"
                                  "007,2025-01-02 10:00,Site web,awareness,T1,web analytics\n"
                                  "007,2025-01-03 10:00,Magasin,purchase,T2,\n")
    proc = run("import", "--db", duckdb_url, "--touchpoints", str(f), "--source", "tills")
    assert proc.returncode == 0, proc.stderr
    engine = sa.create_engine(duckdb_url)
    try:
        with engine.connect() as conn:
            got = dict(conn.exec_driver_sql("select touchpoint_id, source from touchpoints").all())
    finally:
        engine.dispose()
    assert got == {"T1": "web analytics", "T2": "tills"}  # the file's own value first, --source for the empty cell
    dry = run("import", "--db", duckdb_url, "--touchpoints", str(f), "--source", "crm", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    bad = run("import", "--db", duckdb_url, "--touchpoints", str(f), "--source", "  ")
    assert bad.returncode == 2 and "--source '  ': a source system has a name" in bad.stderr, bad.stderr
    french = run("import", "--db", duckdb_url, "--touchpoints", str(f), "--source", "x" * 201, "--lang", "fr")
    assert french.returncode == 2 and "un système source a un nom (200 caractères au plus" in french.stderr
    assert counts(duckdb_url)["import_batches"] == 1  # neither the dry run nor the refusals wrote anything
