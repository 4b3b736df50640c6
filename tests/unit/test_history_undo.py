"""Import history and undo of the latest batch (the Data page's actions), on both engines."""

import pytest
import sqlalchemy as sa

from loaders.write import import_history, run_import, undo_batch, undo_refusal


def counts(db):
    with db.engine.connect() as conn:
        return {t: conn.exec_driver_sql(f"select count(*) from {t}").scalar()
                for t in ("customers", "touchpoints", "channels", "import_batches")}


def test_undo_removes_everything_the_latest_import_wrote(db, tmp_path):
    first = tmp_path / "t1.csv"
    first.write_text("customer_id,timestamp,channel,stage\n1,2025-01-02,Web,awareness\n", encoding="utf-8")
    second = tmp_path / "t2.csv"
    second.write_text("customer_id,timestamp,channel,stage\n2,2025-01-03,Magasin,purchase\n", encoding="utf-8")
    run_import(db, {"touchpoints": first})
    before = counts(db)
    batch = run_import(db, {"touchpoints": second}).batch_id
    assert [b["id"] for b in import_history(db)] == [batch, batch - 1]
    assert import_history(db)[0]["files"][0]["inserted"] == 1
    assert "only the latest import" in undo_refusal(db, batch - 1)
    undo_batch(db, batch)
    assert counts(db) == before  # customer 2, its touchpoint, the new channel and the batch are gone
    with db.engine.connect() as conn:
        assert [r[0] for r in conn.exec_driver_sql("select code from channels")] == ["web"]


def test_undo_restores_the_values_an_import_updated(db, tmp_path):
    c = tmp_path / "c.csv"
    t = tmp_path / "t.csv"
    c.write_text("customer_id,persona,churned\n1,A,non\n", encoding="utf-8")
    t.write_text("customer_id,timestamp,channel,stage,revenue\n1,2025-01-02,Web,purchase,10.5\n", encoding="utf-8")
    run_import(db, {"customers": c, "touchpoints": t})
    c.write_text("customer_id,persona,churned\n1,B,oui\n2,C,non\n", encoding="utf-8")
    t.write_text("customer_id,timestamp,channel,stage,revenue\n1,2025-01-02,Web,purchase,99\n", encoding="utf-8")
    batch = run_import(db, {"customers": c, "touchpoints": t}).batch_id

    def state():
        with db.engine.connect() as conn:
            return (conn.execute(sa.text("select customer_id, persona, churned, batch_id, customer_no from customers "
                                         "order by customer_id")).all(),
                    conn.execute(sa.text("select id, revenue, batch_id, customer_no from touchpoints")).all())

    assert state()[0][0][1] == "B"
    undo_batch(db, batch)
    customers, touchpoints = state()
    assert [tuple(r) for r in customers] == [("1", "A", False, batch - 1, 1)]
    # id 2: the first file's line 2 (ids follow the input order, numbered by line)
    assert [(r[0], float(r[1]), r[2], r[3]) for r in touchpoints] == [(2, 10.5, batch - 1, 1)]
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from customers_history").scalar() == 0
    # and the earlier import can be undone in turn
    assert undo_refusal(db, batch - 1) is None
    undo_batch(db, batch - 1)
    assert counts(db) == {"customers": 0, "touchpoints": 0, "channels": 0, "import_batches": 0}


def test_only_the_latest_import_can_be_undone(db, tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("customer_id,persona\n1,A\n", encoding="utf-8")
    first = run_import(db, {"customers": f}).batch_id
    run_import(db, {"customers": f})
    with pytest.raises(ValueError, match="latest"):
        undo_batch(db, first)
