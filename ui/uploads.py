"""The upload guard: upload capacity belongs to the Data page of an admin, nothing else.

Streamlit hands any session upload URLs when its frontend asks (a ``FileURLsRequest`` back-channel message) and
accepts ``PUT /_stcore/upload_file/<session_id>/<file_id>`` for any live session, whatever that session shows: a
session on the sign-in screen could make the server hold hundreds of megabytes. The guard, installed from ``app.py``
at the first run of the process (``install``; the same process-wide objects at every later run), changes that:

- a session may upload only while its last run was the Data page of an admin (``allow``, called by the page after its
  role check; ``app.py`` calls ``revoke`` for every other page, the sign-in screen and the presentation);
- in front of Streamlit's HTTP routes (its Starlette app, reached through this session's websocket scope), an upload
  from any other session is refused with **403** before its body is read, and once the bytes held plus the bytes
  being received would pass the cap (``[parcours] upload_total_mb`` in the secrets, by default twice
  ``server.maxUploadSize``) with **503**; ``/_stcore/metrics`` answers **404** (we do not publish Streamlit's
  internal metrics, with or without sign-in);
- the runtime's uploaded-file manager (the same object Streamlit's routes hold) gets a subclass that hands no upload
  URL to such a session and refuses to store its files (for a request already past the HTTP check);
- a session's uploads go when its websocket closes (``sweep``; Streamlit itself drops them only when it shuts a
  session down, which it never does to a disconnected one: such files stayed in memory for good);
- ``release`` drops files the Data page has read; ``trim_memory`` gives freed memory back to the system.

Checked on Streamlit 1.67 and 1.58 (Starlette/uvicorn server: everything above). On 1.55 (Tornado server, which reads
a request's whole body before any handler runs) the HTTP layer is not installed (a warning says so) and the manager's
checks remain: uploads from other sessions or past the cap are answered 403 / 503 once received and never kept,
files of sessions gone are dropped at the next run or upload, and /_stcore/metrics stays on.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import re
import threading

from streamlit import config
from streamlit.logger import get_logger

LOG = get_logger("parcours.uploads")
UPLOAD_PATH = re.compile(r"/_stcore/upload_file/([^/]+)/[^/]+/?$")
METRICS_PATH = re.compile(r"/_stcore/metrics/?$")
REFUSED = "Uploads are accepted only from the Data page of a signed-in admin."
FULL = "Upload capacity in use (upload_total_mb): try again once the current uploads are done."

_lock = threading.Lock()
_allowed: set[str] = set()
_in_flight = 0  # bytes reserved by uploads being received
_cap = 0  # bytes, set by install()
_installed = False
_http_installed = False
_warned = False


def max_upload_bytes() -> int:
    return int(config.get_option("server.maxUploadSize")) * 1024 * 1024


def default_cap_mb() -> int:
    return 2 * int(config.get_option("server.maxUploadSize"))


def cap_bytes() -> int:
    return _cap


def allowed(session_id: str) -> bool:
    with _lock:
        return session_id in _allowed


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else None


def allow() -> None:
    """This session may upload (the Data page, after its admin check)."""
    session_id = _session_id()
    if session_id:
        with _lock:
            _allowed.add(session_id)


def revoke() -> None:
    """This session may not upload (any other page, the sign-in screen, the presentation)."""
    session_id = _session_id()
    if session_id:
        with _lock:
            _allowed.discard(session_id)


def _manager():
    from streamlit.runtime import Runtime

    return Runtime.instance().uploaded_file_mgr if Runtime.exists() else None


def release(uploads) -> None:
    """Drop uploaded files the Data page has read (Streamlit would otherwise hold them until the session ends)."""
    manager, session_id = _manager(), _session_id()
    if manager is None or session_id is None:
        return
    for upload in uploads:
        manager.remove_file(session_id, upload.file_id)


def sweep() -> None:
    """Drop the uploads of sessions that are no longer connected. Streamlit drops a session's files only when it
    shuts the session down, which a disconnected session (kept for a reconnect, then forgotten) never is: files
    uploaded by a session that went away stayed in memory for good."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return
    runtime = Runtime.instance()
    manager = runtime.uploaded_file_mgr
    for session_id in [s for s in list(getattr(manager, "file_storage", {})) if not runtime.is_active_session(s)]:
        manager.remove_session_files(session_id)
    with _lock:
        _allowed.difference_update([s for s in _allowed if not runtime.is_active_session(s)])


def held_bytes(manager=None) -> int:
    """Bytes of uploaded files the server holds, all sessions."""
    manager = manager or _manager()
    if manager is None:
        return 0
    total = getattr(manager, "_total_bytes", None)  # MemoryUploadedFileManager keeps the sum
    if isinstance(total, int):
        return total
    storage = getattr(manager, "file_storage", {})
    return sum(len(f.data) for files in list(storage.values()) for f in list(files.values()))


def _refusal(status: int, detail: str):
    """The exception the server turns into ``status`` (Starlette since Streamlit 1.58, Tornado before)."""
    try:
        if _http_installed:
            from starlette.exceptions import HTTPException

            return HTTPException(status_code=status, detail=detail)
        from tornado.web import HTTPError

        return HTTPError(status, reason=detail.rstrip("."))
    except ImportError:  # the handler answers 500, and nothing is kept all the same
        return PermissionError(detail)


