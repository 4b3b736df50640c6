"""Hostile input never takes the server down (issue 13), on the importer's side: control characters are taken out
of free text (and refused in ids), dates outside the business range and amounts the database cannot hold are
line/column errors, and a full disk is one line and exit 1 with the database as before (and its space given back).

Real components only: files written here, the command line in a subprocess or in process, real DuckDB files,
real PostgreSQL schemas, a real small file system (tmpfs) for the full disk.
"""

import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

import data_model as dm
from data_model.stages import STAGE_MODELS
from data_model.text import clean_control, slug
from loaders.__main__ import main
from loaders.validate import ImportContext, read_and_validate
from loaders.write import run_import
from tests.conftest import PG_URL, ROOT, _pg_schema_url

CONTROLS = "".join(chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (0x09, 0x0A, 0x0D))
assert len(CONTROLS) == 62
CTX = ImportContext.for_model(STAGE_MODELS["default"])
OUTSIDE = "is outside the business range of dates: the accepted dates are 1900-01-01 to 2100-12-31"
MOVED_OUT = ("is outside the business range of dates once its offset is converted to the business time zone "
             "(Europe/Paris): the accepted dates are 1900-01-01 to 2100-12-31")
TABLES = ("customers", "touchpoints", "feedback", "channels", "import_batches", "import_files")


def hostile(text: str, controls: str = CONTROLS) -> str:
    half = len(text) // 2
    return text[:half] + controls + text[half:]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return {t: conn.exec_driver_sql(f"select count(*) from {t}").scalar_one() for t in TABLES}
    finally:
        engine.dispose()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def init(url: str) -> None:
    database = dm.connect(url)
    dm.initialise(database)
    database.close()


def messages(path: Path, kind: str) -> list[str]:
    return [str(e) for e in read_and_validate(path, kind, CTX).errors]


# --- control characters ----------------------------------------------------------------------------------------


def hostile_exports(folder: Path) -> dict[str, Path]:
    """The three files as Parquet (a CSV cannot carry NUL), every control character in every free-text field (at
    an end of stage labels: in the middle of a word, "Sensibi lisation" is not a stage, and is refused as such)."""
    customers = pd.DataFrame({"customer_id": ["001", "002"], "persona": [hostile("Famille"), hostile("Pro")],
                              "segment": [hostile("Particulier")] * 2, "region": [hostile("Bretagne"), None]})
    touchpoints = pd.DataFrame({
        "customer_id": ["001", "002"], "timestamp": ["2024-03-01T10:00:00", "2024-03-02 11:00"],
        "channel": [hostile("Site web"), hostile("Magasin")],
        "stage": ["Sensibilisation" + CONTROLS, CONTROLS + "Achat"],
        "touchpoint": [hostile("clic"), hostile("commande")], "revenue": [None, "12.5"], "touchpoint_id": ["T1", "T2"],
    })
    feedback = pd.DataFrame({
        "customer_id": ["001", "002"], "timestamp": ["2024-03-03", "2024-03-04"],
        "stage": ["Achat" + CONTROLS, CONTROLS + "purchase"], "channel": [hostile("Site web"), hostile("Magasin")],
        "nps": ["9", "3"], "csat": [None, "2"], "comment": [hostile("Très bien"), hostile("Trop lent\nvraiment")],
        "feedback_id": ["F1", "F2"],
    })
    paths = {}
    for kind, frame in (("customers", customers), ("touchpoints", touchpoints), ("feedback", feedback)):
        paths[kind] = folder / f"{kind}.parquet"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), paths[kind])
    return paths


