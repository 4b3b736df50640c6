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

An admin by e-mail needs the provider to say the address is verified (``email_verified = true``); a provider that
sends no such claim (Entra ID) makes admins by an immutable claim instead (``admin_claim = "oid"`` or ``"sub"``, a
group or role claim). A sign-in lasts ``[parcours] session_hours`` (8 by default), counted from the ID token's
``auth_time`` (or ``iat``); after that the user is signed out and signs in again.

A secrets file that exists but cannot be read stops the app with an error rather than opening it.
"""

import stat
import time
from collections.abc import Mapping
from pathlib import Path

import streamlit as st
from streamlit.logger import get_logger

from ui import uploads
from ui.i18n import t

LOG = get_logger("parcours.auth")
SESSION_HOURS = 8  # default sign-in lifetime ([parcours] session_hours), instead of Streamlit's 30-day cookie
WIDE = {"", "0.0.0.0", "::", "[::]"}  # listening on every interface
_start_logged = False


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


def _section(name: str) -> dict:
    """A section of the secrets, read at each run (Streamlit reloads an edited secrets file: a new run sees it)."""
    if not _secrets_readable():
        return {}
    try:
        section = st.secrets.get(name, {})
    except Exception:
        return {}
    return dict(section) if isinstance(section, Mapping) else {}


def _roles() -> dict:
    return _section("roles")


def session_hours() -> float:
    """How long a sign-in lasts: ``[parcours] session_hours`` (a positive number), else 8 hours."""
    value = _section("parcours").get("session_hours")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 \
        else float(SESSION_HOURS)


def sign_in_expired(user: Mapping, hours: float, now: float | None = None) -> bool:
    """Whether a sign-in is older than ``hours``, by the ID token's ``auth_time`` (when the user authenticated) or
    else ``iat`` (when the token was issued). A token with neither is treated as expired."""
    issued = user.get("auth_time", user.get("iat"))
    if isinstance(issued, str) and issued.strip().isdigit():
        issued = int(issued)
    if not isinstance(issued, int | float) or isinstance(issued, bool):
        return True
    return (time.time() if now is None else now) - float(issued) > hours * 3600


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

    By e-mail: ``email`` is in ``admins`` (case-insensitive) and the provider says it is verified
    (``email_verified = true``; without that claim anyone could type the address). By claim: the claim
    ``admin_claim`` equals ``admin_value`` or, for a list claim (``groups``), contains it; ``admin_value`` may be a
    list (any of them). Prefer an immutable claim (``sub``, ``oid``, a group or role) with providers that send no
    ``email_verified`` (Entra ID)."""
    email = str(user.get("email") or "").strip().lower()
    admins = {a.strip().lower() for a in _values(roles.get("admins"))}
    verified = user.get("email_verified") in (True, "true", "True")  # absent (Entra ID) is not verified
    if email and email in admins and verified:
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
        uploads.revoke()
        st.error(t("auth.secrets_unreadable"), icon=":material/lock:")
        st.stop()
    if not auth_configured():
        return
    if signed_in():
        if not sign_in_expired(_user(), session_hours()):
            return
        uploads.revoke()
        st.logout()  # the sign-in is older than [parcours] session_hours: sign in again
        st.stop()
    uploads.revoke()  # the sign-in screen never uploads
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


def listening_address() -> str:
    return str(st.get_option("server.address") or "")


def listens_wide() -> bool:
    return listening_address().strip() in WIDE


def exposed_secrets() -> list[str]:
    """Secrets files that other users of the machine may read (mode & 0o077): they hold the cookie and client
    secrets."""
    exposed = []
    try:
        paths = st.get_option("secrets.files")
    except Exception:
        return []
    for p in paths:
        try:
            if Path(p).is_file() and stat.S_IMODE(Path(p).stat().st_mode) & 0o077:
                exposed.append(str(p))
        except OSError:
            continue
    return exposed


def log_start() -> None:
    """Once per process, at the first run: what the app exposes and to whom, in the server's log."""
    global _start_logged
    if _start_logged:
        return
    _start_logged = True
    address = listening_address() or "every interface"
    if not auth_configured():
        if listens_wide():
            LOG.warning("Open mode (no sign-in) listening on %s: anyone on the network may import, undo, forget and "
                        "reset. Add an [auth] section (README: Sign-in and roles) or listen on 127.0.0.1.", address)
        else:
            LOG.info("Open mode (no sign-in): listening on %s only. Listening wider needs sign-in (an [auth] "
                     "section) or an explicit --server.address.", address)
    else:
        LOG.info("Sign-in on: listening on %s; a sign-in lasts %g h ([parcours] session_hours).", address,
                 session_hours())
    for path in exposed_secrets():
        LOG.warning("%s is readable by other users of this machine: chmod 600 it (it holds the sign-in secrets).",
                    path)
