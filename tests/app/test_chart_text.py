"""Chart text that holds: Vega draws it, so a DOM check cannot see a label cut to "Service après-v…" or a number
written "1,7e-08". Every chart of every page, as its SVG download (vl-convert, at the width a chart gets in a file),
in French and English, on the demo and on the 12-customer French export: no text cut with an ellipsis but the
journey map's quotes (cut to fit their cell on purpose, whole in the tooltip), no exponent notation."""

import re

import pytest
import streamlit as st

import data_model as dm
from loaders.write import run_import
from tests.app.conftest import PAGES, fresh_app
from tests.app.test_hostile_downloads import click, clicks  # noqa: F401  (fixture)
from tests.conftest import EXAMPLES

EXPONENT = re.compile(r"\d[eE][-+]?\d")
QUOTE_MARKS = ("«", "“")


@pytest.fixture(scope="module")
def example_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('example') / 'example.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, {"customers": EXAMPLES / "clients.csv", "touchpoints": EXAMPLES / "points_de_contact.csv",
                    "feedback": EXAMPLES / "avis.csv"})
    db.close()
    return url


def svg_texts(svg: str) -> list[str]:
    """The texts Vega drew (a multi-line mark's lines joined)."""
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]


@pytest.mark.parametrize("data", ["demo", "example"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_chart_text_is_cut_or_in_exponent_notation(data, lang, demo_db_url, example_url, clicks,  # noqa: F811
                                                      monkeypatch):
    at = fresh_app(demo_db_url if data == "demo" else example_url, monkeypatch)
    at.query_params["lang"] = lang
    at.run()
    problems, drawn = [], 0
    for page in PAGES:
        if page.endswith("data.py"):
            continue
        clicks.clear()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        for manager, file_id, name in list(clicks):
            if not (name or "").endswith(".svg"):
                continue
            drawn += 1
            for text in svg_texts(click(manager, file_id).decode("utf-8")):
                if "…" in text and not (name.startswith("parcours-journey_map") and text.count(QUOTE_MARKS[0])
                                        + text.count(QUOTE_MARKS[1])):
                    problems.append(f"{name}: cut {text!r}")
                if EXPONENT.search(text):
                    problems.append(f"{name}: exponent {text!r}")
    st.cache_resource.clear()
    assert drawn >= 10
    assert problems == []
