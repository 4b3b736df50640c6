"""The import templates a new user downloads: every column, headers the importer recognises, and an example row
that imports as is, in French and in English."""

import pytest

from loaders.columns import COLUMNS, canonical_name, template_csv
from loaders.write import run_import


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_templates_import_as_they_are(duckdb_url, tmp_path, lang):
    import data_model as dm

    db = dm.connect(duckdb_url)
    dm.initialise(db)
    files = {}
    for kind in COLUMNS:
        data = template_csv(kind, lang)
        header = data.decode("utf-8-sig").splitlines()[0].split(";" if lang == "fr" else ",")
        assert [canonical_name(kind, h) for h in header] == [c.name for c in COLUMNS[kind]]
        files[kind] = tmp_path / f"{kind}-{lang}.csv"
        files[kind].write_bytes(data)
    summary = run_import(db, files)
    assert {f.kind: (f.rows_read, f.inserted) for f in summary.files} == {
        "customers": (1, 1), "touchpoints": (1, 1), "feedback": (1, 1)}
    with db.engine.connect() as conn:
        stage, revenue = conn.exec_driver_sql("SELECT stage, revenue FROM touchpoints").one()
        assert (stage, float(revenue)) == ("purchase", 64.9)
    db.close()
