"""Database creation: stage models as data, the schema version, the CLI."""

import json
import subprocess
import sys
from decimal import Decimal

import pytest
import sqlalchemy as sa

import data_model as dm
from data_model.migrate import current_revision
from data_model.stages import StageModelError, load_stage_model
from tests.conftest import ROOT


def run(*args):
    return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("name, conversion, count", [("default", "purchase", 6), ("three-step", "decision", 3),
                                                     ("lifecycle", "acquisition", 6)])
def test_init_with_each_built_in_model(duckdb_url, name, conversion, count):
    proc = run("init", "--db", duckdb_url, "--stages", name)
    assert proc.returncode == 0, proc.stderr
    db = dm.connect(duckdb_url)
    stages = dm.stage_model(db)
    assert len(stages) == count and [s.position for s in stages] == list(range(1, count + 1))
    assert [s.code for s in stages if s.is_conversion] == [conversion]
    assert dm.meta(db, "stage_model") == name
    assert current_revision(db) == dm.models.SCHEMA_VERSION
    db.close()
    again = run("init", "--db", duckdb_url)
    assert again.returncode == 2 and "already has a stage model" in again.stderr


def test_custom_stage_model_from_json(tmp_path, db_url):
    spec = [{"code": "discover", "label_fr": "Découverte", "label_en": "Discover"},
            {"code": "buy", "label_fr": "Achat", "label_en": "Buy", "conversion": True,
             "touchpoint_types": ["Commande"]}]
    f = tmp_path / "model.json"
    f.write_text(json.dumps(spec), encoding="utf-8")
    db = dm.connect(db_url)
    dm.initialise(db, str(f))
    assert [(s.code, s.is_conversion) for s in dm.stage_model(db)] == [("discover", False), ("buy", True)]
    with db.session() as s:
        assert s.get(dm.TouchpointType, "commande").stage == "buy"
    db.close()


def test_custom_stage_model_from_csv_needs_exactly_one_conversion_stage(tmp_path):
    f = tmp_path / "model.csv"
    f.write_text("code,label_fr,label_en,conversion\na,A,A,\nb,B,B,\n", encoding="utf-8")
    with pytest.raises(StageModelError, match="exactly one"):
        load_stage_model(str(f))
    f.write_text("code,label_fr,label_en,conversion,touchpoint_types\na,A,A,,\nb,B,B,oui,x|y\n", encoding="utf-8")
    assert [s.is_conversion for s in load_stage_model(str(f))] == [False, True]


def test_unknown_model_name_is_a_clear_error(duckdb_url):
    proc = run("init", "--db", duckdb_url, "--stages", "nope")
    assert proc.returncode == 2 and "neither a stage model" in proc.stderr and "Traceback" not in proc.stderr
    french = run("init", "--db", duckdb_url, "--stages", "nope", "--lang", "fr")
    assert french.returncode == 2 and "'nope' n'est ni un modèle d'étapes (default" in french.stderr


def test_a_bad_stage_model_is_said_in_both_languages():
    with pytest.raises(StageModelError) as caught:
        dm.stages.validate_stage_model([])
    assert str(caught.value) == "stage model: no stages"
    assert caught.value.message_in("fr") == "modèle d'étapes\u00a0: aucune étape"


def test_a_database_made_at_schema_0001_is_upgraded_when_opened(db_url):
    db = dm.connect(db_url)
    dm.initialise(db)
    with db.engine.begin() as conn:  # as a Parcours of schema 0001 left it: no history tables
        for name in ("customers_history", "touchpoints_history", "feedback_history"):
            conn.exec_driver_sql(f"drop table {name}")
        conn.exec_driver_sql("update alembic_version set version_num = '0001'")
        conn.exec_driver_sql("update parcours_meta set value = '0001' where key = 'schema_version'")
    db.close()
    db = dm.connect(db_url)
    assert current_revision(db) == dm.models.SCHEMA_VERSION
    assert dm.meta(db, "schema_version") == dm.models.SCHEMA_VERSION
    assert sa.inspect(db.engine).has_table("customers_history")
    db.close()