def _guarded(cls: type) -> type:
    """A subclass of the runtime's uploaded-file manager class, swapped onto the instance Streamlit's routes hold
    (it keeps its state; no slots added, so the swap is allowed)."""

    def get_upload_urls(self, session_id, file_names):
        if not allowed(session_id):
            LOG.warning("Upload URLs refused to session %s: not on the Data page of an admin", session_id)
            return []
        return cls.get_upload_urls(self, session_id, file_names)

    def add_file(self, session_id, file):
        if not allowed(session_id):
            raise _refusal(403, REFUSED)
        if held_bytes(self) + len(file.data) > _cap:
            sweep()  # files of sessions gone first
            if held_bytes(self) + len(file.data) > _cap:
                raise _refusal(503, FULL)
        return cls.add_file(self, session_id, file)

    def remove_session_files(self, session_id):  # the session ended
        with _lock:
            _allowed.discard(session_id)
        before = held_bytes(self)
        cls.remove_session_files(self, session_id)
        if held_bytes(self) < before:
            _malloc_trim()  # the freed upload goes back to the system, not to the heap's free lists

    return type(f"Guarded{cls.__name__}", (cls,), {
        "__slots__": (), "__module__": __name__, "parcours_guard": True, "get_upload_urls": get_upload_urls,
        "add_file": add_file, "remove_session_files": remove_session_files})


async def _answer(send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class _HttpGuard:
    """ASGI layer in front of Streamlit's own stack: decides before a byte of an upload is read."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        global _in_flight
        if scope.get("type") == "websocket":  # a session's connection: when it closes, its uploads go
            try:
                return await self.app(scope, receive, send)
            finally:
                sweep()
        if scope.get("type") != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if METRICS_PATH.search(path):
            return await _answer(send, 404, "Not found")
        match = UPLOAD_PATH.search(path)
        if not match or scope.get("method") in ("OPTIONS", "DELETE"):
            return await self.app(scope, receive, send)
        if not allowed(match.group(1)):
            LOG.warning("Upload refused (403): session %s is not on the Data page of an admin", match.group(1))
            return await _answer(send, 403, REFUSED)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        try:
            size = int(declared) if declared else max_upload_bytes()
        except ValueError:
            size = max_upload_bytes()
        size = max(0, min(size, max_upload_bytes() + 1024 * 1024))  # Streamlit cuts the body there itself
        if held_bytes() + _in_flight + size > _cap:
            sweep()  # files of sessions gone first
        with _lock:
            refused = held_bytes() + _in_flight + size > _cap
            if not refused:
                _in_flight += size
        if refused:
            LOG.warning("Upload refused (503): %d bytes held or being received, cap %d", held_bytes() + _in_flight,
                        _cap)
            return await _answer(send, 503, FULL)
        try:
            await self.app(scope, receive, send)
        finally:
            with _lock:
                _in_flight -= size


def _starlette_app(runtime, session_id: str | None):
    """Streamlit's Starlette app, from this session's websocket (whose ASGI scope names the app serving it)."""
    try:
        client = runtime.get_client(session_id) if session_id else None
        websocket = getattr(client, "_websocket", None)
        app = getattr(websocket, "scope", {}).get("app") if websocket is not None else None
    except Exception:  # another Streamlit: no such objects
        return None
    return app if hasattr(app, "middleware_stack") and hasattr(app, "build_middleware_stack") else None


def _read_cap() -> int:
    try:
        import streamlit as st

        value = (st.secrets.get("parcours") or {}).get("upload_total_mb") if st.secrets.load_if_toml_exists() else None
    except Exception:
        value = None
    mb = float(value) if isinstance(value, int | float) and value > 0 else default_cap_mb()
    return int(mb * 1024 * 1024)


def install() -> None:
    """Put the guard in place (idempotent: every run calls it, the first does the work), then drop the files of
    sessions gone (cheap: the sessions holding files)."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():  # AppTest and bare mode: no server, nothing to guard
        return
    if not (_installed and _http_installed):
        _install(Runtime.instance())
    sweep()


def _install(runtime) -> None:
    global _installed, _http_installed, _cap, _warned
    with _lock:
        if not _installed:
            _cap = _read_cap()
            manager = runtime.uploaded_file_mgr
            cls = type(manager)
            if not getattr(cls, "parcours_guard", False):
                try:
                    manager.__class__ = _guarded(cls)
                except TypeError:  # a manager class that cannot be extended in place
                    LOG.error("Upload guard: cannot extend %s; uploads are checked over HTTP only", cls.__name__)
            # files a session stored before the guard was there (the first run's first moments) are dropped
            for session_id in list(getattr(manager, "file_storage", {})):
                cls.remove_session_files(manager, session_id)
            _installed = True
            LOG.info("Uploads: only from the Data page of an admin, at most %d MB held or being received "
                     "([parcours] upload_total_mb)", _cap // (1024 * 1024))
        if not _http_installed:
            app = _starlette_app(runtime, _session_id())
            if app is None:  # tried again at the next run
                if not _warned:
                    LOG.warning("Upload guard: Streamlit's server is not a Starlette app here (Streamlit < 1.58); "
                                "uploads from other sessions are refused once received, not before, and "
                                "/_stcore/metrics stays on")
                    _warned = True
                return
            stack = app.middleware_stack or app.build_middleware_stack()
            if not isinstance(stack, _HttpGuard):
                app.middleware_stack = _HttpGuard(stack)
            _http_installed = True
            LOG.info("Uploads refused before they are read; /_stcore/metrics disabled")


def _malloc_trim() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def trim_memory() -> None:
    """After the Data page has read or written big files: collect, and give freed heap back to the system (glibc
    keeps freed blocks of up to 32 MB in its heap, where RSS still counts them)."""
    gc.collect()
    _malloc_trim()