def test_every_control_character_in_every_text_field_is_stored_clean_with_a_note(tmp_path, db):
    summary = run_import(db, hostile_exports(tmp_path))
    notes = {f.kind: f.notes for f in summary.files}
    per_value = len(CONTROLS)
    assert (f"{5 * per_value} control characters removed from the text (persona {2 * per_value}, segment "
            f"{2 * per_value}, region {per_value})") in notes["customers"][0]
    assert (f"{6 * per_value} control characters removed from the text (channel {2 * per_value}, "
            f"touchpoint {2 * per_value}, stage {2 * per_value})") in notes["touchpoints"][0]
    assert (f"{6 * per_value} control characters removed from the text (stage {2 * per_value}, "
            f"channel {2 * per_value}, comment {2 * per_value})") in notes["feedback"][0]
    clean = lambda text: clean_control(hostile(text))  # noqa: E731
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("select customer_id, persona, segment, region from customers "
                                    "order by customer_id").all()
        assert [tuple(r) for r in rows] == [("001", clean("Famille"), clean("Particulier"), clean("Bretagne")),
                                            ("002", clean("Pro"), clean("Particulier"), None)]
        assert clean("Famille") == "Fam" + " " * 7 + "ille"  # VT, FF, FS, GS, RS, US and NEL separate words
        channels = conn.exec_driver_sql("select code, label from channels order by code").all()
        assert sorted(tuple(c) for c in channels) == sorted(
            (slug(clean(label)), clean(label)) for label in ("Site web", "Magasin"))
        tps = conn.exec_driver_sql("select stage, touchpoint, channel from touchpoints order by id").all()
        assert [tuple(t) for t in tps] == [("awareness", clean("clic"), slug(clean("Site web"))),
                                           ("purchase", clean("commande"), slug(clean("Magasin")))]
        fb = conn.exec_driver_sql("select stage, comment from feedback order by id").all()
        assert [tuple(f) for f in fb] == [("purchase", clean("Très bien")), ("purchase", clean("Trop lent\nvraiment"))]
        everything = conn.exec_driver_sql(
            "select string_agg(coalesce(persona, '') || coalesce(segment, '') || coalesce(region, ''), '') "
            "from customers").scalar_one()
        everything += conn.exec_driver_sql("select string_agg(label, '') from channels").scalar_one()
        everything += conn.exec_driver_sql("select string_agg(comment || touchpoint, '') from feedback, touchpoints"
                                           ).scalar_one()
    assert clean_control(everything) == everything


def test_control_characters_in_a_csv_and_the_note_on_the_command_line(tmp_path, duckdb_url):
    """A UTF-8 CSV (no NUL: the reader refuses it), the controls past the first 8 KB (the reader takes a file
    that starts with many control bytes for a binary one)."""
    padding = "".join(f"C{i:04d},2024-03-01T10:00:00,Site web,awareness,clic\n" for i in range(300))
    text = ("customer_id,timestamp,channel,stage,touchpoint\n" + padding
            + f"C9999,2024-03-02T10:00:00,{hostile('Magasin', CONTROLS[1:])},{'Achat' + CONTROLS[1:]},"
              f"{hostile('commande', CONTROLS[1:])}\n")
    path = write(tmp_path / "touchpoints.csv", text)
    proc = cli("import", "--db", duckdb_url, "--touchpoints", str(path))
    assert proc.returncode == 0, proc.stderr
    assert f"    note: {3 * 61} control characters removed from the text (channel 61, touchpoint 61, stage 61)" \
        in proc.stdout
    engine = sa.create_engine(duckdb_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select touchpoint from touchpoints where customer_id = 'C9999'").scalar_one() \
            == clean_control(hostile("commande", CONTROLS[1:]))
    engine.dispose()


def test_the_quick_scan_knows_every_character_of_the_shared_definition():
    """The byte scan that spares clean columns the regular expression must say "maybe" for every character the
    definition names (it grew U+FFFE and U+FFFF once), alone in a column or in the middle of text."""
    import re

    from data_model.text import CONTROL_CHARACTERS
    from loaders.validate import _may_hold_control

    named = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF and re.fullmatch(CONTROL_CHARACTERS, chr(c))]
    assert {"\x00", "\x7f", "\x85", "\ufffe", "\uffff"} <= set(named)
    for char in named:
        for values in ([char], ["é" * 10, f"ab{char}cd", None]):
            assert _may_hold_control(pa.chunked_array([pa.array(values, pa.large_string())])), repr(char)
    assert not _may_hold_control(pa.chunked_array([pa.array(["Site web", "Centre d'appels", "\u00a0€"])]))


def test_noncharacters_alone_are_cleaned_too(tmp_path):
    path = write(tmp_path / "feedback.csv", "customer_id,timestamp,stage,comment\n1,2024-03-01,purchase,"
                                            "Bien\ufffe reçu\uffff\n")
    validated = read_and_validate(path, "feedback", CTX)
    assert validated.errors == []
    assert list(validated.frame["comment"]) == ["Bien reçu"]
    assert validated.notes[0].startswith("2 control characters removed from the text (comment 2)")


