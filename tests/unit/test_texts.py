"""i18n.Texts: plural forms by each language's rule ("0 réponse", "1 error", "12 430 clients")."""

import re

import pytest

from i18n import CATALOGUE, Texts
from tests.conftest import ROOT


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
    """Every chart text lives in ``i18n.CHART_TEXTS``, in French and in English, chart by chart: every key a chart
    module reads from its texts is in its sections (or the common one), and no module keeps English defaults of its
    own, so no English word reaches a French chart."""
    from i18n import CHART_TEXTS

    for section, texts in CHART_TEXTS.items():
        for key, pair in texts.items():
            assert len(pair) == 2 and all(pair), (section, key)
    read = {}
    for path in sorted((ROOT / "charts").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^[A-Z_]*TITLES = ", source, re.M), path.name
        sections = set(re.findall(r'resolve_titles\("(\w+)"', source))
        assert sections <= set(CHART_TEXTS), path.name
        # not texts: the language and the currency symbol (i18n.Texts.chart_titles)
        known = set(CHART_TEXTS["common"]).union(*(CHART_TEXTS[s] for s in sections)) | {"locale", "currency_symbol"}
        keys = set(re.findall(r'\bt\["(\w+)"\]', source)) | set(re.findall(r'\bt\.get\("(\w+)"', source))
        if keys - known:
            read[path.name] = sorted(keys - known)
    assert read == {}


def test_p_values_read_as_words_never_as_exponents():
    fr, en = Texts("fr"), Texts("en")
    assert [fr.p_value(v) for v in (1.7e-8, 0.0123, 0.345, None)] == ["< 0,001", "= 0,012", "= 0,34", "= —"]
    assert [en.p_value(v) for v in (1.7e-8, 0.0123, 0.05)] == ["< 0.001", "= 0.012", "= 0.05"]
    assert fr.t("irritants.test_significant", q=fr.p_value(1.7e-8)).endswith("(q < 0,001)")


def test_chart_texts_write_the_threshold_from_min_n():
    """"n < 30" and "n ≥ 30" are written once, in i18n (FEWER_THAN, AT_LEAST), the number coming from MIN_N."""
    from charts.palette import resolve_titles
    from data_model.thresholds import MIN_N
    from i18n import AT_LEAST, CHART_TEXTS, FEWER_THAN, chart_texts

    for section, texts in CHART_TEXTS.items():
        for key, pair in texts.items():
            assert not re.search(r"n [<≥] \d", " ".join(pair)), (section, key)
    assert resolve_titles("trends", {"locale": "fr"})["insufficient"] == f"n < {MIN_N}"
    assert f"n < {MIN_N}" in resolve_titles("trends", None)["trend_insufficient"]
    assert chart_texts("journey_map", "en", 12)["lane_pains"].endswith("n ≥ 12)")
    assert (FEWER_THAN, AT_LEAST) == ("n < {min_n}", "n ≥ {min_n}")
