"""The Channels page states the share of journeys that span more than one source system (issue 17) when the
touchpoints say their source, and says nothing of it when they do not; below 30 such customers, no value — in the
real app (AppTest) on copies of the demo database."""

import shutil

import data_model as dm
from analytics.channels import source_systems
from i18n import Texts
from tests.app.conftest import fresh_app

# the demo's channels by the system that would have recorded them
SYSTEMS = ("CASE WHEN channel = 'magasin' THEN 'stores' WHEN channel IN ('site_web', 'application_mobile') "
           "THEN 'web' ELSE 'CRM' END")
SENTENCE = {"fr": "des parcours passent par plus d'un système source", "en": "of journeys span more than one source"}
TOO_FEW = {"fr": "trop peu de clients dont la source est connue", "en": "too few customers whose source is known"}


def copy_of_demo(demo_db_url, tmp_path, update: str | None = None) -> str:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    url = f"duckdb:///{path}"
    if update:
        db = dm.connect(url)
        try:
            with db.engine.begin() as conn:
                conn.exec_driver_sql(update)
        finally:
            db.close()
    return url


def channels_page(url, monkeypatch):
    at = fresh_app(url, monkeypatch).run()
    at.switch_page("app_pages/channels.py").run()
    assert not at.exception, at.exception
    texts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return [x.replace("\\", "") for x in texts]


def test_the_channels_page_states_the_share_when_sources_are_known(demo_db_url, tmp_path, monkeypatch):
    url = copy_of_demo(demo_db_url, tmp_path, f"update touchpoints set source = {SYSTEMS}")
    db = dm.connect(url)
    try:
        expected = source_systems(db)
    finally:
        db.close()
    assert expected["customers"] >= 30 and 0 < expected["spanning"] < expected["customers"]
    texts = channels_page(url, monkeypatch)
    stated = [x for x in texts if any(s in x for s in SENTENCE.values())]
    assert len(stated) == 1, texts
    lang = "fr" if SENTENCE["fr"] in stated[0] else "en"
    words = Texts(lang)
    assert stated[0].startswith(words.percent(expected["share"], 0))
    names = [s["source"] for s in expected["sources"]]
    assert sorted(names) == ["CRM", "stores", "web"] and f"({', '.join(names)})" in stated[0]  # most used first
    assert words.number(expected["spanning"]) in stated[0] and words.number(expected["customers"]) in stated[0]


def test_no_sentence_without_sources_and_no_value_below_30_customers(demo_db_url, tmp_path, monkeypatch):
    texts = channels_page(copy_of_demo(demo_db_url, tmp_path), monkeypatch)
    assert not any(s in x for x in texts for s in (*SENTENCE.values(), *TOO_FEW.values())), texts
    few = (f"update touchpoints set source = {SYSTEMS} where customer_id in "
           "(select customer_id from customers order by customer_id limit 12)")
    shutil.rmtree(tmp_path / "few", ignore_errors=True)
    (tmp_path / "few").mkdir()
    texts = channels_page(copy_of_demo(demo_db_url, tmp_path / "few", few), monkeypatch)
    assert not any(s in x for x in texts for s in SENTENCE.values()), texts
    assert any(s in x and "12" in x for x in texts for s in TOO_FEW.values()), texts
