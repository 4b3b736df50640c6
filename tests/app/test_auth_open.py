"""Sign-in and roles, headless (AppTest): without secrets the app runs open and the Data page says so; with an
``[auth]`` section (AppTest's ``secrets``) and a user (AppTest's ``user``, as ``st.user`` gets it from the ID token),
the sign-in screen, the viewer and the admin. The real sign-in, through a real OpenID Connect provider and a
browser, is tests/e2e/test_auth.py."""

import time

import pytest
import streamlit as st
from streamlit import config
from streamlit.runtime.secrets import Secrets
from streamlit.testing.v1 import AppTest

from tests.app.conftest import fresh_app
from tests.conftest import ROOT
from ui.auth import admin_by_rules, exposed_secrets, sign_in_expired

AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "parcours",
        "client_secret": "s", "server_metadata_url": "http://localhost:1/.well-known/openid-configuration"}
ROLES = {"admins": ["admine@example.com"], "admin_claim": "groups", "admin_value": "parcours-admins"}


@pytest.fixture
def no_secrets_file(tmp_path, monkeypatch):
    """No secrets file anywhere Streamlit looks (whatever a developer keeps in ~/.streamlit or .streamlit/)."""
    before = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(tmp_path / "nowhere" / "secrets.toml")])
    monkeypatch.setattr(st, "secrets", Secrets())
    yield
    config.set_option("secrets.files", before)


def signed_in_app(demo_db_url, monkeypatch, **user) -> AppTest:
    at = fresh_app(demo_db_url, monkeypatch)
    at.secrets = {"auth": AUTH, "roles": ROLES}
    # signed in a minute ago (the ID token's iat: a sign-in lasts [parcours] session_hours)
    at.user = {"is_logged_in": True, "iat": int(time.time()) - 60, **user} if user else {"is_logged_in": False}
    return at


def sidebar_captions(at) -> str:
    return " ".join(c.value for c in at.sidebar.caption).replace("\\", "")  # shown as text: markdown escaped


def texts(at) -> str:
    return " ".join(e.value for kind in ("markdown", "info", "error", "caption", "title") for e in at.get(kind)
                    if isinstance(getattr(e, "value", None), str))


def test_without_secrets_the_app_runs_open_and_the_data_page_says_so(demo_db_url, monkeypatch, no_secrets_file):
    at = fresh_app(demo_db_url, monkeypatch).run()
    assert not at.exception, at.exception
    assert at.sidebar.multiselect(key="persona") is not None  # the filters, no sign-in screen
    assert not [b for b in at.button if b.label == "Se connecter"]
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    notice = [i.value for i in at.info if "Connexion désactivée" in i.value]
    assert notice and "Sign-in and roles" in notice[0] and "README" in notice[0]
    kinds = [u for u in at.get("file_uploader") if u.key.startswith("upload_")]
    assert len(kinds) == 3  # everyone may import in open mode


def test_signed_out_gets_only_the_sign_in_screen(demo_db_url, monkeypatch):
    at = signed_in_app(demo_db_url, monkeypatch).run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Se connecter"]
    assert at.title[0].value == "Parcours"
    assert not at.sidebar.multiselect and not at.metric and not at.get("file_uploader")


def test_a_viewer_is_refused_the_data_page_even_when_its_script_runs(demo_db_url, monkeypatch):
    at = signed_in_app(demo_db_url, monkeypatch, email="lecteur@example.com").run()
    assert not at.exception, at.exception
    assert at.metric  # the overview
    assert "Connecté : lecteur@example.com · lecteur" in sidebar_captions(at)
    # the only action button (the period presets are filters): signing out
    assert [b.label for b in at.sidebar.button if not (b.key or "").startswith("preset_")] == ["Se déconnecter"]
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in a viewer's navigation
        at.switch_page("app_pages/data.py")
    # the Data page script itself, as if reached some other way: it checks the role again
    page = AppTest.from_file(str(ROOT / "app_pages" / "data.py"), default_timeout=120)
    page.secrets, page.user = at.secrets, {"is_logged_in": True, "email": "lecteur@example.com",
                                           "iat": int(time.time())}
    page.run()
    assert not page.exception, page.exception
    assert any("réservée aux administrateurs" in e.value for e in page.error)
    assert not page.get("file_uploader") and not page.button


