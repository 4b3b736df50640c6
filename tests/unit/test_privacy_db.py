"""Personal data in a real database (DuckDB file, PostgreSQL schema): pseudonymised customer ids, refusals,
forgetting customers and the imports that follow, through the command line run in-process."""

import pytest
import sqlalchemy as sa

import data_model as dm
from loaders import privacy
from loaders.__main__ import main
from loaders.privacy import PrivacyError, forget
from loaders.write import import_context, run_import, undo_batch, validate_files, write_validated

KEY = "Jx7Qk2mV9pL4sT8wR3nB6yH1cF5dG0zA-test-key"  # ~230 bits (key_bits)
RAW_IDS = ("CRM-784512", "CRM-784513", "CRM-999001")
CUSTOMERS = "customer_id,persona,churned\nCRM-784512,Famille,non\nCRM-784513,Pro,oui\n"
TOUCHPOINTS = ("customer_id,timestamp,channel,stage\n"
               "CRM-784512,2025-01-02 10:00,Web,awareness\n"
               "CRM-784513,2025-01-03 10:00,Magasin,purchase\n"
               "CRM-999001,2025-01-04 10:00,Web,consideration\n"
               "CRM-784512,2025-01-05 10:00,Magasin,purchase\n")
FEEDBACK = ("customer_id,timestamp,stage,nps,comment\n"
            "CRM-784512,2025-01-06,purchase,9,Appelez-moi au 06 12 34 56 78 ou jean@exemple.fr\n"
            "CRM-784513,2025-01-07,purchase,3,Carte 4111 1111 1111 1111 débitée deux fois\n")


@pytest.fixture(autouse=True)
def no_key_around(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.setattr(privacy, "secrets_files", lambda: [tmp_path / "secrets.toml"])


@pytest.fixture
def files(tmp_path):
    out = {}
    for kind, text in (("customers", CUSTOMERS), ("touchpoints", TOUCHPOINTS), ("feedback", FEEDBACK)):
        out[kind] = tmp_path / f"{kind}.csv"
        out[kind].write_text(text, encoding="utf-8")
    return out


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def import_args(url, files, *more):
    return ("import", "--db", url, "--customers", str(files["customers"]), "--touchpoints",
            str(files["touchpoints"]), "--feedback", str(files["feedback"]), *more)


def counts(url) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.exec_driver_sql(f"select count(*) from {t}").scalar()
                    for t in ("customers", "touchpoints", "feedback", "import_batches", "forget_log",
                              "forgotten_customers", "parcours_secrets", "customers_history")}
    finally:
        engine.dispose()


