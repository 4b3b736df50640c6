"""The interface's texts: every key used by the app exists in French and in English."""

import re

from tests.conftest import ROOT
from ui.i18n import CATALOGUE, CHART_TEXTS, LANGUAGES

# the app, the analytics layer, and the story and deck written in either language (``tx.t("key")``)
SOURCES = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py")),
           *sorted((ROOT / "analytics").glob("*.py")), *sorted((ROOT / "story").glob("*.py"))]
PLAIN = re.compile(r"""\bt\(\s*"([^"{}]+)"[,)]""")
DYNAMIC = re.compile(r"""\bt\(\s*f"([^"{]*)\{""")


def used():
    plain, prefixes = set(), set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        plain |= set(PLAIN.findall(text)) - {"key"}  # docstrings show ``t("key", n=3)``
        prefixes |= set(DYNAMIC.findall(text))
    return plain, prefixes


def test_every_entry_has_both_languages():
    assert set(LANGUAGES) == {"fr", "en"}
    for key, entry in CATALOGUE.items():
        assert set(entry) == {"fr", "en"}, key
        # a text is empty in both languages or in neither (describe.all_segments is empty on purpose)
        assert bool(entry["fr"]) == bool(entry["en"]), key
        # the same placeholders in both
        assert set(re.findall(r"\{(\w+)\}", entry["fr"])) == set(re.findall(r"\{(\w+)\}", entry["en"])), key
    for section, texts in CHART_TEXTS.items():
        for key, pair in texts.items():
            assert len(pair) == 2 and all(pair), (section, key)


def test_every_key_the_app_uses_exists():
    plain, prefixes = used()
    assert len(plain) > 100  # the scan finds the calls
    assert sorted(plain - set(CATALOGUE)) == []
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in CATALOGUE), prefix
