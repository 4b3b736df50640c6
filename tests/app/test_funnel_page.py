"""The funnel and overview pages on marketplace orders (issue 15): stages nobody was seen at read "not observed",
the stage most customers skipped says so, and the weakest step is not After-sales → Loyalty."""

import json

import data_model as dm
from tests.app.conftest import fresh_app
from tests.unit.test_funnel_observed import orders


def test_funnel_and_overview_say_what_was_seen(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'orders.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    orders(db)
    db.close()
    at = fresh_app(url, monkeypatch).run()
    assert not at.exception, at.exception
    flag = " ".join(i.value for i in at.info)
    assert "Achat → Service après-vente" in flag and "Fidélisation n'est pas classée" in flag

    at.switch_page("app_pages/funnel.py").run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert "Non observées dans les données (aucun point de contact, hors des taux de passage)\u00a0: "\
           "Sensibilisation, Considération." in captions
    assert any(c.startswith("Fidélisation\u00a0: 85,9\u202f% des clients atteignent une étape ultérieure sans point "
                            "de contact ici (56 atteignent l'étape, 1 y est vu)") for c in captions), captions
    table = at.dataframe[0].value
    assert table["Depuis l'étape précédente"].tolist()[:2] == ["non observée"] * 2
    charts = at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart")
    assert charts
    for chart in charts:
        spec = chart.proto.spec
        assert "NaN" not in spec and "Infinity" not in spec
        json.loads(spec)
