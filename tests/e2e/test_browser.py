"""The real app in a real browser: Debian's Chromium driven by Playwright against `streamlit run app.py`."""

import os
import re
import shutil

import pytest

from tests.e2e.app_server import demo_database, running_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# the overview is the default page, at /
PAGES = ["", "journey-map", "irritants", "voice", "funnel", "channels", "satisfaction", "variants", "changes", "data"]

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run scripts/setup-tests.sh (the README's test command does)")
    folder = tmp_path_factory.mktemp("e2e")
    with running_app(demo_database(folder), folder) as base:
        yield base


def open_page(browser, url, locale="fr-FR", **options):
    """A new browser page on ``url``, once the app has run (the browser says French unless told otherwise: the app
    follows the browser's language until the user picks one)."""
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale=locale, **options)
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector("[data-testid='stMainBlockContainer']", timeout=30_000)
    return page


def first_kpi(page) -> str:
    """The customers card's value, once the script has finished (a card read mid-run may be another one)."""
    page.wait_for_selector(IDLE, timeout=60_000)
    card = page.locator("[data-testid='stMetric']").filter(has_text="Clients").first
    return card.locator("[data-testid='stMetricValue']").inner_text()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_shows_without_exception(server, browser, name):
    from tests.e2e.page_errors import open_watched

    page, errors = open_watched(browser, f"{server}/{name}")
    if name not in ("data", "voice"):  # the voice page opens on its verbatims (text)
        page.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=30_000)
    errors.check(f"/{name} on the demo")  # nothing failed, in Python or in the browser
    page.close()


def test_a_filter_changes_the_kpis_and_the_link_reproduces_the_view(server, browser):
    page = open_page(browser, f"{server}/")
    before = first_kpi(page)
    page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first.click()
    page.get_by_role("option", name="Famille").click()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "before => document.querySelector(\"[data-testid='stMetricValue']\")?.innerText !== before", arg=before,
        timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    after = first_kpi(page)
    assert after != before
    assert re.search(r"[?&]persona=Famille", page.url)
    # A copied link reopens the same view, through app.py's filters.
    again = open_page(browser, page.url)
    assert first_kpi(again) == after
    assert "Famille" in again.locator("[data-testid='stSidebar']").inner_text()
    page.close()
    again.close()


def test_data_page_checks_previews_and_writes_an_upload(server, browser, tmp_path):
    from tests.conftest import EXAMPLES

    page = open_page(browser, f"{server}/data")
    bad = tmp_path / "touchpoints.csv"
    bad.write_text("customer_id;timestamp;channel;stage\n1;31/02/2025;web;achat\n", encoding="utf-8")
    uploads = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    uploads.nth(1).set_input_files(str(bad))
    page.get_by_text("touchpoints.csv").first.wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("button", name="Vérifier").click()
    page.get_by_text("Import refusé, rien n'a été écrit").wait_for(timeout=60_000)
    page.get_by_text("Télécharger toutes les erreurs (CSV)").wait_for(timeout=30_000)
    assert page.get_by_text("Import refusé, rien n'a été écrit : 1 erreur.").count() == 1
    page.close()

    page = open_page(browser, f"{server}/data")  # a new session: no upload pending
    uploads = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    uploads.nth(0).set_input_files(str(EXAMPLES / "clients.csv"))
    # the upload reaches the server (its name shows, the page has run again) before the check is asked for
    page.get_by_text("clients.csv").first.wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("button", name="Vérifier").click()
    page.get_by_text("Fichiers valides").wait_for(timeout=120_000)
    # the database holds only the demo: a first import replaces it unless told to add (the other tests need it)
    page.get_by_text("Ajouter mes fichiers à la démo").click()
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("button", name="Écrire dans la base").click()
    page.get_by_text("Import terminé").wait_for(timeout=60_000)
    # the summary in the page's language, as text (no code block of English)
    page.get_by_text("12 lignes lues, 12 écrites").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stMain'] [data-testid='stCode']").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()


