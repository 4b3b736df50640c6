import data_model as dm


def test_initialise_records_default_stage_model(db):
    stages = dm.stage_model(db)
    assert [s.code for s in stages] == ["awareness", "consideration", "purchase", "service", "loyalty", "advocacy"]
    assert [s.code for s in stages if s.is_conversion] == ["purchase"]
    assert db.ibis.table("stages").count().execute() == 6
