"""Links carry codes and say what they cannot read: ?lang=en, ?channel=magasin, ?voice_view=themes — the same link
in any language — and a value that matches nothing is reported in the sidebar, never silently dropped."""

import re

from tests.app.conftest import fresh_app


def warnings(at) -> list[str]:
    """The sidebar's warnings as read on screen (the markdown escapes of plain() taken off)."""
    return [re.sub(r"\\(.)", r"\1", w.value) for w in at.sidebar.warning]


def link(at, key) -> list[str]:
    """The link's values of ``key`` (AppTest gives one value as a string, several as a list)."""
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def open_link(demo_db_url, monkeypatch, **params):
    at = fresh_app(demo_db_url, monkeypatch)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def test_language_by_code_and_kept_as_code(demo_db_url, monkeypatch):
    at = open_link(demo_db_url, monkeypatch, lang="en")
    assert not at.exception and at.sidebar.header[0].value == "Filters"
    assert link(at, "lang") == ["en"]
    # an old link with the label still opens in English, and the link now says en
    at = open_link(demo_db_url, monkeypatch, lang="English")
    assert at.sidebar.header[0].value == "Filters" and link(at, "lang") == ["en"]
    # choosing French in the sidebar (the browser's language here) takes it out of the link
    at.selectbox(key="lang").set_value("fr").run()
    assert at.sidebar.header[0].value == "Filtres" and "lang" not in at.query_params


def test_channel_by_code_in_both_languages(demo_db_url, monkeypatch):
    for lang in ("fr", "en"):
        at = open_link(demo_db_url, monkeypatch, lang=lang, channel=["magasin", "site_web"])
        assert not at.exception and not warnings(at)
        assert at.multiselect(key="channel").value == ["magasin", "site_web"]
        assert link(at, "channel") == ["magasin", "site_web"]
    # a label, as older links wrote it, finds its code
    at = open_link(demo_db_url, monkeypatch, channel="Centre d'appels")
    assert at.multiselect(key="channel").value == ["centre_d_appels"]
    assert link(at, "channel") == ["centre_d_appels"]


def test_a_value_that_matches_nothing_is_reported(demo_db_url, monkeypatch):
    at = open_link(demo_db_url, monkeypatch, channel=["magasin", "xyz"], persona="Nobody",
                   period="1890-01-01")
    assert not at.exception
    assert at.multiselect(key="channel").value == ["magasin"]
    assert at.multiselect(key="persona").value == []
    shown = warnings(at)
    assert any("« xyz »" in w and "Canal" in w for w in shown), shown
    assert any("« Nobody »" in w and "Persona" in w for w in shown), shown
    assert any("1890-01-01" in w and "Période" in w for w in shown), shown
    # said once: the next interaction does not repeat it
    at.multiselect(key="segment").set_value(["Particulier"]).run()
    assert not warnings(at)
    assert at.multiselect(key="channel").value == ["magasin"]


def test_hostile_link_values_are_shown_as_text(demo_db_url, monkeypatch):
    at = open_link(demo_db_url, monkeypatch, region="<img src=x onerror=alert(1)>**bold**")
    (warning,) = [w.value for w in at.sidebar.warning]
    assert "<img" not in warning.replace("\\<img", "") and "\\*\\*bold\\*\\*" in warning


def test_page_links_keep_their_codes(demo_db_url, monkeypatch):
    at = open_link(demo_db_url, monkeypatch, lang="en", voice_view="themes")
    at.switch_page("app_pages/voice.py").run()
    assert not at.exception and at.segmented_control(key="voice_view").value == "themes"
    assert link(at, "voice_view") == ["themes"]
    at = open_link(demo_db_url, monkeypatch, voice_view="Thèmes")
    at.switch_page("app_pages/voice.py").run()
    assert any("Thèmes" in w for w in warnings(at))
    at = open_link(demo_db_url, monkeypatch, map_personas=["Famille", "Senior prudent", "Digital native"])
    at.switch_page("app_pages/journey_map.py").run()
    assert at.multiselect(key="map_personas").value == ["Famille", "Senior prudent"]
    assert any("Digital native" in w for w in warnings(at))


def test_filters_survive_a_page_change(demo_db_url, monkeypatch):
    at = open_link(demo_db_url, monkeypatch, persona="Famille", channel="magasin")
    at.switch_page("app_pages/funnel.py").run()
    assert at.multiselect(key="persona").value == ["Famille"]
    assert link(at, "persona") == ["Famille"] and link(at, "channel") == ["magasin"]


def test_modes_travel_in_the_link_and_values_ignore_case(demo_db_url, monkeypatch):
    at = open_link(demo_db_url, monkeypatch, channel="MAGASIN", channel_mode="only", persona="famille",
                   period=["2025-01-01", "2025-03-31"], period_mode="activity")
    assert not at.exception and not warnings(at)
    assert at.multiselect(key="channel").value == ["magasin"] and at.multiselect(key="persona").value == ["Famille"]
    assert at.selectbox(key="channel_mode").value == "only" and at.selectbox(key="period_mode").value == "activity"
    assert link(at, "channel_mode") == ["only"] and link(at, "persona") == ["Famille"]
    f = at.session_state["filters"]
    assert (f.channels, f.channel_mode, f.period_mode) == (("magasin",), "only", "activity")
    # back to the defaults: out of the link; a mode that names nothing is said
    at.selectbox(key="channel_mode").set_value("used").run()
    assert "channel_mode" not in at.query_params and at.session_state["filters"].channel_mode == "used"
    at = open_link(demo_db_url, monkeypatch, channel="magasin", channel_mode="first")
    assert at.selectbox(key="channel_mode").value == "used"
    assert any("« first »" in w for w in warnings(at)), warnings(at)
    # no channel chosen: no mode to choose
    at = open_link(demo_db_url, monkeypatch, persona="Famille")
    assert not [s for s in at.sidebar.selectbox if s.key in ("channel_mode", "period_mode")]


def test_the_measure_is_chosen_in_the_sidebar_and_travels_in_the_link(demo_db_url, monkeypatch):
    """The demo holds NPS and CSAT: the sidebar offers both, NPS first (30+ respondents); CSAT in the link (any
    case) switches the irritants to CSAT, and back to NPS leaves the link."""
    at = open_link(demo_db_url, monkeypatch)
    assert at.selectbox(key="measure").value == "nps" and "measure" not in at.query_params
    at = open_link(demo_db_url, monkeypatch, measure="CSAT")
    assert not at.exception and not warnings(at)
    assert at.selectbox(key="measure").value == "csat" and at.session_state["filters"].measure == "csat"
    at.switch_page("app_pages/irritants.py").run()
    assert not at.exception, at.exception
    assert "CSAT moyen [IC 95 %]" in at.dataframe[0].value.columns
    assert link(at, "measure") == ["csat"]
    at.selectbox(key="measure").set_value("nps").run()
    assert "measure" not in at.query_params and at.session_state["filters"].measure is None
    assert "NPS [IC 95 %]" in at.dataframe[0].value.columns
