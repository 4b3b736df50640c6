"""The editable import settings: type → stage mapping and channel kinds (Data page and CLI)."""

import pytest

from loaders.settings import SettingError, replace_type_mapping, set_channel_kind, set_type_stage
from loaders.write import import_context, run_import


def test_type_mapping_is_edited_and_used_by_the_next_import(db, tmp_path):
    assert set_type_stage(db, "Visite Magasin", "consideration") == "visite_magasin"
    f = tmp_path / "t.csv"
    f.write_text("customer_id,timestamp,channel,type\n1,2025-01-02,Magasin,visite magasin\n", encoding="utf-8")
    run_import(db, {"touchpoints": f})
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("select stage from touchpoints").scalar() == "consideration"


def test_replacing_the_mapping_checks_every_row_first(db):
    before = import_context(db).touchpoint_types
    with pytest.raises(SettingError, match="not a stage"):
        replace_type_mapping(db, {"commande": "purchase", "clic": "nowhere"})
    assert import_context(db).touchpoint_types == before  # nothing saved
    replace_type_mapping(db, {"Commande": "purchase", "Clic pub": "awareness"})
    assert import_context(db).touchpoint_types == {"commande": "purchase", "clic_pub": "awareness"}


def test_channel_kind(db, tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("customer_id,timestamp,channel,stage\n1,2025-01-02,Borne interactive,awareness\n", encoding="utf-8")
    run_import(db, {"touchpoints": f})
    assert set_channel_kind(db, "Borne interactive", "physical") == "borne_interactive"
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("select kind from channels").scalar() == "physical"
    with pytest.raises(SettingError, match="No channel"):
        set_channel_kind(db, "fax", "physical")
    with pytest.raises(SettingError, match="not a channel kind"):
        set_channel_kind(db, "borne_interactive", "hybrid")
