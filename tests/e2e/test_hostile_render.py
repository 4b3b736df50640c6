"""The real server, in Chromium, on a database whose every text holds every control character (``tests.unit.hostile``):
the journey map's PNG download and the sidebar's deck, which each made vl-convert abort the whole server (SIGABRT),
now download, and the server still answers afterwards."""

import io
import urllib.request

import pytest
from pptx import Presentation

import data_model as dm
from tests.e2e.app_server import running_app
from tests.e2e.test_browser import CHROMIUM, IDLE, open_page
from tests.unit.hostile import plant


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import os

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run scripts/setup-tests.sh (the README's test command does)")
    folder = tmp_path_factory.mktemp("hostile-render")
    url = f"duckdb:///{folder / 'hostile.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    plant(db)
    db.close()  # the file belongs to the app process from now on
    with running_app(url, folder) as base:
        yield base


def healthy(base: str) -> bool:
    return urllib.request.urlopen(f"{base}/_stcore/health", timeout=10).read() == b"ok"


def test_the_journey_map_picture_and_the_deck_download_and_the_server_lives(server, browser):
    page = open_page(browser, f"{server}/journey-map", accept_downloads=True)
    page.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.locator("[data-testid='stPopover'] button").first.click()
    with page.expect_download(timeout=120_000) as png:
        page.get_by_role("button", name="Image PNG").click()
    assert png.value.suggested_filename == "parcours-journey_map.png"
    assert open(png.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    page.keyboard.press("Escape")
    assert healthy(server)

    with page.expect_download(timeout=180_000) as deck:
        page.locator("[data-testid='stSidebar']").get_by_role("button", name="Diaporama PowerPoint").click()
    slides = list(Presentation(io.BytesIO(open(deck.value.path(), "rb").read())).slides)
    assert len(slides) == 10
    assert [sum(shape.shape_type == 13 for shape in s.shapes) for s in slides] == [0, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    assert page.locator("[data-testid='stDownloadButtonError']").count() == 0
    assert healthy(server)
    page.close()