def test_journey_map_link_keeps_the_compared_personas(server, browser):
    page = open_page(browser, f"{server}/journey-map?map_personas=Famille&map_personas=Digital+native")
    page.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=30_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    chosen = page.locator("[data-testid='stMain'] [data-testid='stMultiSelect']").first.inner_text()
    assert "Famille" in chosen and "Digital native" in chosen
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()


def test_voice_search_shows_matching_verbatims_as_text(server, browser):
    page = open_page(browser, f"{server}/voice")
    panel = page.locator("[data-testid='stMain']")
    count = panel.get_by_text("verbatims correspondent")
    before = count.inner_text()
    box = page.get_by_label("Rechercher dans les commentaires")
    box.fill("attente")
    box.press("Enter")
    page.wait_for_function(
        "before => [...document.querySelectorAll('p')].some(p => p.innerText.includes('verbatims correspondent') "
        "&& p.innerText !== before)", arg=before, timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    # the verbatims: the page's texts but its captions and the folded "how to read" (always in the page)
    texts = panel.locator("[data-testid='stMarkdown']:not(:has([data-testid='stCaptionContainer']))"
                          ":not([data-testid='stExpander'] *)")
    shown = [x for x in (texts.nth(i).inner_text() for i in range(texts.count())) if x.strip()]
    assert shown and all("attente" in x.lower() for x in shown)
    assert int(count.inner_text().split()[0]) < int(before.split()[0])
    page.close()


def test_presentation_hides_the_sidebar_and_walks_the_story_with_the_arrow_keys(server, browser):
    page = open_page(browser, f"{server}/funnel?persona=Famille&present=true")
    page.get_by_text("Vue 1 sur 8").wait_for(timeout=60_000)  # the presentation has drawn (and hidden the sidebar)
    page.wait_for_selector("[data-testid='stSidebar']", state="hidden", timeout=30_000)
    titles = []
    for i in range(1, 9):
        page.get_by_text(f"Vue {i} sur 8").wait_for(timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        titles.append(page.locator("h1").first.inner_text())
        assert page.locator("[data-testid='stException']").count() == 0
        assert "n = 362 clients" in page.locator("[data-testid='stMain']").inner_text().replace("\u202f", " ")
        page.keyboard.press("ArrowRight")
    assert titles == ["Vue d'ensemble", "Entonnoir", "Parcours cross-canal", "Satisfaction & churn",
                      "Carte du parcours", "Irritants & enchantements", "Ce qui a changé", "Prochaines étapes"]
    assert "view=8" in page.url and "persona=Famille" in page.url
    page.get_by_role("button", name="Quitter la présentation").click()
    page.wait_for_selector("[data-testid='stSidebar']", state="visible", timeout=60_000)
    page.close()


def test_english_browser_gets_english_and_downloads_a_chart_and_the_deck(server, browser):
    import io

    from pptx import Presentation

    page = open_page(browser, f"{server}/funnel", locale="en-US", accept_downloads=True)
    page.get_by_role("heading", name="Funnel").first.wait_for(timeout=60_000)
    page.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=30_000)
    page.locator("[data-testid='stPopover'] button").first.click()
    with page.expect_download(timeout=60_000) as png:
        page.get_by_role("button", name="PNG image").click()
    assert png.value.suggested_filename == "parcours-funnel.png"
    assert open(png.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    page.keyboard.press("Escape")
    with page.expect_download(timeout=120_000) as deck:
        page.locator("[data-testid='stSidebar']").get_by_role("button", name="PowerPoint deck").click()
    slides = list(Presentation(io.BytesIO(open(deck.value.path(), "rb").read())).slides)
    assert len(slides) == 10
    texts = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in slides]
    assert "Omnichannel customer journeys" in texts[0] and texts[-1].startswith("Definitions")
    page.close()