def test_migration_0002_spells_the_same_columns_as_the_models():
    import importlib.util

    from data_model.models import HISTORY

    path = ROOT / "data_model" / "migrations" / "versions" / "0002_import_history.py"
    spec = importlib.util.spec_from_file_location("m0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, columns in module._tables().items():
        model = HISTORY[name.removesuffix("_history")]
        spelt = [(c.name, c.type._type_affinity) for c in columns]
        # customer_no came with schema 0003, the touchpoints' source with 0007
        assert spelt == [(c.name, c.type._type_affinity) for c in model.columns
                         if c.name not in ("customer_no", "source")][1:]


def test_map_type_edits_the_mapping(duckdb_url):
    assert run("init", "--db", duckdb_url).returncode == 0
    proc = run("map-type", "--db", duckdb_url, "Visite Magasin", "consideration")
    assert proc.returncode == 0, proc.stderr
    db = dm.connect(duckdb_url)
    with db.session() as s:
        assert s.get(dm.TouchpointType, "visite_magasin").stage == "consideration"
    db.close()
    bad = run("map-type", "--db", duckdb_url, "x", "nowhere")
    assert bad.returncode == 2 and "accepted" in bad.stderr


def test_a_database_with_data_at_schema_0002_gets_customer_numbers_and_the_same_report(db_url):
    from analytics.report import report
    from loaders.write import run_import
    from tests.conftest import EXAMPLES

    db = dm.connect(db_url)
    dm.initialise(db)
    files = {"customers": EXAMPLES / "clients.csv", "touchpoints": EXAMPLES / "points_de_contact.csv",
             "feedback": EXAMPLES / "avis.csv"}
    run_import(db, files)
    expected = report(db)
    with db.engine.begin() as conn:  # as a Parcours of schema 0002 left it: no customer numbers
        for table in ("customers", "touchpoints", "feedback"):
            conn.exec_driver_sql(f"alter table {table} drop column customer_no")
            # DuckDB alters no table with an index: the history table's index goes and comes back
            conn.exec_driver_sql(f"drop index ix_{table}_history_undo_batch_id")
            conn.exec_driver_sql(f"alter table {table}_history drop column customer_no")
            conn.exec_driver_sql(f"create index ix_{table}_history_undo_batch_id on {table}_history (undo_batch_id)")
        conn.exec_driver_sql("update alembic_version set version_num = '0002'")
        conn.exec_driver_sql("update parcours_meta set value = '0002' where key = 'schema_version'")
    db.close()
    db = dm.connect(db_url)
    assert current_revision(db) == dm.models.SCHEMA_VERSION
    with db.engine.connect() as conn:
        numbers = dict(conn.exec_driver_sql("select customer_id, customer_no from customers").all())
        assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))  # numbered in customer_id order
        assert [numbers[c] for c in sorted(numbers)] == sorted(numbers.values())
        for table in ("touchpoints", "feedback"):
            rows = conn.exec_driver_sql(f"select customer_id, customer_no from {table}").all()
            assert rows and all(numbers[cid] == no for cid, no in rows)
    assert report(db) == expected
    run_import(db, files)  # importing again after the upgrade changes nothing
    assert report(db) == expected
    db.close()


def test_a_database_with_data_at_schema_0006_gets_the_touchpoints_source_and_keeps_its_data(db_url, tmp_path):
    from analytics.report import report
    from loaders.write import import_history, run_import, undo_batch
    from tests.conftest import EXAMPLES

    db = dm.connect(db_url)
    dm.initialise(db)
    files = {"customers": EXAMPLES / "clients.csv", "touchpoints": EXAMPLES / "points_de_contact.csv",
             "feedback": EXAMPLES / "avis.csv"}
    run_import(db, files)
    # a second import changes one touchpoint's amount: its previous values go to the history, for the undo
    lines = (EXAMPLES / "points_de_contact.csv").read_text(encoding="cp1252").splitlines()
    changed = tmp_path / "points_de_contact.csv"
    header, first = lines[0].split(";"), lines[1].split(";")
    first[header.index("Montant (€)")] = "1234,56"
    changed.write_text("\n".join([lines[0], ";".join(first)]) + "\n", encoding="cp1252")
    run_import(db, {"touchpoints": changed})
    expected = report(db)
    with db.engine.connect() as conn:
        before = conn.exec_driver_sql("select natural_key, revenue from touchpoints order by id").all()
        assert conn.exec_driver_sql("select count(*) from touchpoints_history").scalar() == 1
    with db.engine.begin() as conn:  # as a Parcours of schema 0006 left it: no source column
        conn.exec_driver_sql("alter table touchpoints drop column source")
        # DuckDB alters no table with an index: the history table's index goes and comes back
        conn.exec_driver_sql("drop index ix_touchpoints_history_undo_batch_id")
        conn.exec_driver_sql("alter table touchpoints_history drop column source")
        conn.exec_driver_sql("create index ix_touchpoints_history_undo_batch_id on touchpoints_history (undo_batch_id)")
        conn.exec_driver_sql("update alembic_version set version_num = '0006'")
        conn.exec_driver_sql("update parcours_meta set value = '0006' where key = 'schema_version'")
    db.close()
    db = dm.connect(db_url)
    try:
        latest = dm.models.SCHEMA_VERSION
        assert current_revision(db) == latest and dm.meta(db, "schema_version") == latest
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("select natural_key, revenue from touchpoints order by id").all() == before
            assert conn.exec_driver_sql("select count(*) from touchpoints where source is not null").scalar() == 0
            assert conn.exec_driver_sql("select count(source), count(*) from touchpoints_history").one() == (0, 1)
        got = report(db)
        assert got == expected and got["sources"] == {"customers": 0, "spanning": 0, "share": None}
        undo_batch(db, import_history(db)[0]["id"])  # the history kept before the upgrade restores the amount
        with db.engine.connect() as conn:
            restored = dict(conn.exec_driver_sql("select natural_key, revenue from touchpoints").all())
        first_key = before[0][0]
        assert dict(before)[first_key] == Decimal("1234.56") and restored[first_key] is None
        assert len(restored) == len(before)
        # the same export again, now from a named system: every touchpoint is updated with its source
        summary = run_import(db, {"touchpoints": files["touchpoints"]}, source_system="crm")
        assert summary.files[0].updated == len(before) and summary.files[0].inserted == 0
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("select distinct source from touchpoints").all() == [("crm",)]
    finally:
        db.close()


