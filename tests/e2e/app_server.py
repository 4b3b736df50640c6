"""The real app as a server for the browser tests: ``streamlit run app.py`` on a free local port, on a given
database, its output kept in a log file (shown if it does not start)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, demo_database  # noqa: F401 - the browser tests import it from here


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def started_app(db_url: str, folder: Path, *options: str, name: str = "streamlit", port: int | None = None):
    """Yield (base URL, process, log path) while ``streamlit run app.py`` runs on ``db_url`` with only ``options``
    (the project's .streamlit/config.toml decides the rest, the listening address included)."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = folder / f"{name}.log"
    with open(log_path, "w+b") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                 *options], cwd=ROOT, env={**os.environ, "PARCOURS_DB_URL": db_url}, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.3)
            else:
                log.seek(0)
                pytest.fail("streamlit did not start: " + log.read().decode(errors="replace")[-2000:])
            yield base, proc, log_path
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def running_app(db_url: str, folder: Path, *options: str, port: int | None = None):
    """Yield the app's base URL while it runs on ``db_url`` on this computer only (``options``: more ``streamlit
    run`` options)."""
    with started_app(db_url, folder, "--server.headless", "true", "--server.address", "127.0.0.1",
                     *options, port=port) as (base, _, _):
        yield base