def test_ids_with_a_control_character_are_refused_not_cleaned(tmp_path):
    reason = ("contains control characters (invisible, shown as <U+…>): an identifier is kept exactly as written, "
              "so it cannot be cleaned; correct it in the export")
    customers = write(tmp_path / "customers.csv", "customer_id,persona\n001,Pro\n00\x0712,Pro\n0\x8513,Pro\n")
    assert messages(customers, "customers") == [
        f"customers.csv line 3, column customer_id: '00<U+0007>12' {reason}",
        f"customers.csv line 4, column customer_id: '0<U+0085>13' {reason}"]
    rows = "".join(f"0002;01/03/2024;Web;Achat;T{i}\n" for i in range(2, 7))  # a file of 2 bytes is binary
    touchpoints = write(tmp_path / "touchpoints.csv", "Identifiant client;Date;Canal;Étape;Identifiant point de "
                                                      "contact\n00\x1b1;01/03/2024;Web;Achat;T\x021\n" + rows,
                        "cp1252")
    assert messages(touchpoints, "touchpoints") == [
        f"touchpoints.csv line 2, column Identifiant client (customer_id): '00<U+001B>1' {reason}",
        f"touchpoints.csv line 2, column Identifiant point de contact (touchpoint_id): 'T<U+0002>1' {reason}"]
    feedback = write(tmp_path / "feedback.csv", "customer_id,timestamp,stage,feedback_id\n1,2024-03-01,purchase,"
                                                "F\x7f1\n")
    assert messages(feedback, "feedback") == [f"feedback.csv line 2, column feedback_id: 'F<U+007F>1' {reason}"]