def text_holding(url, needles) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a text column of any table holds one of ``needles``."""
    engine = sa.create_engine(url)
    found = []
    try:
        with engine.connect() as conn:
            columns = conn.exec_driver_sql(
                "select table_name, column_name from information_schema.columns where table_schema = "
                "current_schema() and lower(data_type) in ('varchar', 'character varying', 'text')").all()
            assert len({t for t, _ in columns}) >= 16  # every table, the new ones included
            for table, column in columns:
                for needle in needles:
                    hit = conn.execute(sa.text(f'select count(*) from "{table}" where strpos("{column}", :n) > 0'),
                                       {"n": needle}).scalar()
                    if hit:
                        found.append((table, column, needle))
    finally:
        engine.dispose()
    return found


def pseudonymised(url, key=KEY) -> None:
    db = dm.connect(url)
    dm.initialise(db, settings=privacy.pseudonym_settings(privacy.PseudonymKey(key.encode(), "test")))
    db.close()


# --- pseudonyms -----------------------------------------------------------------------------------------------


def test_raw_ids_never_reach_a_pseudonymised_database(db_url, files, capsys, monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    code, out, err = cli(capsys, "init", "--db", db_url, "--pseudonymise")
    assert code == 0, err
    assert "stored as pseudonyms" in out
    code, out, err = cli(capsys, *import_args(db_url, files))
    assert code == 0, err
    assert "note: customer IDs stored as pseudonyms" in out
    assert "personal data masked in comments: 1 e-mail address, 1 phone number" in out
    # an update keeps previous values for undo: they must be pseudonyms too
    files["customers"].write_text(CUSTOMERS.replace("Famille", "Solo"), encoding="utf-8")
    code, out, err = cli(capsys, *import_args(db_url, files))
    assert code == 0 and "2 rows read, 0 written, 1 updated, 1 unchanged" in out
    assert counts(db_url)["customers_history"] == 1
    assert text_holding(db_url, RAW_IDS + ("784512", "999001", "06 12 34", "jean@", "4111 1111")) == []
    key = privacy.PseudonymKey(KEY.encode(), "test")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        stored = {r[0] for r in conn.exec_driver_sql("select customer_id from customers")}
        keys = [r[0] for r in conn.exec_driver_sql("select natural_key from touchpoints order by id")]
        comments = sorted(r[0] for r in conn.exec_driver_sql("select comment from feedback"))
    engine.dispose()
    assert stored == {privacy.pseudonym(i, key) for i in RAW_IDS}
    assert keys[0].startswith(f"k:{privacy.pseudonym('CRM-784512', key)}\x1f")
    assert comments == ["Appelez-moi au [téléphone] ou [email]", "Carte [carte] débitée deux fois"]


def test_pseudonyms_are_stable_across_imports_and_differ_with_another_key(tmp_path, files, monkeypatch, capsys):
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    first, second = f"duckdb:///{tmp_path / 'a.duckdb'}", f"duckdb:///{tmp_path / 'b.duckdb'}"
    assert cli(capsys, "init", "--db", first, "--pseudonymise")[0] == 0
    assert cli(capsys, *import_args(first, files))[0] == 0
    code, out, _ = cli(capsys, *import_args(first, files))  # the same customers: nothing new
    assert code == 0 and "4 rows read, 0 written, 0 updated, 4 unchanged" in out
    assert counts(first)["customers"] == 3
    monkeypatch.setenv(privacy.KEY_ENV, "1f9c3e7a5b2d8f4e6a0c9b7d3e5f1a2c4b6d8e0f2a4c6e8b")
    assert cli(capsys, "init", "--db", second, "--pseudonymise")[0] == 0
    assert cli(capsys, *import_args(second, files))[0] == 0

    def ids(url):
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            result = {r[0] for r in conn.exec_driver_sql("select customer_id from customers")}
        engine.dispose()
        return result

    assert len(ids(first)) == len(ids(second)) == 3 and ids(first).isdisjoint(ids(second))


def test_import_without_the_key_or_with_another_is_refused_and_writes_nothing(duckdb_url, files, capsys,
                                                                             monkeypatch):
    pseudonymised(duckdb_url)
    code, _, err = cli(capsys, *import_args(duckdb_url, files))
    assert code == 2 and "Traceback" not in err
    assert "nothing was written" in err and "stores customer IDs as pseudonyms and no pseudonym key was found" in err
    monkeypatch.setenv(privacy.KEY_ENV, "not-the-key-of-this-database")
    code, _, err = cli(capsys, *import_args(duckdb_url, files))
    assert code == 2 and "is not the one this database was created with" in err
    monkeypatch.setenv(privacy.KEY_ENV, "short")
    code, _, err = cli(capsys, *import_args(duckdb_url, files))
    assert code == 2 and "use at least 16" in err
    assert counts(duckdb_url) == dict.fromkeys(counts(duckdb_url), 0)
    # the Data page's path (validate, then write) refuses the same way, as an error it shows
    monkeypatch.delenv(privacy.KEY_ENV)
    db = dm.connect(duckdb_url)
    with pytest.raises(Exception, match="no pseudonym key was found") as refused:
        validate_files(files, import_context(db))
    assert type(refused.value).__name__ == "InputErrors"
    # rows checked without the key are refused by the writer too
    raw_db = f"duckdb:///{duckdb_url.split(':///')[1]}.raw"
    plain = dm.connect(raw_db)
    dm.initialise(plain)
    checked = validate_files(files, import_context(plain))
    plain.close()
    with pytest.raises(PrivacyError, match="checked without this database's pseudonym key"):
        write_validated(db, checked)
    db.close()
    assert counts(duckdb_url)["customers"] == 0


def test_init_refuses_a_short_key_before_creating_anything(tmp_path, capsys, monkeypatch):
    path = tmp_path / "new.duckdb"
    code, _, err = cli(capsys, "init", "--db", f"duckdb:///{path}", "--pseudonymise")
    assert code == 2 and "No pseudonym key" in err and not path.exists()
    monkeypatch.setenv(privacy.KEY_ENV, "0123456789abcde")  # 15 characters
    code, _, err = cli(capsys, "init", "--db", f"duckdb:///{path}", "--pseudonymise")
    assert code == 2 and "15 characters long" in err and not path.exists()


def test_pseudonyms_cannot_be_switched_on_over_raw_ids(duckdb_url, files, capsys, monkeypatch):
    assert cli(capsys, "init", "--db", duckdb_url)[0] == 0
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    code, out, err = cli(capsys, *import_args(duckdb_url, files))
    assert code == 0
    assert "a pseudonym key is set ($PARCOURS_PSEUDONYM_KEY) but this database stores customer IDs as given" in out
    code, _, err = cli(capsys, "init", "--db", duckdb_url, "--pseudonymise")
    assert code == 2 and "Traceback" not in err
    assert "already holds customer IDs as they appear in the CRM" in err
    assert "python -m loaders init --db NEW_URL --pseudonymise" in err and "import the files again" in err
    db = dm.connect(duckdb_url)
    assert dm.meta(db, "customer_ids") == "raw" and not privacy.is_pseudonymised(db)
    db.close()


def test_an_empty_database_can_switch_pseudonyms_on(duckdb_url, files, capsys, monkeypatch):
    assert cli(capsys, "init", "--db", duckdb_url)[0] == 0  # e.g. the app created it empty
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    code, out, _ = cli(capsys, "init", "--db", duckdb_url, "--pseudonymise")
    assert code == 0 and "pseudonyms from now on" in out
    code, out, _ = cli(capsys, "init", "--db", duckdb_url, "--pseudonymise")
    assert code == 0 and "already stores customer IDs as pseudonyms" in out
    assert cli(capsys, *import_args(duckdb_url, files))[0] == 0
    assert text_holding(duckdb_url, RAW_IDS) == []


# --- forgetting -----------------------------------------------------------------------------------------------


def test_forget_deletes_everything_logs_without_the_id_and_later_imports_skip(db_url, files, capsys):
    assert cli(capsys, *import_args(db_url, files))[0] == 0
    files["customers"].write_text(CUSTOMERS.replace("Famille", "Solo"), encoding="utf-8")
    assert cli(capsys, *import_args(db_url, files))[0] == 0  # customers_history holds CRM-784512's old values
    before = counts(db_url)
    assert {("customers", "customer_id", "CRM-784512"), ("customers_history", "customer_id", "CRM-784512")} <= set(
        text_holding(db_url, ("CRM-784512",)))  # the search finds what is there
    code, out, err = cli(capsys, "forget", "--db", db_url, "CRM-784512")
    assert code == 0, err
    assert "Forgot 1 customer: deleted 2 touchpoints, 1 feedback row and 1 undo value" in out
    after = counts(db_url)
    assert (after["customers"], after["touchpoints"], after["feedback"]) == (
        before["customers"] - 1, before["touchpoints"] - 2, before["feedback"] - 1)
    assert after["forget_log"] == after["forgotten_customers"] == after["parcours_secrets"] == 1
    assert after["customers_history"] == 0
    assert text_holding(db_url, ("CRM-784512", "784512")) == []  # no table, the log included, holds the id
    db = dm.connect(db_url)
    log = privacy.forget_log(db)
    assert len(log) == 1 and log[0]["customers"] == 1 and log[0]["touchpoints"] == 2 and log[0]["feedback"] == 1
    assert log[0]["history_rows"] == 1 and log[0]["source"] == "cli" and log[0]["forgotten_at"] is not None
    # the next CRM export still holds the customer: every file's rows of theirs are skipped, and said so
    summary = run_import(db, files)
    skipped = {f.kind: f.skipped_forgotten for f in summary.files}
    assert skipped == {"customers": 1, "touchpoints": 2, "feedback": 1}
    lines = "\n".join(summary.lines())
    assert "note: 2 rows of forgotten customers skipped" in lines and "note: 1 row of forgotten" in lines
    assert [(f.inserted, f.updated) for f in summary.files] == [(0, 0)] * 3
    db.close()
    assert counts(db_url)["customers"] == after["customers"]
    assert text_holding(db_url, ("CRM-784512",)) == []
    code, out, _ = cli(capsys, *import_args(db_url, files))
    assert code == 0 and "rows of forgotten customers skipped" in out


def test_forget_an_unknown_id_exits_2_and_writes_nothing(db_url, files, capsys):
    assert cli(capsys, *import_args(db_url, files))[0] == 0
    before = counts(db_url)
    code, out, err = cli(capsys, "forget", "--db", db_url, "CRM-784512", "CRM-000000")
    assert code == 2 and "Traceback" not in err
    assert "No customer 'CRM-000000' in this database: nothing was deleted" in err
    assert counts(db_url) == before  # the known one is not deleted either; no salt was made
    code, _, err = cli(capsys, "forget", "--db", db_url)
    assert code == 2 and "Give the customer IDs to forget" in err


def test_forget_twice_a_file_of_ids_and_undo_after_forget(duckdb_url, files, capsys, tmp_path):
    assert cli(capsys, *import_args(duckdb_url, files))[0] == 0
    files["customers"].write_text(CUSTOMERS.replace("Pro", "Expert"), encoding="utf-8")
    assert cli(capsys, *import_args(duckdb_url, files))[0] == 0
    ids = tmp_path / "ids.txt"
    ids.write_text("CRM-784513\n\n  CRM-999001  \n", encoding="utf-8")
    code, out, _ = cli(capsys, "forget", "--db", duckdb_url, "--file", str(ids))
    assert code == 0 and "Forgot 2 customers" in out
    code, out, _ = cli(capsys, "forget", "--db", duckdb_url, "CRM-784513")
    assert code == 0 and "1 ID was already forgotten" in out
    assert counts(duckdb_url)["forget_log"] == 1
    db = dm.connect(duckdb_url)
    undo_batch(db, 2)  # the update of CRM-784513 is undone: the forgotten customer does not come back
    db.close()
    assert counts(duckdb_url)["customers"] == 1 and text_holding(duckdb_url, ("CRM-784513", "CRM-999001")) == []
    code, _, err = cli(capsys, "forget", "--db", f"duckdb:///{tmp_path / 'none.duckdb'}", "X")
    assert code == 1 and "There is no database" in err


def test_forget_in_a_pseudonymised_database(db_url, files, capsys, monkeypatch):
    pseudonymised(db_url)
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    assert cli(capsys, *import_args(db_url, files))[0] == 0
    key = privacy.PseudonymKey(KEY.encode(), "test")
    db = dm.connect(db_url)
    result = forget(db, ["CRM-784512", privacy.pseudonym("CRM-784513", key)], source="app")  # CRM id or pseudonym
    assert (result.customers, result.touchpoints, result.feedback) == (2, 3, 2)
    summary = run_import(db, files)
    assert {f.kind: f.skipped_forgotten for f in summary.files} == {"customers": 2, "touchpoints": 3,
                                                                    "feedback": 2}
    monkeypatch.delenv(privacy.KEY_ENV)
    with pytest.raises(PrivacyError, match="no pseudonym key was found"):
        forget(db, ["CRM-999001"])
    db.close()
    c = counts(db_url)
    assert c["customers"] == 1 and c["parcours_secrets"] == 0  # the key is the secret: no salt
    assert text_holding(db_url, RAW_IDS) == []


def test_a_schema_0003_database_is_upgraded_to_0004_and_on(db_url, files):
    db = dm.connect(db_url)
    dm.initialise(db)
    run_import(db, files)
    engine = db.engine

    def columns():
        with engine.connect() as conn:
            return conn.exec_driver_sql(
                "select table_name, column_name, data_type, is_nullable from information_schema.columns "
                "where table_schema = current_schema() and table_name in ('forgotten_customers', 'forget_log', "
                "'parcours_secrets') order by table_name, ordinal_position").all()

    fresh = columns()
    with engine.begin() as conn:  # as a Parcours of schema 0003 left it
        for table in ("forgotten_customers", "forget_log", "parcours_secrets"):
            conn.exec_driver_sql(f"drop table {table}")
        conn.exec_driver_sql("delete from parcours_meta where key = 'customer_ids'")
        conn.exec_driver_sql("update alembic_version set version_num = '0003'")
        conn.exec_driver_sql("update parcours_meta set value = '0003' where key = 'schema_version'")
    db.close()
    db = dm.connect(db_url)
    engine = db.engine
    assert dm.meta(db, "schema_version") == "0007" and dm.meta(db, "customer_ids") == "raw"
    assert columns() == fresh
    assert forget(db, ["CRM-999001"]).customers == 1
    db.close()
