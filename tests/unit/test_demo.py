"""The demo company in a database (loaders.demo): known by its batch, taken out whatever came after it, on DuckDB and
PostgreSQL — a user's files are never mixed with invented customers for lack of a way out."""

import sqlalchemy as sa

from analytics.dimensions import data_version
from loaders.demo import demo_was_removed, holds_demo, holds_only_the_demo, remove_demo
from loaders.write import has_data, import_history, run_import, undo_batch

DEMO = {
    "customers": "customer_id,persona,region\nD1,Famille,Bretagne\nD2,Senior prudent,Corse\nD3,Famille,Corse\n",
    "touchpoints": "customer_id,timestamp,channel,stage\nD1,2025-01-01T10:00:00,Site web,awareness\n"
                   "D1,2025-01-02T10:00:00,Magasin,purchase\nD2,2025-01-03T10:00:00,Site web,awareness\n"
                   "D3,2025-01-04T10:00:00,Application mobile,awareness\n",
    "feedback": "customer_id,timestamp,stage,channel,nps\nD1,2025-01-02T11:00:00,purchase,Magasin,9\n",
}


def files(tmp_path, name, contents):
    folder = tmp_path / name
    folder.mkdir()
    out = {}
    for kind, text in contents.items():
        (folder / f"{kind}.csv").write_text(text, encoding="utf-8")
        out[kind] = folder / f"{kind}.csv"
    return out


def rows(db, sql):
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql).all()]


def test_no_demo_in_a_database_without_it(db, tmp_path):
    assert not holds_demo(db) and not holds_only_the_demo(db) and not demo_was_removed(db)
    run_import(db, files(tmp_path, "mine", {"customers": "customer_id,persona\nU1,Famille\n"}))
    assert not holds_demo(db) and not holds_only_the_demo(db)


def test_remove_the_demo_alone_leaves_an_empty_database(db, tmp_path):
    run_import(db, files(tmp_path, "demo", DEMO), source="demo")
    assert holds_demo(db) and holds_only_the_demo(db)
    before = data_version(db)
    done = remove_demo(db)
    assert (done.customers, done.touchpoints, done.feedback, done.customers_kept) == (3, 4, 1, 0)
    assert not holds_demo(db) and not has_data(db)
    assert rows(db, "SELECT count(*) FROM channels") == [(0,)] and import_history(db) == []
    assert data_version(db) != before  # no cached result keeps the demo
    assert demo_was_removed(db)  # the app will not bring it back into the empty database


def test_remove_the_demo_after_a_users_import(db, tmp_path):
    run_import(db, files(tmp_path, "demo", DEMO), source="demo")
    mine = run_import(db, files(tmp_path, "mine", {
        # D1 updated by the user's CRM (its values win); D2 only referred to by the user's touchpoint
        "customers": "customer_id,persona,region\nD1,Cliente pressée,Normandie\nU1,Famille,Bretagne\n",
        "touchpoints": "customer_id,timestamp,channel,stage\nU1,2025-02-01T10:00:00,Magasin,awareness\n"
                       "D2,2025-02-02T10:00:00,Magasin,purchase\n",
    }))
    assert holds_demo(db) and not holds_only_the_demo(db)
    done = remove_demo(db)
    assert (done.touchpoints, done.feedback) == (4, 1)
    assert (done.customers, done.customers_kept) == (1, 1)  # D3 gone; D2 kept (the user's touchpoint refers to it)
    assert not holds_demo(db)
    assert rows(db, "SELECT customer_id, persona, region, batch_id FROM customers ORDER BY customer_id") == [
        ("D1", "Cliente pressée", "Normandie", mine.batch_id),   # the user's values
        ("D2", None, None, mine.batch_id),                       # kept without the demo's attributes
        ("U1", "Famille", "Bretagne", mine.batch_id)]
    assert rows(db, "SELECT customer_id, channel FROM touchpoints ORDER BY customer_id") == [
        ("D2", "magasin"), ("U1", "magasin")]
    assert rows(db, "SELECT code FROM channels ORDER BY code") == [("magasin",)]  # the demo's other channels gone
    assert [b["source"] for b in import_history(db)] == ["import"]
    # the user's import stays undoable, and undoing it now leaves nothing of the demo behind
    undo_batch(db, mine.batch_id)
    assert not has_data(db)
    for table in ("customers_history", "touchpoints_history", "feedback_history"):
        assert rows(db, f"SELECT count(*) FROM {table}") == [(0,)]


def test_remove_the_demo_when_a_later_import_updated_every_demo_row(db, tmp_path):
    run_import(db, files(tmp_path, "demo", DEMO), source="demo")
    theirs = DEMO["customers"].replace("Bretagne", "Finistère").replace("Corse", "Haute-Corse")
    run_import(db, files(tmp_path, "mine", {"customers": theirs}))
    done = remove_demo(db)
    # customers all rewritten by the user's import: theirs; the demo's touchpoints and answers: gone
    assert (done.customers, done.customers_kept, done.touchpoints, done.feedback) == (0, 0, 4, 1)
    assert rows(db, "SELECT region FROM customers ORDER BY customer_id") == [("Finistère",), ("Haute-Corse",),
                                                                          ("Haute-Corse",)]
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM touchpoints")).scalar() == 0