def test_ids_channel_and_type_names_are_bounded(tmp_path, db_url):
    """PostgreSQL's B-tree entries hold 2704 bytes: a 3000-character id failed at write there."""
    long_id, long_name = "9" * 3000, "Canal " + "x" * 300
    path = write(tmp_path / "touchpoints.csv", f"customer_id,timestamp,channel,stage,touchpoint\n{long_id},"
                                               f"2024-03-01,Web,awareness,clic\n1,2024-03-01,{long_name},awareness,"
                                               f"{long_name}\n")
    assert messages(path, "touchpoints") == [
        f"touchpoints.csv line 2, column customer_id: '{long_id[:59]}…' is too long: an identifier has at most 200 "
        "characters",
        f"touchpoints.csv line 3, column channel: '{long_name[:59]}…' is too long: a channel name has at most 200 "
        "characters",
        f"touchpoints.csv line 3, column touchpoint: '{long_name[:59]}…' is too long: a touchpoint type has at "
        "most 200 characters"]
    init(db_url)
    proc = cli("import", "--db", db_url, "--touchpoints", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert counts(db_url)["touchpoints"] == 0


# --- dates outside the business range -------------------------------------------------------------------------

DATES = [  # (as written, accepted?, reason when refused)
    ("1899-12-31", False, OUTSIDE),
    ("1900-01-01", True, None),
    ("2100-12-31", True, None),
    ("2100-12-31T23:59:59", True, None),
    ("2101-01-01", False, OUTSIDE),
    ("0000-01-01", False, OUTSIDE),
    ("0000-01-01T00:00:00", False, OUTSIDE),
    ("0001-01-01T00:30:00+02:00", False, OUTSIDE),
    ("9999-12-31T23:00:00-05:00", False, OUTSIDE),
    ("2100-12-31T23:30:00-02:00", False, MOVED_OUT),  # 2101-01-01 02:30 in Paris
    ("1900-01-01T00:30:00+02:00", False, MOVED_OUT),  # 1899-12-31 22:39:21 in Paris (local mean time then)
    ("2100-12-31T20:00:00Z", True, None),  # 21:00 in Paris
    ("31/12/1899", False, OUTSIDE),
    ("01/01/2101 00:00", False, OUTSIDE),
    ("31/12/9999 23:00", False, OUTSIDE),
]


@pytest.mark.parametrize(("value", "accepted", "reason"), DATES, ids=[d[0] for d in DATES])
def test_timestamps_outside_the_range_are_line_column_errors(tmp_path, value, accepted, reason):
    path = write(tmp_path / "touchpoints.csv", f"customer_id,timestamp,channel,stage\n1,2024-03-01,Web,awareness\n"
                                               f"1,{value},Web,purchase\n")
    feedback = write(tmp_path / "avis.csv", f"Client;Date;Étape\n1;{value};Achat\n", "cp1252")
    if accepted:
        assert messages(path, "touchpoints") == messages(feedback, "feedback") == []
    else:
        assert messages(path, "touchpoints") == [f"touchpoints.csv line 3, column timestamp: {value!r} {reason}"]
        assert messages(feedback, "feedback") == [f"avis.csv line 2, column Date (timestamp): {value!r} {reason}"]


@pytest.mark.parametrize(("value", "accepted", "reason"), DATES, ids=[d[0] for d in DATES])
def test_dates_outside_the_range_are_line_column_errors(tmp_path, value, accepted, reason):
    path = write(tmp_path / "customers.csv", f"customer_id,persona,signup_date,churn_date\n1,Pro,{value},\n"
                                             f"2,Pro,2024-01-01,{value}\n")
    if accepted:
        assert messages(path, "customers") == []
    else:
        assert messages(path, "customers") == [f"customers.csv line 2, column signup_date: {value!r} {reason}",
                                               f"customers.csv line 3, column churn_date: {value!r} {reason}"]


def test_the_range_is_a_setting(tmp_path):
    import datetime as dt

    path = write(tmp_path / "touchpoints.csv", "customer_id,timestamp,channel,stage\n1,1850-03-01,Web,awareness\n"
                                               "1,2024-03-01,Web,awareness\n")
    narrow = ImportContext.for_model(STAGE_MODELS["default"])
    narrow.earliest, narrow.latest = dt.date(1800, 1, 1), dt.date(2023, 12, 31)
    assert [str(e) for e in read_and_validate(path, "touchpoints", narrow).errors] == [
        "touchpoints.csv line 3, column timestamp: '2024-03-01' is outside the business range of dates: the "
        "accepted dates are 1800-01-01 to 2023-12-31"]


def test_odd_dates_through_the_command_line_write_nothing_and_never_a_traceback(tmp_path, db_url):
    rows = "".join(f"1,{value},Web,awareness,T{i}\n" for i, (value, _, _) in enumerate(DATES))
    path = write(tmp_path / "touchpoints.csv", "customer_id,timestamp,channel,stage,touchpoint_id\n" + rows)
    init(db_url)
    proc = cli("import", "--db", db_url, "--touchpoints", str(path))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    refused = sum(not accepted for _, accepted, _ in DATES)
    assert proc.stderr.startswith(f"Import refused, nothing was written: {refused} errors.")
    assert "line 10, column timestamp: '9999-12-31T23:00:00-05:00' is outside the business range" in proc.stderr
    assert counts(db_url) == dict.fromkeys(TABLES, 0)


# --- amounts the column cannot hold ------------------------------------------------------------------------------


def test_revenue_that_does_not_fit_numeric_18_4_is_refused(tmp_path, db_url):
    reason = ("is too large: amounts must be below 100\u202f000\u202f000\u202f000\u202f000 in absolute value (the "
              "database stores 4 decimals and at most 18 digits)")
    path = write(tmp_path / "touchpoints.csv", "customer_id,timestamp,channel,stage,revenue\n"
                                               "1,2024-03-01,Web,purchase,100000000000000\n"
                                               "1,2024-03-02,Web,purchase,-100000000000000\n"
                                               "1,2024-03-03,Web,purchase,99999999999999.99999\n"
                                               f"1,2024-03-04,Web,purchase,{'9' * 400}\n")
    french = write(tmp_path / "points.csv", "Client;Date;Canal;Étape;Montant (€)\n"
                                            "1;01/03/2024;Web;Achat;1 000 000 000 000 000,00 €\n", "cp1252")
    assert messages(path, "touchpoints") == [
        f"touchpoints.csv line 2, column revenue: '100000000000000' {reason}",
        f"touchpoints.csv line 3, column revenue: '-100000000000000' {reason}",
        f"touchpoints.csv line 4, column revenue: '99999999999999.99999' {reason}",  # rounds to 10^14
        f"touchpoints.csv line 5, column revenue: '{'9' * 59}…' {reason}"]
    assert messages(french, "touchpoints") == [
        f"points.csv line 2, column Montant (€) (revenue): '1 000 000 000 000 000,00 €' {reason}"]
    init(db_url)
    proc = cli("import", "--db", db_url, "--touchpoints", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert counts(db_url) == dict.fromkeys(TABLES, 0)
    # The largest amounts that fit are stored.
    fits = write(tmp_path / "fits.csv", "customer_id,timestamp,channel,stage,revenue\n"
                                        "1,2024-03-01,Web,purchase,99999999999999.98\n"
                                        "1,2024-03-02,Web,purchase,-99999999999999.98\n")
    proc = cli("import", "--db", db_url, "--touchpoints", str(fits))
    assert proc.returncode == 0, proc.stderr
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        stored = sorted(float(v) for v in conn.exec_driver_sql("select revenue from touchpoints").scalars())
    engine.dispose()
    assert stored == pytest.approx([-99999999999999.98, 99999999999999.98], abs=0.02)


# --- a full disk -----------------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MB file system of its own (tmpfs), unmounted afterwards."""
    folder = tmp_path / "disk"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], capture_output=True,
                          text=True)
    if done.returncode:
        pytest.skip(f"a full disk needs a small file system, and mount is not permitted here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture(scope="module")
def big_touchpoints(tmp_path_factory) -> Path:
    """About 400,000 touchpoints (30 MB of CSV, about 9 MB once stored)."""
    from loaders import sample

    folder = tmp_path_factory.mktemp("big")
    sample.write_export(sample.generate(40_000, seed=7), folder, fmt="csv")
    return folder / "touchpoints.csv"


def test_full_disk_is_one_line_exit_1_and_the_space_is_given_back(small_disk, big_touchpoints):
    url = f"duckdb:///{small_disk / 'parcours.duckdb'}"
    assert cli("init", "--db", url).returncode == 0
    database = small_disk / "parcours.duckdb"
    sizes = []
    for _ in range(2):  # the second failed import must not leave the file bigger than the first
        proc = cli("import", "--db", url, "--touchpoints", str(big_touchpoints))
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr
        lines = [line for line in proc.stderr.splitlines() if not line.startswith(("reading ", "  ", "writing"))]
        assert lines == [f"Import refused, nothing was written: the disk of {database} is full. The database is as "
                         "it was before this import; free some space and import again."]
        assert counts(url) == dict.fromkeys(TABLES, 0)
        sizes.append(database.stat().st_size)
        assert shutil.disk_usage(small_disk).free > 4 * 1024 * 1024, sizes  # the failed import's blocks went back
    assert sizes[1] <= sizes[0]
    # And the database still takes what fits.
    proc = cli("import", "--db", url, "--touchpoints", str(ROOT / "sample_data" / "touchpoints.csv"))
    assert proc.returncode == 0, proc.stderr
    assert counts(url)["touchpoints"] == 19_929


def test_full_disk_on_postgresql(tmp_path, big_touchpoints):
    """The touchpoints table (and its indexes) in a tablespace on an 8 MB file system of the server's machine."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need PARCOURS_TEST_POSTGRES_URL (a server URL); not set")
    host = sa.make_url(PG_URL).host
    if host not in (None, "localhost", "127.0.0.1", "::1") or shutil.which("chown") is None:
        pytest.skip(f"a full disk on PostgreSQL needs the server on this machine (here: {host})")
    folder = Path(tempfile.mkdtemp(prefix="parcours-pgdisk-"))  # the server's user cannot enter pytest's folders
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"a full disk needs a small file system, and mount is not permitted here: {done.stderr.strip()}")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        shutil.chown(folder, "postgres", "postgres")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"create tablespace {name} location '{folder}'")
            conn.exec_driver_sql(f"create schema {name}")
        url = _pg_schema_url(PG_URL, name)
        init(url)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"alter table {name}.touchpoints set tablespace {name}")
            for index in conn.exec_driver_sql(f"select indexname from pg_indexes where schemaname = '{name}' "
                                              "and tablename = 'touchpoints'").scalars().all():
                conn.exec_driver_sql(f"alter index {name}.{index} set tablespace {name}")
        proc = cli("import", "--db", url, "--touchpoints", str(big_touchpoints))
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr
        lines = [line for line in proc.stderr.splitlines() if not line.startswith(("reading ", "  ", "writing"))]
        assert lines == ["Import refused, nothing was written: the disk of the postgresql server (127.0.0.1) is "
                         "full. The database is as it was before this import; free some space and import again."]
        assert counts(url) == dict.fromkeys(TABLES, 0)
        # The database still works (PostgreSQL keeps the failed rows' pages until a VACUUM: the touchpoints'
        # tablespace stays full for now, the rest takes what fits).
        proc = cli("import", "--db", url, "--customers", str(ROOT / "sample_data" / "customers.csv"))
        assert proc.returncode == 0, proc.stderr
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"drop schema if exists {name} cascade")
            conn.exec_driver_sql(f"drop tablespace if exists {name}")
        admin.dispose()
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def test_disk_full_in_process_leaves_the_same_database_usable(small_disk, big_touchpoints):
    """The function the command line calls: DiskFull, and the same Database object imports what fits next."""
    from loaders.write import DiskFull

    database = dm.connect(f"duckdb:///{small_disk / 'parcours.duckdb'}")
    try:
        dm.initialise(database)
        with pytest.raises(DiskFull, match="is full"):
            run_import(database, {"touchpoints": big_touchpoints})
        assert main(["import", "--db", database.url, "--feedback", str(ROOT / "sample_data" / "feedback.csv")]) == 0
        summary = run_import(database, {"customers": ROOT / "sample_data" / "customers.csv"})
        assert summary.files[0].inserted > 0
    finally:
        database.close()
