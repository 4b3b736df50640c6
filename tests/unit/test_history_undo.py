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
    assert undo_refusal(db, batch - 1) == "only the latest import can be undone"
    undo_batch(db, batch)
    assert counts(db) == before  # customer 2, its touchpoint, the new channel and the batch are gone
    with db.engine.connect() as conn:
        assert [r[0] for r in conn.exec_driver_sql("select code from channels")] == ["web"]


def test_an_import_that_updated_rows_cannot_be_undone(db, tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("customer_id,persona\n1,A\n", encoding="utf-8")
    run_import(db, {"customers": f})
    f.write_text("customer_id,persona\n1,B\n", encoding="utf-8")
    batch = run_import(db, {"customers": f}).batch_id
    assert "updated existing rows" in undo_refusal(db, batch)
    with pytest.raises(ValueError):
        undo_batch(db, batch)
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("select persona from customers")).scalar() == "B"
