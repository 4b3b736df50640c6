"""i18n.Texts: plural forms by each language's rule ("0 réponse", "1 error", "12 430 clients")."""

import re

import pytest

from i18n import CATALOGUE, Texts


@pytest.mark.parametrize(("lang", "count", "expected"), [
    ("fr", 0, "0 erreur"), ("fr", 1, "1 erreur"), ("fr", 2, "2 erreurs"), ("fr", "1,5", "1,5 erreur"),
    ("fr", "12\u202f430", "12\u202f430 erreurs"), ("fr", "—", "— erreurs"),
    ("en", 0, "0 errors"), ("en", 1, "1 error"), ("en", 2, "2 errors"), ("en", "1,000", "1,000 errors"),
    ("en", "1.5", "1.5 errors"), ("en", "—", "— errors"),
])
def test_plural_by_the_language_rule(lang, count, expected):
    assert Texts(lang).t("data.refused", n=count).endswith(f": {expected}.")


def test_plural_of_numbers_as_the_texts_format_them():
    for lang in ("fr", "en"):
        tx = Texts(lang)
        assert tx.t("describe.customers", n=tx.number(1)) == "1 " + ("client" if lang == "fr" else "customer")
        assert tx.t("describe.customers", n=tx.number(1000)).endswith("clients" if lang == "fr" else "customers")


def test_no_text_hedges_its_plural():
    # "1 erreur(s)", "1 actions": every count says its form through {n|singular|plural}
    hedged = [(key, lang) for key, entry in CATALOGUE.items() for lang, text in entry.items() if "(s)" in text]
    assert hedged == []
    for key, entry in CATALOGUE.items():
        for text in entry.values():
            for name in re.findall(r"\{(\w+)\|[^|{}]*\|[^|{}]*\}", text):
                assert "{" + name + "}" in text, (key, name)  # a plural form follows a count that is shown


def test_every_chart_text_has_its_french():
    """A chart's own defaults are English; every one of them is in the catalogue (or given by the page that draws the
    chart, for the lanes and terms of one page), so no English word reaches a French chart."""
    import charts.channels
    import charts.funnel
    import charts.irritants
    import charts.journey_map
    import charts.palette
    import charts.satisfaction
    import charts.trends
    import charts.variants
    import charts.voice
    from i18n import CHART_TITLES

    given_by_the_page = {  # passed by app_pages/ and story/narrative.py as page texts (t(...))
        "charts.variants.VARIANT_TITLES": {"variant", "other", "cumulative_share"},
        "charts.voice.VOICE_TITLES": {"term", "z", "side", "detractor", "promoter", "detractor_comments",
                                      "promoter_comments", "kind", "word", "phrase"},
        "charts.journey_map.MAP_TITLES": {"lane_customers", "lane_channels", "lane_emotion", "lane_pains",
                                          "lane_delights", "lane_churn", "stop", "detractors_short",
                                          "dissatisfied_short", "series", "none"},
    }
    modules = (charts.channels, charts.funnel, charts.irritants, charts.journey_map, charts.palette,
               charts.satisfaction, charts.trends, charts.variants, charts.voice)
    missing = {}
    for module in modules:
        for name, defaults in vars(module).items():
            if name.endswith("TITLES") and isinstance(defaults, dict):
                where = f"{module.__name__}.{name}"
                left = set(defaults) - set(CHART_TITLES) - {"locale"} - given_by_the_page.get(where, set())
                if left:
                    missing[where] = sorted(left)
    assert missing == {}


def test_p_values_read_as_words_never_as_exponents():
    fr, en = Texts("fr"), Texts("en")
    assert [fr.p_value(v) for v in (1.7e-8, 0.0123, 0.345, None)] == ["< 0,001", "= 0,012", "= 0,34", "= —"]
    assert [en.p_value(v) for v in (1.7e-8, 0.0123, 0.05)] == ["< 0.001", "= 0.012", "= 0.05"]
    assert fr.t("irritants.test_significant", q=fr.p_value(1.7e-8)).endswith("(q < 0,001)")
