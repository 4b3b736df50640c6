"""One customer across systems (loaders.identities): a person known as a web cookie, a CRM id and a loyalty card,
linked by one e-mail address written three ways, is one cross-channel customer whose journey runs in time order across
the three sources; a 50-identifier component is held apart; undo and forget act on the whole."""

import pandas as pd
import pytest

from analytics.channels import ropo_showrooming
from analytics.report import report
from loaders.identities import import_links, normalise_phone
from loaders.identities import report as identity_report
from loaders.privacy import forget
from loaders.settings import set_analysis_setting
from loaders.write import run_import, undo_batch

WEB = "customer_id,timestamp,channel,stage,touchpoint\nck_123,2025-03-01T10:00,Site web,consideration,product view\n"
CRM = "customer_id,timestamp,channel,stage,touchpoint\nCRM-0001,2025-03-02T15:30,Centre d'appels,consideration,call\n"
STORE = ("customer_id,timestamp,channel,stage,touchpoint,revenue\n"
         "LOY-77,2025-03-05T11:00,Magasin,purchase,order,120.50\nLOY-88,2025-03-06T11:00,Magasin,purchase,order,30\n")
LINKS = ("id_a,id_b,kind,source\nck_123, Jane.Doe@Example.com ,email,web\nCRM-0001,jane.doe@example.com,email,crm\n"
         "LOY-77,JANE.DOE@EXAMPLE.COM,email,loyalty\n")


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def touchpoints(db) -> pd.DataFrame:
    with db.engine.connect() as conn:
        return pd.read_sql("SELECT customer_id, timestamp, channel, stage FROM touchpoints ORDER BY timestamp", conn)


def customers(db) -> list[str]:
    with db.engine.connect() as conn:
        return sorted(r[0] for r in conn.exec_driver_sql("SELECT customer_id FROM customers"))


@pytest.mark.parametrize("links_first", [False, True])
def test_three_systems_one_person_one_cross_channel_journey_in_time_order(db, tmp_path, links_first):
    set_analysis_setting(db, "window_days", "all")
    files = [write(tmp_path, n, t) for n, t in (("web.csv", WEB), ("crm.csv", CRM), ("store.csv", STORE))]
    links = write(tmp_path, "links.csv", LINKS)
    if links_first:
        done = import_links(db, links)
    for path in files:
        run_import(db, {"touchpoints": path})
    if not links_first:
        done = import_links(db, links)
        assert (done["merged_customers"], done["moved_touchpoints"]) == (2, 2)
    assert done["links"] == 3 and done["hashed"] == 3 and done["components"] == 1
    assert customers(db) == ["LOY-88", "ck_123"]  # the key: the first imported, or the first the links gave
    journey = touchpoints(db)
    mine = journey[journey["customer_id"] == "ck_123"]
    assert mine["channel"].tolist() == ["site_web", "centre_d_appels", "magasin"]  # in time order, three sources
    assert mine["stage"].tolist() == ["consideration", "consideration", "purchase"]
    result = report(db)
    assert result["customers"] == 2
    assert ropo_showrooming(db)["ropo"] == 1  # researched online, bought in store: only once stitched
    # no e-mail address is stored anywhere, only its keyed hash
    with db.engine.connect() as conn:
        stored = [v for row in conn.exec_driver_sql("SELECT id_a, id_b FROM identity_links") for v in row]
        identifiers = [r[0] for r in conn.exec_driver_sql("SELECT identifier FROM identities")]
    assert not any("@" in v or "jane" in v.lower() for v in stored + identifiers)
    assert len({v for v in stored if v.startswith("email:h_")}) == 1  # three spellings, one address
    summary = identity_report(db)
    # one customer of four identifiers (cookie, CRM id, card, e-mail): two records merged into the cookie's
    assert (summary["customers"], summary["merged"], summary["sizes"]["4–5"]) == (1, 2, 1)


def test_undo_of_the_links_batch_splits_the_customers_again(db, tmp_path):
    for name, text in (("web.csv", WEB), ("crm.csv", CRM), ("store.csv", STORE)):
        run_import(db, {"touchpoints": write(tmp_path, name, text)})
    before = touchpoints(db)
    done = import_links(db, write(tmp_path, "links.csv", LINKS))
    assert customers(db) == ["LOY-88", "ck_123"]
    undo_batch(db, done["batch_id"])
    assert customers(db) == ["CRM-0001", "LOY-77", "LOY-88", "ck_123"]
    pd.testing.assert_frame_equal(touchpoints(db), before)
    assert identity_report(db)["identifiers"] == 0


