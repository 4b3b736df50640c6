"""Hostile clients for the upload guard's tests: the real app started as a deployment starts it (``streamlit run
app.py``, no ``--server.address`` unless given), Streamlit sessions spoken to at the protocol level (a websocket to
``/_stcore/stream``, the protobuf messages a browser sends), uploads sent as raw HTTP ``PUT`` requests (what a
script does after reading a session id), the server's listening sockets and memory read from /proc."""

from __future__ import annotations

import os
import socket
import time
import urllib.request
import uuid
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

MB = 1024 * 1024


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, size in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            if size == 8:
                found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:  # four little-endian 32-bit words
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def xsrf_cookie(base: str) -> str:
    """The XSRF cookie Streamlit hands every client (its frontend sends it back as the X-Xsrftoken header)."""
    response = urllib.request.urlopen(f"{base}/_stcore/health", timeout=10)
    for cookie in response.headers.get_all("Set-Cookie") or []:
        if cookie.startswith("_streamlit_xsrf="):
            return cookie.split(";")[0].split("=", 1)[1]
    raise AssertionError("no XSRF cookie")


class Session:
    """One Streamlit session at the protocol level: a websocket as a browser opens it, pages asked for as the
    browser asks for them."""

    def __init__(self, base: str):
        self.base, self.host = base, base.split("//", 1)[1]
        self.xsrf = xsrf_cookie(base)
        self.ws = None
        self.session_id: str | None = None
        self.alerts: list[str] = []

    def __enter__(self):
        self._connection = connect(f"ws://{self.host}/_stcore/stream", subprotocols=["streamlit", self.xsrf],
                                   origin=self.base, max_size=None, additional_headers={"Cookie": self.cookie})
        self.ws = self._connection.__enter__()
        return self

    def __exit__(self, *exc):
        self._connection.__exit__(*exc)

    @property
    def cookie(self) -> str:
        return f"_streamlit_xsrf={self.xsrf}"

    def open(self, page: str = "") -> Session:
        """Run ``page`` (its URL path: "" for the overview, "data") and read up to the end of the run."""
        msg = BackMsg()
        msg.rerun_script.page_name = page
        msg.rerun_script.context_info.locale = "fr-FR"
        msg.rerun_script.context_info.url = f"{self.base}/{page}"
        self.ws.send(msg.SerializeToString())
        self.alerts, started = [], False
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=120))
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                started = True
                self.session_id = fwd.new_session.initialize.session_id
            elif started and kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                if element.WhichOneof("type") == "alert":
                    self.alerts.append(element.alert.body)
                assert element.WhichOneof("type") != "exception", element.exception.message
            elif started and kind == "script_finished" and fwd.script_finished != fwd.FINISHED_EARLY_FOR_RERUN:
                return self

    def upload_urls(self, *names: str) -> list[str]:
        """What the frontend asks before an upload (a FileURLsRequest back-channel message): the URLs granted."""
        msg = BackMsg()
        msg.file_urls_request.request_id = uuid.uuid4().hex
        msg.file_urls_request.session_id = self.session_id
        msg.file_urls_request.file_names.extend(names)
        self.ws.send(msg.SerializeToString())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=30))
            if fwd.WhichOneof("type") == "file_urls_response" and \
                    fwd.file_urls_response.response_id == msg.file_urls_request.request_id:
                return [u.upload_url for u in fwd.file_urls_response.file_urls]
        raise AssertionError("no file_urls_response")


class Upload:
    """A raw ``PUT /_stcore/upload_file/<session>/<file>`` of ``size`` bytes (multipart, as the frontend sends it),
    which may be sent in two steps (``start`` then ``finish``) to keep it in flight."""

    def __init__(self, base: str, session_id: str, size: int, xsrf: str, cookie: str = ""):
        self.host, self.port = base.split("//", 1)[1].split(":")
        self.path = f"/_stcore/upload_file/{session_id}/{uuid.uuid4()}"
        self.size, self.sent = size, 0
        boundary = uuid.uuid4().hex
        self.head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"export.csv\"\r\n"
                     "Content-Type: text/csv\r\n\r\n").encode()
        self.tail = f"\r\n--{boundary}--\r\n".encode()
        cookies = "; ".join(c for c in (f"_streamlit_xsrf={xsrf}", cookie) if c)
        self.request = (f"PUT {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                        f"Content-Length: {len(self.head) + size + len(self.tail)}\r\n"
                        f"X-Xsrftoken: {xsrf}\r\nCookie: {cookies}\r\n\r\n").encode() + self.head
        self.sock = socket.create_connection((self.host, int(self.port)), timeout=60)

    def start(self, upto: int) -> Upload:
        self.sock.sendall(self.request)
        self._send(upto)
        return self

    def _send(self, upto: int) -> None:
        chunk = b"x" * MB
        try:
            while self.sent < upto:
                n = min(MB, upto - self.sent)
                self.sock.sendall(chunk[:n])
                self.sent += n
        except OSError:  # the server answered and closed without reading the body: what a refusal may do
            pass

    def finish(self) -> tuple[int, str]:
        self._send(self.size)
        try:
            self.sock.sendall(self.tail)
        except OSError:
            pass
        data = b""
        try:
            while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + _length(data):
                more = self.sock.recv(65536)
                if not more:
                    break
                data += more
        finally:
            self.sock.close()
        status = int(data.split(b" ", 2)[1]) if data else 0
        return status, data.partition(b"\r\n\r\n")[2].decode(errors="replace")

    def send(self) -> tuple[int, str]:
        return self.start(0).finish()


def _length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def http_status(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def listening_pid(port: int) -> int:
    """The process listening on ``port`` (its socket's inode in /proc/net/tcp, then the process holding it)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
                inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd).removeprefix("socket:[").removesuffix("]") in inodes:
                    return int(proc.name)
        except OSError:
            continue
    raise AssertionError(f"nobody listens on {port}")


def watch_sessions(page) -> list[str]:
    """Record the Streamlit session ids a browser page is given (from the websocket's NewSession messages), latest
    last: what a script in that page could read and use."""
    ids: list[str] = []

    def on_frame(payload):
        if isinstance(payload, bytes | bytearray):
            fwd = ForwardMsg()
            try:
                fwd.ParseFromString(bytes(payload))
            except Exception:  # not a ForwardMsg
                return
            if fwd.WhichOneof("type") == "new_session" and fwd.new_session.initialize.session_id:
                if not ids or ids[-1] != fwd.new_session.initialize.session_id:
                    ids.append(fwd.new_session.initialize.session_id)

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return ids


def browser_upload(page, base: str, session_id: str, size: int) -> tuple[int, str]:
    """A raw PUT with the page's own cookies (XSRF and sign-in), as a script in that page would send it."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies(base)}
    others = "; ".join(f"{k}={v}" for k, v in cookies.items() if k != "_streamlit_xsrf")
    return Upload(base, session_id, size, cookies["_streamlit_xsrf"], others).send()
