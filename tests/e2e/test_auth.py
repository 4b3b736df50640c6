"""Sign-in and roles in a real browser: `streamlit run app.py` with an ``[auth]`` section pointing at a real OpenID
Connect provider running in this process (oidc-provider-mock), signed in through the provider's own authorization
form. One provider and one app server for the module."""

import json
import os
import re
import secrets
import urllib.request
import warnings

import pytest

import data_model as dm
from loaders.write import run_import
from tests.conftest import EXAMPLES
from tests.e2e.app_server import free_port, running_app
from tests.e2e.test_browser import CHROMIUM, IDLE
from ui.data import DEMO_FILES

playwright = pytest.importorskip("playwright.sync_api")
# the provider runs in this process, on Authlib APIs that Authlib itself now marks deprecated
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

VIEWER = "lecteur@example.com"  # typed in the provider's form: an unknown subject gets the claim email = subject
CHIEF = "chef"  # an admin by claim: groups = ["parcours-admins"], set through the provider's PUT /users/<sub>
# (admins by e-mail go through the same claims: tests/app/test_auth_open.py checks the rules on st.user)


@pytest.fixture(scope="module")
def provider():
    try:
        with warnings.catch_warnings():
            import authlib.deprecate  # noqa: F401 (its import puts an "always" filter for its warnings first)

            warnings.simplefilter("ignore", DeprecationWarning)
            from oidc_provider_mock import run_server_in_thread
    except ImportError:
        pytest.fail("oidc-provider-mock is missing: pip install -r requirements-dev.txt")
    with run_server_in_thread() as server:  # on a free port
        base = f"http://localhost:{server.server_port}"
        claims = {"email": "chef@example.com", "name": "Cheffe de projet", "groups": ["staff", "parcours-admins"]}
        request = urllib.request.Request(f"{base}/users/{CHIEF}", data=json.dumps(claims).encode(), method="PUT",
                                         headers={"Content-Type": "application/json"})
        assert urllib.request.urlopen(request, timeout=10).status == 204
        yield base


@pytest.fixture(scope="module")
def app_url(provider, tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run scripts/setup-tests.sh (the README's test command does)")
    tmp = tmp_path_factory.mktemp("auth")
    url = f"duckdb:///{tmp / 'demo.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, DEMO_FILES, source="demo")
    db.close()  # the file belongs to the app process from now on
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # outside the repository: --secrets.files replaces the default places (~/.streamlit, ./.streamlit)
    (tmp / "secrets.toml").write_text(f"""
[auth]
redirect_uri = "{base}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "parcours"
client_secret = "{secrets.token_hex(16)}"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[roles]
admins = ["admine@example.com"]
admin_claim = "groups"
admin_value = "parcours-admins"
""", encoding="utf-8")
    with running_app(url, tmp, "--secrets.files", str(tmp / "secrets.toml"), port=port) as app:
        yield app


def fresh_page(browser):
    """A page in a new browser context (its own cookies: nobody signed in), in French."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    return context.new_page()


def settle(page):
    page.wait_for_selector("[data-testid='stMainBlockContainer']", timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=60_000)


def sign_in(browser, app_url, subject):
    """Sign in through the provider's authorization form, as ``subject``; back on the app once its sidebar (drawn
    before the page) says who is signed in."""
    page = fresh_page(browser)
    page.goto(f"{app_url}/")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize\?"), timeout=30_000)
    page.locator("input[name='sub']").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(app_url) + r"/?$"), timeout=30_000)
    page.locator("[data-testid='stSidebar']").get_by_text("Connecté :").wait_for(timeout=60_000)
    return page


def nav_links(page) -> list[str]:
    links = page.locator("[data-testid='stSidebarNav'] a")
    return [links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())]  # after the icon


def assert_sign_in_screen_only(page):
    main = page.locator("[data-testid='stMain']")
    assert page.get_by_role("button", name="Se connecter").is_visible()
    assert main.locator("h1").first.inner_text() == "Parcours"
    for selector in ("[data-testid='stSidebarNav']", "[data-testid='stMultiSelect']", "[data-testid='stMetric']",
                     "[data-testid='stVegaLiteChart']", "[data-testid='stFileUploader']",
                     "[data-testid='stDownloadButton']", "[data-testid='stException']"):
        assert page.locator(selector).count() == 0, selector
    assert "Filtres" not in page.locator("body").inner_text()
    assert "Importer des fichiers" not in page.locator("body").inner_text()


def test_signed_out_sees_nothing_but_the_sign_in_screen(app_url, browser):
    page = fresh_page(browser)
    for path in ("/", "/data"):
        page.goto(app_url + path)
        settle(page)
        page.get_by_role("button", name="Se connecter").wait_for(timeout=30_000)
        assert_sign_in_screen_only(page)
    page.context.close()


def test_a_viewer_sees_the_analysis_pages_but_not_the_data_page(app_url, browser):
    page = sign_in(browser, app_url, VIEWER)
    page.locator("[data-testid='stMetric']").first.wait_for(timeout=60_000)  # the overview
    settle(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert f"{VIEWER} · lecteur" in sidebar.inner_text()
    links = nav_links(page)
    assert "Vue d'ensemble" in links and "Entonnoir" in links
    assert "Données" not in links
    # a link to the Data page does not open it: Streamlit says the page does not exist and runs the overview
    page.goto(f"{app_url}/data")
    page.get_by_role("dialog").get_by_text("Page not found").wait_for(timeout=30_000)
    settle(page)
    body = page.locator("body").inner_text()
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    assert "Importer des fichiers" not in body and "Vérifier" not in body
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="detached", timeout=10_000)
    # signing out goes through the provider's end-session page and back to the sign-in screen
    sidebar.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/oauth2/end_session"), timeout=30_000)
    page.locator("button[type='submit']").first.click()
    page.get_by_role("button", name="Se connecter").wait_for(timeout=30_000)
    settle(page)
    assert_sign_in_screen_only(page)
    page.context.close()


def test_an_admin_sees_the_data_page_and_imports(app_url, browser):
    page = sign_in(browser, app_url, CHIEF)  # an admin by the groups claim of the ID token
    sidebar = page.locator("[data-testid='stSidebar']")
    assert "Cheffe de projet (chef@example.com) · administrateur" in sidebar.inner_text()
    assert "Données" in nav_links(page)
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Données").click()
    page.get_by_text("Importer des fichiers").wait_for(timeout=60_000)
    settle(page)
    assert page.get_by_text("Connexion désactivée").count() == 0  # sign-in is on: no open-mode notice
    uploads = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    uploads.nth(0).set_input_files(str(EXAMPLES / "clients.csv"))
    page.get_by_role("button", name="Vérifier").click()
    page.get_by_text("Fichiers valides").wait_for(timeout=60_000)
    page.get_by_role("button", name="Écrire dans la base").click()
    page.get_by_text("Import terminé").wait_for(timeout=60_000)
    assert "12 rows read, 12 written" in page.locator("[data-testid='stCode']").inner_text()
    assert page.locator("[data-testid='stException']").count() == 0
    page.context.close()
