"""Every page, in a real browser, with the data a new user meets first: the 12-customer French CRM export alone
(every cell under 30: the Channels heatmap once failed there in the browser only), the demo with a filter that
leaves a handful of customers, in English, and an empty database (the demo taken out). A page passes when nothing
fails, in Python or in the browser (tests/e2e/page_errors.py)."""

import os

import pytest

import data_model as dm
from loaders.write import run_import
from tests.conftest import EXAMPLES
from tests.e2e.app_server import running_app
from tests.e2e.page_errors import open_watched
from tests.e2e.test_browser import CHROMIUM, PAGES, playwright  # noqa: F401  (playwright: skip without it)
from ui.data import DEMO_FILES

EXAMPLE_FILES = {"customers": EXAMPLES / "clients.csv", "touchpoints": EXAMPLES / "points_de_contact.csv",
                 "feedback": EXAMPLES / "avis.csv"}
# 5 of the demo's 2,000 customers (checked below through the sidebar's own count)
TINY = "persona=Digital+native&region=Corse"
# An element whose text does not fit its box (the browser cuts it, often with an ellipsis): KPI values and labels.
CUT_TEXT = """() => [...document.querySelectorAll(
    "[data-testid='stMetricValue'], [data-testid='stMetricLabel'], [data-testid='stMetricValue'] *, "
    + "[data-testid='stMetricLabel'] p")].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""


def _server(tmp_path_factory, name, files, source="test", then=None):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run scripts/setup-tests.sh (the README's test command does)")
    folder = tmp_path_factory.mktemp(name)
    url = f"duckdb:///{folder / 'parcours.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, files, source=source)
    if then:
        then(db)
    db.close()  # the file belongs to the app process from now on
    return running_app(url, folder)


@pytest.fixture(scope="module")
def example_server(tmp_path_factory):
    with _server(tmp_path_factory, "example", EXAMPLE_FILES) as base:
        yield base


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory):
    from loaders.demo import remove_demo

    with _server(tmp_path_factory, "empty", DEMO_FILES, source="demo", then=remove_demo) as base:
        yield base


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    with _server(tmp_path_factory, "demo", DEMO_FILES) as base:
        yield base


@pytest.mark.parametrize("name", PAGES)
def test_every_page_on_the_twelve_customer_export(example_server, browser, name):
    page, errors = open_watched(browser, f"{example_server}/{name}")
    errors.check(f"/{name} on the example export")
    assert page.evaluate(CUT_TEXT) == [], f"text cut on /{name}"
    page.close()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_with_a_filter_leaving_five_customers_in_english(demo_server, browser, name):
    page, errors = open_watched(browser, f"{demo_server}/{name}?{TINY}", locale="en-US")
    errors.check(f"/{name}?{TINY}")
    assert page.evaluate(CUT_TEXT) == [], f"text cut on /{name} (en)"
    if name == "":
        assert "followed until Dec 27, 2025 for 90 days: 5\n" in page.locator("[data-testid='stSidebar']").inner_text()
    page.close()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_on_an_empty_database(empty_server, browser, name):
    page, errors = open_watched(browser, f"{empty_server}/{name}")
    errors.check(f"/{name} on an empty database")
    assert "Pas encore de données" in page.locator("[data-testid='stMain']").inner_text()
    page.close()



@pytest.mark.parametrize("lang", ["fr", "en"])
def test_presentation_views_and_kpis_fit_a_1440x900_screen(demo_server, browser, lang):
    page, errors = open_watched(browser, f"{demo_server}/?lang={lang}")
    assert page.evaluate(CUT_TEXT) == [], "KPI text cut on the overview"
    for view in range(1, 8):
        page.goto(f"{demo_server}/?lang={lang}&present=true&view={view}")
        errors.check(f"presentation view {view} ({lang})")
        height = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
        assert height <= 900, f"view {view} ({lang}) is {height} px tall: its foot is off a 900 px screen"
        assert page.evaluate(CUT_TEXT) == [], f"text cut in view {view} ({lang})"
    page.close()