def test_a_database_with_data_at_schema_0005_opens_at_the_latest_schema_with_the_same_report(db_url):
    """As every Parcours before the quarantine left it (b9001a9 and earlier): data, the history tables' indexes, no
    quarantine columns, no touchpoint source, no identity tables. DuckDB alters no table that holds rows and an
    index once that index is on disk (CHECKPOINT), which a 1M-customer database of b9001a9 showed: the migrations
    take the indexes off and put them back."""
    from analytics.report import report
    from loaders.write import run_import
    from tests.conftest import EXAMPLES

    db = dm.connect(db_url)
    dm.initialise(db)
    run_import(db, {"customers": EXAMPLES / "clients.csv", "touchpoints": EXAMPLES / "points_de_contact.csv",
                    "feedback": EXAMPLES / "avis.csv"})
    expected = report(db)
    duckdb = db.dialect == "duckdb"
    with db.engine.begin() as conn:
        indexes = {"import_files": ["ix_import_files_batch_id"],
                   "touchpoints_history": ["ix_touchpoints_history_undo_batch_id"]}
        for table, columns in {"import_batches": ["on_error"], "import_files": ["rejected"],
                               "touchpoints": ["source"], "touchpoints_history": ["source"]}.items():
            for name in indexes.get(table, []) if duckdb else []:
                conn.exec_driver_sql(f"drop index {name}")
            for column in columns:
                conn.exec_driver_sql(f"alter table {table} drop column {column}")
            for name in indexes.get(table, []) if duckdb else []:
                column = "batch_id" if table == "import_files" else "undo_batch_id"
                conn.exec_driver_sql(f"create index {name} on {table} ({column})")
        for table in ("identity_links", "identities"):
            conn.exec_driver_sql(f"drop table {table}")
        conn.exec_driver_sql("update alembic_version set version_num = '0005'")
        conn.exec_driver_sql("update parcours_meta set value = '0005' where key = 'schema_version'")
    if duckdb:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("checkpoint")
    db.close()
    db = dm.connect(db_url)
    try:
        latest = dm.models.SCHEMA_VERSION
        assert current_revision(db) == latest and dm.meta(db, "schema_version") == latest
        assert report(db) == expected
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("select min(rejected), max(rejected) from import_files").one() == (0, 0)
            assert conn.exec_driver_sql("select count(*) from identity_links").scalar() == 0
            if duckdb:  # the indexes came back
                names = {r[0] for r in conn.exec_driver_sql("select index_name from duckdb_indexes()")}
                assert {"ix_import_files_batch_id", "ix_touchpoints_history_undo_batch_id"} <= names
    finally:
        db.close()


def test_every_database_text_is_used_in_both_languages():
    """The database's refusals name their texts by key (``DatabaseUnavailable("db.…")``): each key used exists in
    French and English, and each entry is used (data_model and the command line)."""
    import re

    from i18n import CATALOGUE, DATABASE_TEXTS

    sources = [*sorted((ROOT / "data_model").glob("*.py")), ROOT / "loaders" / "__main__.py"]
    used = set(re.findall(r'"(db\.[\w.]+)"', "\n".join(p.read_text(encoding="utf-8") for p in sources)))
    assert sorted(used - set(CATALOGUE)) == [] and sorted(set(DATABASE_TEXTS) - used) == []
    for key, entry in DATABASE_TEXTS.items():
        assert entry["fr"] and entry["en"], key
        assert not re.search(r" [:;?!]", entry["fr"]), (key, entry["fr"])
