"""Every download of every page, and the sidebar's deck, on a database whose every text holds every control
character (``tests.unit.hostile``): the real app (AppTest), the real deferred downloads executed the way Streamlit
executes them when a viewer clicks, the real renderer (in its worker process), read back with python-pptx,
openpyxl and csv.

Before the fix, the journey map's PNG download and the deck made vl-convert abort the whole process (SIGABRT),
and an Excel download raised openpyxl's IllegalCharacterError with the comment in the server log. Here the
renderer runs in its worker: a regression fails these tests instead of killing the test run.
"""

import csv
import io
import re
import xml.etree.ElementTree as ET

import openpyxl
import pytest
import streamlit as st
from pptx import Presentation
from streamlit.runtime.media_file_manager import MediaFileManager

import data_model as dm
from charts.export import failure_image
from i18n import Texts
from tests.app.conftest import PAGES, fresh_app
from tests.unit.hostile import CONTROLS, NOT_XML, QUOTE_TEXT, hostile, hostile_database

FORBIDDEN = re.compile(f"[{re.escape(CONTROLS + NOT_XML)}]")


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory):
    return hostile_database(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def clicks(monkeypatch):
    """Every download button a run draws, with the media manager that will run its callable when clicked: a spy on
    ``MediaFileManager.add_deferred`` that calls the real one."""
    seen: list[tuple[MediaFileManager, str, str]] = []
    real = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = real(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        seen.append((self, file_id, file_name))
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return seen


def click(manager: MediaFileManager, file_id: str) -> bytes:
    """What Streamlit does when a viewer clicks a deferred download: run the callable, store the file."""
    url = manager.execute_deferred(file_id)  # raises MediaFileStorageError if the callable raised
    stored = url.rsplit("/", 1)[-1].split(".")[0]
    return manager._storage.get_file(stored).content


def check_text(text: str, where: str) -> None:
    assert not FORBIDDEN.search(text), f"{where}: a control character survived"
    assert "_x00" not in text, f"{where}: a control character spelled out"


def check_file(name: str, data: bytes, failed_png: bytes) -> None:
    if name.endswith(".png"):
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        assert data != failed_png, f"{name}: the renderer failed"
    elif name.endswith(".svg"):
        text = data.decode("utf-8")
        ET.fromstring(text)  # well-formed XML
        assert "could not be drawn" not in text and "pas pu être dessiné" not in text, name
        check_text(text, name)
    elif name.endswith(".csv"):
        text = data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows and rows[0] != ["message"], name
        check_text(text, name)
    elif name.endswith(".xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        values = [c.value for row in sheet.iter_rows() for c in row]
        assert values and values[0] != "message", name
        check_text(" ".join(str(v) for v in values if isinstance(v, str)), name)
    else:
        raise AssertionError(f"unexpected download {name}")


def test_every_download_of_every_page_and_the_deck(hostile_url, monkeypatch, clicks):
    at = fresh_app(hostile_url, monkeypatch)
    failed_png = failure_image("png", Texts("fr").t("download.chart_failed"))  # what a failed PNG download gives
    downloaded: dict[str, int] = {}
    deck = None
    try:
        at.run()
        # every page, and the voice page's two other views (its themes, "why did they drop?")
        for page, view in [(p, None) for p in PAGES] + [("app_pages/voice.py", v) for v in ("themes", "why_drop")]:
            if view:
                at.switch_page(page).run()
                clicks.clear()
                at.segmented_control(key="voice_view").set_value(view).run()
            else:
                clicks.clear()
                at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
            for manager, file_id, name in clicks:
                data = click(manager, file_id)
                if name.endswith(".pptx"):
                    deck = deck or data
                    continue
                check_file(name, data, failed_png)
                downloaded[f"{page}:{view or ''}:{name}"] = len(data)
    finally:
        st.cache_resource.clear()
    names = {key.rsplit(":", 1)[-1] for key in downloaded}
    charts_downloaded = {n for n in downloaded if n.endswith((".png", ".svg"))}
    tables = {n for n in downloaded if n.endswith((".csv", ".xlsx"))}
    # every chart builder the pages use, as PNG and SVG
    builders = ("churn_by_stage", "csat", "digital_share", "flow", "funnel", "funnel_compare", "irritants",
                "journey_map", "kpi_trend", "mix", "nps_bars", "nps_heatmap", "nps_split", "themes", "time_to_next",
                "transition_heatmap", "variants")
    assert {f"parcours-{b}.{kind}" for b in builders for kind in ("png", "svg")} <= names, sorted(names)
    assert "app_pages/voice.py:why_drop:parcours-themes.png" in downloaded
    assert len(charts_downloaded) == 2 * 27 and len(tables) == 2 * 8, sorted(downloaded)

    # the sidebar's deck: every view's chart as a picture, every text clean
    assert deck is not None
    slides = list(Presentation(io.BytesIO(deck)).slides)
    assert len(slides) == 10
    assert [sum(shape.shape_type == 13 for shape in s.shapes) for s in slides] == [0, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    for s in slides:
        text = "\n".join(shape.text_frame.text for shape in s.shapes if shape.has_text_frame)
        check_text(text, "deck")
        assert "pas pu être dessiné" not in text


def test_the_journey_map_picture_quotes_the_cleaned_comment(hostile_url):
    """The comment the map quotes is the hostile one: the render that aborted the server."""
    from analytics.journey_map import journey_map
    from charts.export import chart_image
    from charts.journey_map import journey_map_chart

    db = dm.connect(hostile_url, create=False)
    try:
        frames = journey_map(db)
    finally:
        db.close()
    quotes = [q for qs in frames["cells"]["quotes"] for q in qs]
    assert hostile(QUOTE_TEXT) in quotes
    svg = chart_image(journey_map_chart(frames["stages"], frames["channels"], frames["cells"]).to_dict(), "svg")
    assert "Livraison" in svg.decode("utf-8")
    check_text(svg.decode("utf-8"), "journey map")
