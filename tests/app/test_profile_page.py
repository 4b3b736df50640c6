"""The Data page's source profiles (issue 17): the draft's column for each field preselected in a dropdown, a
change taken into the check, the first journeys previewed, the import written and the profile kept for the next
import of that source."""

import data_model as dm
from loaders import public_shapes, suggest
from loaders.profile import saved_profiles
from loaders.write import run_import
from tests.app.conftest import fresh_app
from tests.conftest import DEMO_FILES


def test_a_source_goes_in_through_a_draft_profile_edited_on_the_data_page(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'p.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db, timezone="America/Sao_Paulo")
    run_import(db, {"customers": DEMO_FILES["customers"]})  # not empty: no demo to choose about
    db.close()
    folder = tmp_path / "source"
    paths = public_shapes.write_csvs(public_shapes.marketplace(300, seed=3, twice_reviews=5), folder)
    draft = suggest.suggest(paths)
    at = fresh_app(url, monkeypatch).run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    at.session_state["profile_source"] = {"folder": str(folder), "spec": draft.profile, "evidence": draft.evidence}
    at.run()
    assert not at.exception, at.exception
    person = at.selectbox(key="pf_customers_0_customer_id")
    assert person.value == "customer_unique_id" and "customer_id" in person.options
    assert at.selectbox(key="pf_customers_0_region").value == "customer_state"
    assert at.selectbox(key="pf_touchpoints_0_customer_id").value == "customer_unique_id"  # through a join
    assert at.selectbox(key="pe_touchpoints_0_0_time").value == "order_purchase_timestamp"
    assert at.selectbox(key="pe_touchpoints_0_2_stage").value == "Service après-vente"  # the stage, by its label
    # the region becomes the city: the check and the import take the change
    at.selectbox(key="pf_customers_0_region").set_value("customer_city").run()
    next(b for b in at.button if b.key == "profile_check").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(m.value.startswith("**Premiers parcours") for m in at.markdown)
    next(b for b in at.button if b.label == "Écrire dans la base").click().run()
    assert not at.exception, at.exception
    assert any("gardé pour le prochain import" in s.value for s in at.success)
    db = dm.connect(url)
    try:
        with db.engine.connect() as conn:
            touchpoints = conn.exec_driver_sql("select count(*) from touchpoints").scalar()
            cities = {r[0] for r in conn.exec_driver_sql("select distinct region from customers where region is "
                                                          "not null and customer_id not like 'C%'")}
        kept = saved_profiles(db)
    finally:
        db.close()
    assert touchpoints > 1000
    assert cities <= set(public_shapes.CITIES.values()) and cities  # the city, as chosen
    assert kept["olist"].spec["customers"]["fields"]["region"] == "customer_city"
