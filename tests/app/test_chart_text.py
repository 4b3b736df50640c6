"""Chart text that holds: Vega draws it, so a DOM check cannot see a label cut to "Service après-v…" or a number
written "1,7e-08". Every chart of every page, as its SVG download (vl-convert, at the width a chart gets in a file)
and at the width of a half-page column on a 1440 px screen (the narrowest a page gives a chart), in French and
English, on the demo and on the 12-customer French export: no text cut with an ellipsis but the journey map's
quotes (cut to fit their cell on purpose, whole in the tooltip), no exponent notation."""

import re

import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager

import data_model as dm
from charts.export import chart_image
from loaders.write import run_import
from tests.app.conftest import PAGES, fresh_app
from tests.conftest import EXAMPLES

EXPONENT = re.compile(r"\d[eE][-+]?\d")
QUOTE_MARKS = ("«", "“")
HALF_PAGE = 520  # px: a chart in one of two columns of the main area at 1440 px, sidebar open


@pytest.fixture(scope="module")
def example_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('example') / 'example.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, {"customers": EXAMPLES / "clients.csv", "touchpoints": EXAMPLES / "points_de_contact.csv",
                    "feedback": EXAMPLES / "avis.csv"})
    db.close()
    return url


@pytest.fixture
def downloads(monkeypatch):
    """Every download a run draws: (its file name, the callable a click runs), by a spy that calls the real
    ``MediaFileManager.add_deferred``."""
    seen: list[tuple[str, object]] = []
    real = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        seen.append((file_name or "", data_callable))
        return real(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return seen


def svg_texts(svg: str) -> list[str]:
    """The texts Vega drew (a multi-line mark's lines joined)."""
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]


def problems_in(name: str, svg: str) -> list[str]:
    found = []
    for text in svg_texts(svg):
        quote = name.startswith("parcours-journey_map") and any(mark in text for mark in QUOTE_MARKS)
        if "…" in text and not quote:
            found.append(f"{name}: cut {text!r}")
        if EXPONENT.search(text):
            found.append(f"{name}: exponent {text!r}")
    return found


@pytest.mark.parametrize("data", ["demo", "example"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_chart_text_is_cut_or_in_exponent_notation(data, lang, demo_db_url, example_url, downloads, monkeypatch):
    at = fresh_app(demo_db_url if data == "demo" else example_url, monkeypatch)
    at.query_params["lang"] = lang
    at.run()
    problems, drawn = [], 0
    for page in PAGES:
        if page.endswith("data.py"):
            continue
        downloads.clear()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        for name, download in list(downloads):
            if not name.endswith(".svg"):
                continue
            drawn += 1
            problems += problems_in(name, download().decode("utf-8"))  # the file a viewer downloads
            spec = download.args[0]  # ui.widgets.chart_downloads: partial(chart_file, spec, kind, …)
            problems += problems_in(f"{name} at {HALF_PAGE} px", chart_image(spec, "svg", width=HALF_PAGE).decode())
    st.cache_resource.clear()
    assert drawn >= 10
    assert problems == []