@pytest.mark.parametrize("user", [{"email": "Admine@Example.com", "email_verified": True},
                                  {"email": "chef@example.com", "groups": ["staff", "parcours-admins"]}],
                         ids=["by e-mail", "by claim"])
def test_an_admin_gets_the_data_page_without_the_open_notice(demo_db_url, monkeypatch, user):
    at = signed_in_app(demo_db_url, monkeypatch, **user)
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    assert len([u for u in at.get("file_uploader") if u.key.startswith("upload_")]) == 3
    assert "Connexion désactivée" not in texts(at) and "réservée" not in texts(at)
    assert "· administrateur" in sidebar_captions(at)


def test_the_admin_rules():
    assert admin_by_rules({"email": "ADMINE@example.com ", "email_verified": True}, ROLES)
    assert admin_by_rules({"email": "admine@example.com", "email_verified": "true"}, ROLES)
    assert not admin_by_rules({"email": "admine@example.com", "email_verified": False}, ROLES)  # unverified
    # no email_verified claim at all (Entra ID): anyone could have typed the address, so not an admin by e-mail…
    assert not admin_by_rules({"email": "admine@example.com"}, ROLES)
    # …but by an immutable claim (the user's object id, never reassigned)
    assert admin_by_rules({"email": "admine@example.com", "oid": "8f3c"}, {"admin_claim": "oid", "admin_value": "8f3c"})
    assert admin_by_rules({"email": "x@example.com", "groups": "parcours-admins"}, ROLES)  # a claim as a string
    assert admin_by_rules({"groups": ["a", "parcours-admins"]}, {**ROLES, "admin_value": ["b", "parcours-admins"]})
    assert not admin_by_rules({"email": "x@example.com", "groups": ["parcours-admins-not"]}, ROLES)
    assert not admin_by_rules({"email": "x@example.com"}, {})  # no [roles]: every signed-in user is a viewer
    assert not admin_by_rules({"email": ""}, {"admins": [""]})
    assert not admin_by_rules({"groups": ["parcours-admins"]}, {"admin_claim": "groups"})  # no value: nobody


def test_a_sign_in_lasts_session_hours(demo_db_url, monkeypatch):
    """Eight hours by default (not Streamlit's 30-day cookie), from the ID token's auth_time, else iat; older, the
    user is signed out (st.logout) before anything is shown."""
    nine_hours_ago = int(time.time()) - 9 * 3600
    at = signed_in_app(demo_db_url, monkeypatch, email="lecteur@example.com", iat=nine_hours_ago).run()
    assert not at.exception, at.exception
    assert not at.metric and not at.sidebar.multiselect and not at.button  # signed out: nothing shown
    # a longer lifetime in the secrets keeps the same sign-in
    at = signed_in_app(demo_db_url, monkeypatch, email="lecteur@example.com", iat=nine_hours_ago)
    at.secrets = {**at.secrets, "parcours": {"session_hours": 12}}
    at.run()
    assert not at.exception, at.exception
    assert at.metric
    # auth_time (when the user authenticated) comes before iat (a refreshed token's issue time)
    at = signed_in_app(demo_db_url, monkeypatch, email="lecteur@example.com", iat=int(time.time()),
                       auth_time=nine_hours_ago).run()
    assert not at.metric


def test_sign_in_expiry_rules():
    now = 1_800_000_000
    assert not sign_in_expired({"iat": now - 7 * 3600}, 8, now=now)
    assert sign_in_expired({"iat": now - 8 * 3600 - 1}, 8, now=now)
    assert sign_in_expired({"iat": now, "auth_time": now - 9 * 3600}, 8, now=now)
    assert sign_in_expired({}, 8, now=now)  # no time at all: signed out, never kept forever
    assert not sign_in_expired({"iat": str(now - 60)}, 8, now=now)


def test_a_secrets_file_others_may_read_is_found(tmp_path):
    """Mode 600 is quiet; group- or world-readable is reported (a log line at start, a warning on the Data page)."""
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text("[parcours]\n", encoding="utf-8")
    before = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(secrets_file), str(tmp_path / "absent.toml")])
    try:
        secrets_file.chmod(0o600)
        assert exposed_secrets() == []
        secrets_file.chmod(0o640)
        assert exposed_secrets() == [str(secrets_file)]
    finally:
        config.set_option("secrets.files", before)
