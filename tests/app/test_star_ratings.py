"""A database of star ratings only (CSAT, as a marketplace's reviews): the satisfaction pages read CSAT, say so,
and never say "too few" when 100 customers answered."""

import pytest

import data_model as dm
from tests.app.conftest import fresh_app
from tests.unit.journeys import load
from tests.unit.test_irritants import star_rows


@pytest.fixture
def stars_url(tmp_path):
    url = f"duckdb:///{tmp_path / 'stars.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    email = [1] * 16 + [2] * 4 + [5] * 20
    app = [1] * 10 + [4] * 20 + [5] * 30  # 30 dissatisfied customers in all: their churn is shown too
    parts = [star_rows("e", "service", "email", email), star_rows("a", "service", "app", app)]
    load(db, *(sum((list(p[i]) for p in parts), []) for i in range(3)))
    db.close()
    return url


def texts_of(at) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "metric") for e in at.get(kind))


def test_every_satisfaction_page_reads_csat(stars_url, monkeypatch):
    at = fresh_app(stars_url, monkeypatch).run()  # one session through the pages, as a reader goes
    for page in ("app_pages/overview.py", "app_pages/irritants.py", "app_pages/satisfaction.py",
                 "app_pages/journey_map.py", "app_pages/voice.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        words = texts_of(at)
        assert "trop peu" not in words.lower(), page
        assert not [s for s in at.selectbox if s.key == "measure"]  # one measure in the data: nothing to choose
        if page == "app_pages/overview.py":
            card = next(m for m in at.metric if m.label == "CSAT moyen")
            assert card.value.startswith("3,64 ±")
            assert [s.value for s in at.subheader] == ["Entonnoir", "CSAT par étape"]  # not an empty NPS chart
        if page == "app_pages/irritants.py":
            table = at.dataframe[0].value
            assert list(table["Étape × canal"]) == ["Service après-vente · Email", "Service après-vente · App"]
            assert list(table["Verdict"]) == ["irritant", "enchantement"]
            assert "CSAT moyen [IC 95 %]" in table.columns and "Insatisfaits (1–2)" in table.columns
            assert "insatisfaits" in table["Pourquoi ce rang"].iloc[0]
            assert next(m for m in at.metric if m.label == "CSAT moyen global").value == "3,64"
        if page == "app_pages/satisfaction.py":  # where satisfaction breaks, on the stars: the CSAT grid, no NPS one
            heads = [s.value for s in at.subheader]
            assert "CSAT moyen par étape et par canal" in heads and "NPS par étape et par canal" not in heads
        if page == "app_pages/voice.py":  # each verbatim says its stars and its group on them
            assert any("CSAT 1/5 (insatisfait (1–2))" in c.value.replace("\\", "") for c in at.caption)


def test_a_link_asking_for_nps_says_there_is_none(stars_url, monkeypatch):
    at = fresh_app(stars_url, monkeypatch)
    at.query_params["measure"] = "nps"
    at.run()
    at.switch_page("app_pages/irritants.py").run()
    assert not at.exception, at.exception
    assert "Pas de NPS dans ces données : le CSAT est affiché." in [i.value for i in at.info]


def test_why_did_they_drop_reads_csat(stars_url, monkeypatch):
    at = fresh_app(stars_url, monkeypatch).run()
    at.switch_page("app_pages/voice.py").run()
    at.session_state["voice_view"] = "why_drop"
    at.run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert "CSAT moyen de ceux qui s'y sont arrêtés" in labels and "CSAT moyen de ceux qui ont continué" in labels
