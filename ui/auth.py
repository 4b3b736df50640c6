"""Sign-in and roles: optional sign-in through the company's identity provider (OpenID Connect, ``st.login``) and two
roles, viewer and admin.

Everything is set in ``.streamlit/secrets.toml`` (never committed; see the README's "Sign-in and roles"):

- no secrets file, or one without an ``[auth]`` section: the app runs **open**, as the embedded demo does — no
  sign-in, and everyone is an admin (the Data page says so);
- an ``[auth]`` section (Streamlit's own: ``redirect_uri``, ``cookie_secret``, ``client_id``, ``client_secret``,
  ``server_metadata_url``): everyone must sign in; a signed-in user is a **viewer** (the analysis pages) unless the
  ``[roles]`` section makes them an **admin** (also the Data page: import, undo, reset)::

      [roles]
      admins = ["alice@example.com"]    # by e-mail (the ID token's ``email``; case does not matter)
      admin_claim = "groups"            # and/or by a claim of the ID token…
      admin_value = "parcours-admins"   # …equal to, or (a list claim) containing, this value (or one of a list)

A secrets file that exists but cannot be read stops the app with an error rather than opening it.
"""

from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from ui.i18n import t


def _secrets_readable() -> bool:
    """Whether a secrets file was read (False when there is none; a broken one is handled by the callers)."""
    try:
        return bool(st.secrets.load_if_toml_exists())
    except Exception:  # never let the probe break the app
        return False


def _secrets_broken() -> bool:
    """A configured secrets file exists but could not be read (a TOML error): never run open because of a typo."""
    if _secrets_readable():
        return False
    try:
        return any(Path(p).exists() for p in st.get_option("secrets.files"))
    except Exception:
        return False


def auth_configured() -> bool:
    """Whether sign-in is on: the secrets hold an ``[auth]`` section (no secrets file at all = open mode)."""
    if not _secrets_readable():
        return _secrets_broken()  # unreadable: treated as configured, and require_sign_in says why it stops
    try:
        return "auth" in st.secrets
    except Exception:
        return False


def _roles() -> dict:
    if not _secrets_readable():
        return {}
    try:
        roles = st.secrets.get("roles", {})
    except Exception:
        return {}
    return dict(roles) if isinstance(roles, Mapping) else {}


def _user() -> dict:
    try:
        return dict(st.user.to_dict())
    except Exception:  # no session behind the call
        return {}


def signed_in() -> bool:
    return bool(_user().get("is_logged_in"))


def _values(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | int | float | bool):
        return [str(value)]
    if isinstance(value, Mapping):
        return [str(k) for k in value]
    try:
        return [str(v) for v in value]
    except TypeError:
        return [str(value)]


def admin_by_rules(user: Mapping, roles: Mapping) -> bool:
    """Whether a signed-in user (the ID token's claims) is an admin under the ``[roles]`` section.

    By e-mail: ``email`` is in ``admins`` (case-insensitive), unless the provider says it is not verified
    (``email_verified = false``). By claim: the claim ``admin_claim`` equals ``admin_value`` or, for a list claim
    (``groups``), contains it; ``admin_value`` may be a list (any of them)."""
    email = str(user.get("email") or "").strip().lower()
    admins = {a.strip().lower() for a in _values(roles.get("admins"))}
    if email and email in admins and user.get("email_verified") not in (False, "false"):
        return True
    claim = roles.get("admin_claim")
    if claim and claim in user:
        wanted = set(_values(roles.get("admin_value")))
        return bool(wanted & set(_values(user.get(claim))))
    return False


def is_admin() -> bool:
    """Admins see the Data page and may import, undo and reset. Open mode: everyone (as the embedded demo)."""
    if not auth_configured():
        return True
    if _secrets_broken():
        return False
    user = _user()
    return bool(user.get("is_logged_in")) and admin_by_rules(user, _roles())


def require_sign_in() -> None:
    """When sign-in is on and nobody is signed in: the sign-in screen (the app's name, one button), then stop."""
    if _secrets_broken():
        st.error(t("auth.secrets_unreadable"), icon=":material/lock:")
        st.stop()
    if not auth_configured() or signed_in():
        return
    st.title(t("app.title"))
    st.write(t("app.tagline"))
    st.write(t("auth.sign_in_intro"))
    if st.button(t("auth.sign_in"), type="primary", icon=":material/login:"):
        st.login()
    st.stop()


def account_box() -> None:
    """In the sidebar, for a signed-in user: who they are, their role, and the sign-out button."""
    if not auth_configured() or not signed_in():
        return
    from ui.widgets import plain  # the name comes from the identity provider: shown as text

    user = _user()
    name, email = user.get("name"), user.get("email")
    who = f"{name} ({email})" if name and email and name != email else (name or email or user.get("sub") or "?")
    role = t("auth.role.admin") if is_admin() else t("auth.role.viewer")
    st.sidebar.caption(t("auth.signed_in_as", who=plain(who), role=role))
    if st.sidebar.button(t("auth.sign_out"), icon=":material/logout:"):
        st.logout()


def require_admin() -> None:
    """The Data page's own check (the navigation hides it from viewers, but a page must not rely on that)."""
    if not is_admin():
        st.error(t("auth.admin_only"), icon=":material/lock:")
        st.stop()
