"""Sign-in and roles in a real browser: `streamlit run app.py` with an ``[auth]`` section pointing at a real OpenID
Connect provider running in this process (oidc-provider-mock), signed in through the provider's own authorization
form. One provider and one app server for the module (and one more for the sign-in lifetime). Uploads are tried as
raw HTTP PUTs with each browser page's own session id and cookies: only an admin on the Data page may upload."""

import json
import os
import re
import secrets
import time
import urllib.request
import warnings

import pytest

from tests.conftest import EXAMPLES
from tests.e2e.app_server import demo_database, free_port, running_app
from tests.e2e.test_browser import CHROMIUM, IDLE
from tests.e2e.upload_probe import MB, browser_upload, listening_pid, rss_mb, watch_sessions

playwright = pytest.importorskip("playwright.sync_api")
# the provider runs in this process, on Authlib APIs that Authlib itself now marks deprecated
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

VIEWER = "lecteur@example.com"  # typed in the provider's form: an unknown subject gets the claim email = subject
CHIEF = "chef"  # an admin by claim: groups = ["parcours-admins"], set through the provider's PUT /users/<sub>
# an admin's address, with and without the provider saying it is verified (Entra ID sends no email_verified)
VERIFIED, UNVERIFIED = "admine-verifiee", "admine-non-verifiee"
USERS = {CHIEF: {"email": "chef@example.com", "name": "Cheffe de projet", "groups": ["staff", "parcours-admins"]},
         VERIFIED: {"email": "admine@example.com", "email_verified": True},
         UNVERIFIED: {"email": "admine@example.com"}}


def set_user(provider: str, sub: str, claims: dict) -> None:
    request = urllib.request.Request(f"{provider}/users/{sub}", data=json.dumps(claims).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
    assert urllib.request.urlopen(request, timeout=10).status == 204


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
        for sub, claims in USERS.items():
            set_user(base, sub, claims)
        yield base


def auth_secrets(path, base: str, provider: str, roles: str, more: str = "") -> None:
    """The secrets file (outside the repository: --secrets.files replaces the default places), not readable by
    others."""
    path.write_text(f"""
[auth]
redirect_uri = "{base}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "parcours"
client_secret = "{secrets.token_hex(16)}"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[roles]
{roles}
{more}
""", encoding="utf-8")
    path.chmod(0o600)





ROLES = """admins = ["admine@example.com"]
admin_claim = "groups"
admin_value = "parcours-admins"
"""


@pytest.fixture(scope="module")
def app_url(provider, tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run scripts/setup-tests.sh (the README's test command does)")
    tmp = tmp_path_factory.mktemp("auth")
    url = demo_database(tmp)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    auth_secrets(tmp / "secrets.toml", base, provider, ROLES)
    with running_app(url, tmp, "--secrets.files", str(tmp / "secrets.toml"), port=port) as app:
        yield app


def fresh_page(browser):
    """A page in a new browser context (its own cookies: nobody signed in), in French; ``page.sessions`` lists the
    Streamlit session ids it is given."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.sessions = watch_sessions(page)
    return page


def refused_upload(page, app_url):
    """A 30 MB PUT with this page's session id and cookies: refused (403) before the server reads it."""
    pid = listening_pid(int(app_url.rsplit(":", 1)[1]))
    before = rss_mb(pid)
    status, body = browser_upload(page, app_url, page.sessions[-1], 30 * MB)
    assert status == 403 and "Data page" in body
    assert rss_mb(pid) - before < 10


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
    refused_upload(page, app_url)  # the sign-in screen's session may not upload
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
    refused_upload(page, app_url)  # nor may a viewer's, whatever page it asked for
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
    page.get_by_text("12 lignes lues, 12 écrites").first.wait_for(timeout=30_000)  # the summary, in French
    assert page.locator("[data-testid='stException']").count() == 0
    assert browser_upload(page, app_url, page.sessions[-1], MB)[0] == 204  # the Data page's session may upload
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Entonnoir").click()
    page.wait_for_url(re.compile(r"/funnel"), timeout=30_000)
    settle(page)
    refused_upload(page, app_url)  # once it has left the Data page, it may not
    page.context.close()


@pytest.mark.parametrize(("subject", "role"), [(VERIFIED, "administrateur"), (UNVERIFIED, "lecteur")])
def test_an_admin_by_e_mail_needs_the_provider_to_say_it_is_verified(app_url, browser, subject, role):
    """The same listed address: an admin when the ID token says email_verified = true, a viewer when it says
    nothing (as Entra ID, where the address is a typed attribute)."""
    page = sign_in(browser, app_url, subject)
    assert f"admine@example.com · {role}" in page.locator("[data-testid='stSidebar']").inner_text()
    assert ("Données" in nav_links(page)) == (role == "administrateur")
    page.context.close()


LIFETIME_HOURS = 0.006  # 21.6 s: long enough for the roles part under load, 14 s less to wait for the expiry


@pytest.fixture
def short_sign_in_app(provider, tmp_path):
    """A server where a sign-in lasts 36 s, and no admin by e-mail yet."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    secrets_file = tmp_path / "secrets.toml"
    auth_secrets(secrets_file, base, provider, "admins = []", f"[parcours]\nsession_hours = {LIFETIME_HOURS}\n")
    with running_app(demo_database(tmp_path), tmp_path, "--secrets.files", str(secrets_file), port=port) as app:
        yield app, secrets_file


def test_edited_roles_apply_to_the_next_session_and_a_sign_in_expires(short_sign_in_app, browser):
    app_url, secrets_file = short_sign_in_app
    page = sign_in(browser, app_url, VERIFIED)
    signed_at = time.monotonic()  # the ID token was issued before this
    assert "admine@example.com · lecteur" in page.locator("[data-testid='stSidebar']").inner_text()
    # the secrets file edited while the app runs: the next session (a reload) reads the new [roles]
    secrets_file.write_text(secrets_file.read_text(encoding="utf-8").replace("admins = []",
                                                                             'admins = ["admine@example.com"]'),
                            encoding="utf-8")
    time.sleep(2)  # Streamlit polls the secrets file
    page.reload()
    page.locator("[data-testid='stSidebar']").get_by_text("· administrateur").wait_for(timeout=60_000)
    assert "Données" in nav_links(page)
    # past the lifetime, the same browser (its sign-in cookie still there) is signed out
    time.sleep(max(0.0, signed_at + LIFETIME_HOURS * 3600 + 2 - time.monotonic()))
    page.reload()
    page.wait_for_url(re.compile(r"/oauth2/end_session"), timeout=60_000)  # st.logout, at the provider too
    page.locator("button[type='submit']").first.click()
    page.get_by_role("button", name="Se connecter").wait_for(timeout=30_000)
    settle(page)
    assert_sign_in_screen_only(page)
    page.context.close()