def test_a_component_of_fifty_identifiers_is_held_apart(db, tmp_path):
    cookies = "".join(f"ck_{i:03d},SHOP-CARD,loyalty,store\n" for i in range(50))
    rows = "".join(f"ck_{i:03d},2025-03-{1 + i % 28:02d}T10:00,Site web,consideration,view\n" for i in range(50))
    run_import(db, {"touchpoints": write(tmp_path, "web.csv", "customer_id,timestamp,channel,stage,touchpoint\n"
                                        + rows)})
    done = import_links(db, write(tmp_path, "links.csv", "id_a,id_b,kind,source\n" + cookies))
    assert done["held"] and done["merged_customers"] == 0 and done["components"] == 0
    assert len(customers(db)) == 50  # the shop's own card at the till is not one person
    summary = identity_report(db)
    assert summary["sizes"]["> 20"] == 1 and summary["held"][0]["size"] == 51


def test_later_imports_and_forgetting_follow_the_stitched_customer(db, tmp_path):
    import_links(db, write(tmp_path, "links.csv", LINKS))
    run_import(db, {"touchpoints": write(tmp_path, "web.csv", WEB)})
    run_import(db, {"customers": write(tmp_path, "c.csv", "customer_id,persona,region,churned\n"
                                       "CRM-0001,Famille,Bretagne,false\nLOY-77,,Normandie,true\n")})
    with db.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT customer_id, persona, region, churned FROM customers").all()
    assert [tuple(r) for r in row] == [("ck_123", "Famille", "Normandie", True)]  # the last given, churned if any
    result = forget(db, ["CRM-0001"])  # any of its identifiers forgets the whole customer
    assert result.customers == 1 and result.touchpoints == 1
    assert customers(db) == [] and identity_report(db)["identifiers"] == 0


def test_phone_numbers_are_read_in_the_business_country():
    assert normalise_phone("06 12 34 56 78", "33") == "+33612345678"
    assert normalise_phone("+33 6 12 34 56 78", "33") == "+33612345678"
    assert normalise_phone("0033612345678", "33") == "+33612345678"
    assert normalise_phone("12 34", "33") is None and normalise_phone("abc", "33") is None


def test_a_crm_export_with_several_identifier_columns_links_them(db, tmp_path):
    crm = write(tmp_path, "crm_contacts.csv", "customer_id,email,phone,loyalty_card,segment\n"
                                              "CRM-0001,Jane.Doe@example.com,06 12 34 56 78,LOY-77,Gold\n"
                                              "CRM-0002,,,LOY-90,Silver\n")
    done = import_links(db, crm)
    assert done["links"] == 4 and done["hashed"] == 2  # the segment is no identifier
    web = write(tmp_path, "web_links.csv", "id_a,id_b,kind\nck_123,jane.doe@EXAMPLE.com,email\n"
                                           "ck_456,+33 6 12 34 56 78,phone\n")
    import_links(db, web)
    for name, text in (("web.csv", WEB), ("store.csv", STORE)):
        run_import(db, {"touchpoints": write(tmp_path, name, text)})
    assert customers(db) == ["CRM-0001", "LOY-88"]  # the CRM id: the first plain identifier the links gave
    bad = write(tmp_path, "bad.csv", "id_a,id_b,kind\nck_9,12 34,phone\n")
    with pytest.raises(Exception) as caught:
        import_links(db, bad)
    assert "phone" in str(caught.value) and "line 2" in str(caught.value)


def test_the_size_that_is_no_longer_one_person_is_a_setting(db, tmp_path):
    set_analysis_setting(db, "max_identity_ids", "60")
    cookies = "".join(f"ck_{i:03d},SHOP-CARD,loyalty,store\n" for i in range(50))
    done = import_links(db, write(tmp_path, "links.csv", "id_a,id_b,kind,source\n" + cookies))
    assert not done["held"] and done["components"] == 1
    with pytest.raises(ValueError):
        set_analysis_setting(db, "max_identity_ids", "1")
