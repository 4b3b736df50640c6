"""Import what is good, say what is not (issue 17): --on-error quarantine and its rejected file, --max-rejected, the
rows of a rejected customer, --dry-run, identical rows kept once, an optional persona and a default channel, on real
files and a real database (DuckDB and PostgreSQL)."""

import csv
import io
import subprocess
import sys

import pytest

import data_model as dm
from loaders.errors import InputErrors
from loaders.quarantine import MaxRejected
from loaders.write import import_history, run_import, undo_batch
from tests.conftest import ROOT

BAD_LINES = {101: "revenue", 502: "timestamp", 903: "channel"}  # file lines (header = line 1)


def run(*args):
    return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def customers_csv(path, n=50, bad=(), persona=True):
    rows = ["customer_id,persona,segment,signup_date" if persona else "customer_id,segment,signup_date"]
    for i in range(n):
        signup = "2024-02-30" if i in bad else f"2024-01-{i % 28 + 1:02d}"
        rows.append(f"C{i:03d},P{i % 3},S{i % 2},{signup}" if persona else f"C{i:03d},S{i % 2},{signup}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def touchpoints_csv(path, n=1000, customers=50, bad=BAD_LINES, empty_channel=()):
    """``n`` touchpoints (one order id each, not kept by Parcours); the rows at ``bad`` lines are invalid."""
    rows = ["customer_id,timestamp,channel,stage,touchpoint,revenue,order_id"]
    for i in range(n):
        line = i + 2
        when = f"2024-03-{i % 28 + 1:02d}T{i % 24:02d}:{i % 60:02d}:{i % 7:02d}"
        channel = "" if line in empty_channel else ("web", "store")[i % 2]
        revenue = f"{i % 90}.50" if i % 4 == 0 else ""
        if bad.get(line) == "revenue":
            revenue = "=1+2"  # a formula: must come out as text in the rejected file
        if bad.get(line) == "timestamp":
            when = "hier"
        if bad.get(line) == "channel":
            channel = ""
        rows.append(f"C{i % customers:03d},{when},{channel},purchase,order,{revenue},O{i}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def table_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                for t in ("customers", "touchpoints", "feedback", "channels", "import_batches", "import_files")}


def read_rejected(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_quarantine_writes_997_of_1000_and_a_rejected_file_of_3_refuse_writes_nothing(db, tmp_path):
    customers = customers_csv(tmp_path / "customers.csv")
    touchpoints = touchpoints_csv(tmp_path / "touchpoints.csv")
    before = table_counts(db)
    with pytest.raises(InputErrors) as refused:  # refuse, the default: all or nothing, as before
        run_import(db, {"customers": customers, "touchpoints": touchpoints})
    assert sorted(e.line for e in refused.value.errors) == sorted(BAD_LINES)
    assert table_counts(db) == before and not (tmp_path / "touchpoints.rejected.csv").exists()

    summary = run_import(db, {"customers": customers, "touchpoints": touchpoints}, on_error="quarantine")
    after = table_counts(db)
    assert after["touchpoints"] == 997 and after["customers"] == 50 and summary.customers_created == 0
    rejected = read_rejected(tmp_path / "touchpoints.rejected.csv")
    assert summary.rejected_files == {"touchpoints": tmp_path / "touchpoints.rejected.csv"}
    assert not (tmp_path / "customers.rejected.csv").exists()  # nothing rejected there
    assert [(int(r["line"]), r["column"]) for r in rejected] == sorted(BAD_LINES.items())
    by_line = {int(r["line"]): r for r in rejected}
    assert by_line[101]["revenue"] == "'=1+2" and "is not a number" in by_line[101]["reason"]
    assert by_line[502]["timestamp"] == "hier" and "is not a date" in by_line[502]["reason"]
    assert by_line[903]["channel"] == "" and "channel is required" in by_line[903]["reason"]
    assert by_line[903]["order_id"] == "O901"  # the row as read, with the columns Parcours does not keep
    with db.engine.connect() as conn:
        lines = {r[0] for r in conn.exec_driver_sql("SELECT line FROM touchpoints")}
    assert not lines & set(BAD_LINES) and len(lines) == 997
    batch = import_history(db)[0]
    assert batch["on_error"] == "quarantine"
    assert [(f["kind"], f["rows_read"], f["inserted"], f["rejected"]) for f in batch["files"]] == [
        ("customers", 50, 50, 0), ("touchpoints", 1000, 997, 3)]
    text = "\n".join(summary.lines())
    assert "3 invalid rows set aside (rejected file)" in text and "touchpoints.rejected.csv" in text


def test_undo_of_a_quarantine_import(db, tmp_path):
    first = run_import(db, {"customers": customers_csv(tmp_path / "c.csv")})
    before = table_counts(db)
    batch = run_import(db, {"touchpoints": touchpoints_csv(tmp_path / "t.csv")}, on_error="quarantine").batch_id
    assert table_counts(db)["touchpoints"] == 997
    undo_batch(db, batch)
    assert table_counts(db) == before
    assert [b["id"] for b in import_history(db)] == [first.batch_id]
    assert import_history(db)[0]["on_error"] == "refuse"


def test_above_max_rejected_the_whole_import_is_refused(db, tmp_path):
    bad = {line: "timestamp" for line in range(10, 70)}  # 60 rows of 1,000: 6 %
    touchpoints = touchpoints_csv(tmp_path / "t.csv", bad=bad)
    customers = customers_csv(tmp_path / "c.csv")
    before = table_counts(db)
    with pytest.raises(InputErrors) as refused:
        run_import(db, {"customers": customers, "touchpoints": touchpoints}, on_error="quarantine")
    first = refused.value.errors[0]
    assert first.file == "t.csv" and first.text_in("en") == (
        "t.csv: 60 rows rejected out of 1,000 (6.0%), more than --max-rejected allows (5%): the whole import is "
        "refused")
    assert "60 lignes rejetées sur 1\u202f000 (6,0\u202f%)" in first.text_in("fr")
    assert len(refused.value.errors) == 61  # and every row's error, to fix them
    assert table_counts(db) == before and not (tmp_path / "t.rejected.csv").exists()
    summary = run_import(db, {"customers": customers, "touchpoints": touchpoints}, on_error="quarantine",
                         max_rejected="60")
    assert summary.files[1].rejected == 60 and table_counts(db)["touchpoints"] == 940


@pytest.mark.parametrize("text, rows, allowed", [("5%", 1000, 50), ("5 %", 999, 49), ("0.5%", 1000, 5),
                                                 ("12", 10, 12), ("0", 1000, 0), (None, 100, 5)])
def test_max_rejected_takes_a_share_or_a_count(text, rows, allowed):
    assert MaxRejected.parse(text).allowed(rows) == allowed


@pytest.mark.parametrize("text", ["five", "5.5", "120%", "-3", ""])
def test_max_rejected_refuses_what_is_neither(text):
    with pytest.raises(ValueError):
        MaxRejected.parse(text)


def test_rows_of_a_rejected_customer_are_rejected_never_a_bare_customer(db, tmp_path):
    customers = customers_csv(tmp_path / "c.csv", bad={7})  # C007's sign-up date does not exist: line 9
    touchpoints = touchpoints_csv(tmp_path / "t.csv", n=200, bad={})
    summary = run_import(db, {"customers": customers, "touchpoints": touchpoints}, on_error="quarantine")
    assert summary.customers_created == 0
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM customers WHERE customer_id = 'C007'").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM touchpoints WHERE customer_id = 'C007'").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM touchpoints").scalar() == 196
    rejected_customers = read_rejected(tmp_path / "c.rejected.csv")
    assert [(r["line"], r["customer_id"], r["column"]) for r in rejected_customers] == [("9", "C007", "signup_date")]
    rejected = read_rejected(tmp_path / "t.rejected.csv")
    assert [int(r["line"]) for r in rejected] == [9, 59, 109, 159]  # C007's four touchpoints
    assert {r["reason"] for r in rejected} == {"this customer's row (c.csv line 9) was rejected"}
    assert {r["column"] for r in rejected} == {"customer_id"}
    assert [f.rejected for f in summary.files] == [1, 4]


def test_the_rejected_file_is_in_the_readers_language(db, tmp_path):
    touchpoints = touchpoints_csv(tmp_path / "t.csv")
    run_import(db, {"touchpoints": touchpoints}, on_error="quarantine", rejected_file=tmp_path / "rejets.csv",
               lang="fr")
    rows = read_rejected(tmp_path / "rejets.csv")
    assert list(rows[0])[:3] == ["ligne", "colonne", "motif"]
    assert "n'est pas un nombre" in rows[0]["motif"]


def test_an_error_about_a_whole_file_refuses_even_in_quarantine(db, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("customer_id,timestamp,stage\nC1,2024-01-01,purchase\n", encoding="utf-8")  # no channel column
    with pytest.raises(InputErrors) as refused:
        run_import(db, {"touchpoints": path}, on_error="quarantine")
    assert "about the whole file, not a row" in str(refused.value.errors[0])
    assert "required columns missing" in str(refused.value.errors[1])
    assert table_counts(db)["import_batches"] == 0


# --- identical rows after mapping --------------------------------------------------------------------------------


def reviews_csv(path, n=500, repeated=20, change_score_of=None):
    """``n`` reviews; the first ``repeated`` appear twice (one row per order line: same review id, score, text and
    time, another order id), the repeat placed further down the file."""
    header = "customer_id,timestamp,stage,csat,comment,feedback_id,order_id"
    rows = [f"C{i % 50:03d},2024-04-{i % 28 + 1:02d} 10:{i % 60:02d},purchase,{i % 5 + 1},avis n°{i},R{i},O{i}"
            for i in range(n)]
    repeats = [row.rsplit(",", 1)[0] + f",O{n + k}" for k, row in enumerate(rows[:repeated])]
    if change_score_of is not None:
        parts = repeats[change_score_of].split(",")
        parts[3] = str(int(parts[3]) % 5 + 1)
        repeats[change_score_of] = ",".join(parts)
    path.write_text("\n".join([header, *rows, *repeats]) + "\n", encoding="utf-8")
    return path


def test_twenty_reviews_repeated_per_order_line_are_kept_once(db, tmp_path):
    run_import(db, {"customers": customers_csv(tmp_path / "c.csv")})
    summary = run_import(db, {"feedback": reviews_csv(tmp_path / "reviews.csv")})  # refuse mode: nothing refused
    assert table_counts(db)["feedback"] == 500
    feedback = summary.files[0]
    assert feedback.rows_read == 520 and feedback.inserted == 500
    assert any("20 rows repeat an earlier row exactly" in n for n in feedback.notes), feedback.notes


def test_the_same_review_id_with_another_score_is_still_an_error(db, tmp_path):
    path = reviews_csv(tmp_path / "reviews.csv", change_score_of=3)
    with pytest.raises(InputErrors) as refused:
        run_import(db, {"feedback": path})
    (error,) = refused.value.errors
    assert error.line == 505 and error.value == "R3"
    assert error.reason == "is already used on line 5 with other values: csat '5' here, '4' there"
    assert table_counts(db)["feedback"] == 0


def test_identical_touchpoints_without_an_id_are_kept_once(db, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("customer_id,timestamp,channel,stage,revenue,order_line\n"
                    "C1,2024-01-01T10:00,Web,purchase,12.5,1\nC1,2024-01-01T10:00,Web,purchase,12.5,2\n"
                    "C1,2024-01-01T11:00,Web,purchase,3,1\n", encoding="utf-8")
    summary = run_import(db, {"touchpoints": path})
    assert summary.files[0].inserted == 2
    assert "1 row repeats an earlier row exactly" in summary.files[0].notes[-1]


# --- persona optional, the empty channel's default -------------------------------------------------------------


def test_a_customers_file_without_persona_imports_and_keeps_earlier_personas(db, tmp_path):
    run_import(db, {"customers": customers_csv(tmp_path / "with.csv", n=3)})
    summary = run_import(db, {"customers": customers_csv(tmp_path / "without.csv", n=4, persona=False)})
    assert [(f.inserted, f.updated, f.unchanged) for f in summary.files] == [(1, 0, 3)]
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT customer_id, persona FROM customers ORDER BY customer_id").all()
    assert [tuple(r) for r in rows] == [("C000", "P0"), ("C001", "P1"), ("C002", "P2"), ("C003", None)]


def test_empty_channel_is_an_error_unless_a_default_is_given(db_url, tmp_path):
    empty = set(range(100, 160))  # 60 leads with an empty origin channel
    path = touchpoints_csv(tmp_path / "leads.csv", n=300, bad={}, empty_channel=empty)
    refused = run("import", "--db", db_url, "--touchpoints", str(path))
    assert refused.returncode == 2 and "Import refused, nothing was written: 60 errors." in refused.stderr
    assert "leads.csv line 100, column channel: empty value: channel is required" in refused.stderr
    done = run("import", "--db", db_url, "--touchpoints", str(path), "--empty-channel", "unknown")
    assert done.returncode == 0, done.stderr
    assert "note: 60 rows with no channel (column 'channel'): channel 'unknown' by default" in done.stdout
    db = dm.connect(db_url)
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM touchpoints WHERE channel = 'unknown'").scalar() == 60
            assert conn.exec_driver_sql("SELECT count(*) FROM touchpoints").scalar() == 300
    finally:
        db.close()
    bad = run("import", "--db", db_url, "--touchpoints", str(path), "--empty-channel", "**")
    assert bad.returncode == 2 and "--empty-channel '**': a channel has at least one letter or digit" in bad.stderr


# --- the command line: quarantine, dry run -----------------------------------------------------------------------


def dump(url) -> dict[str, list]:
    """Every table's rows, sorted: what "the database's tables unchanged" means."""
    db = dm.connect(url)
    try:
        with db.engine.connect() as conn:
            import sqlalchemy as sa

            names = sa.inspect(conn).get_table_names()
            return {n: sorted(map(repr, conn.exec_driver_sql(f'SELECT * FROM "{n}"').all())) for n in names}
    finally:
        db.close()


def test_dry_run_reports_and_writes_nothing(db_url, tmp_path):
    customers = customers_csv(tmp_path / "c.csv", n=50)
    run("import", "--db", db_url, "--customers", str(customers))
    before = dump(db_url)
    touchpoints = touchpoints_csv(tmp_path / "t.csv")
    proc = run("import", "--db", db_url, "--touchpoints", str(touchpoints), "--on-error", "quarantine", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Dry run (invalid rows set aside): what the import would write.")
    assert "touchpoints t.csv: 1,000 rows read, 997 to import, 3 rejected" in out
    assert "per type and stage: order · purchase: 997" in out
    assert "ignored columns (not part of touchpoints): 'order_id'" in out  # the unused columns
    assert "rejected: line 101, column revenue: is not a number" in out
    assert "first journeys (touchpoints in time order):" in out
    journey = next(line for line in out.splitlines() if line.strip().startswith("C000:"))
    assert journey.count("→") == 8  # 8 steps shown, then how many more
    assert out.rstrip().endswith("Dry run: nothing was written.")
    assert dump(db_url) == before
    assert not (tmp_path / "t.rejected.csv").exists()
    refused = run("import", "--db", db_url, "--touchpoints", str(touchpoints), "--dry-run", "--lang", "fr")
    assert refused.returncode == 2 and "Essai à blanc\u00a0: cet import serait refusé." in refused.stderr
    assert dump(db_url) == before


def test_cli_quarantine_and_its_history(db_url, tmp_path):
    customers = customers_csv(tmp_path / "c.csv")
    touchpoints = touchpoints_csv(tmp_path / "t.csv")
    refused = run("import", "--db", db_url, "--customers", str(customers), "--touchpoints", str(touchpoints))
    assert refused.returncode == 2 and "3 errors" in refused.stderr
    out = tmp_path / "out" / "bad.csv"
    out.parent.mkdir()
    proc = run("import", "--db", db_url, "--customers", str(customers), "--touchpoints", str(touchpoints),
               "--on-error", "quarantine", "--rejected", str(out), "--lang", "fr")
    assert proc.returncode == 0, proc.stderr
    assert f"lignes rejetées écrites dans {out}" in proc.stdout
    assert [r["ligne"] for r in read_rejected(out)] == ["101", "502", "903"]
    limit = run("import", "--db", db_url, "--touchpoints", str(touchpoints), "--on-error", "quarantine",
                "--max-rejected", "2")
    assert limit.returncode == 2 and "more than --max-rejected allows (2)" in limit.stderr
    db = dm.connect(db_url)
    try:
        assert table_counts(db)["touchpoints"] == 997
        assert [b["on_error"] for b in import_history(db)] == ["quarantine"]
    finally:
        db.close()
