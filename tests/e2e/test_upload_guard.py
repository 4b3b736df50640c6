"""Hostile input never takes the server down (issue 13), against the real app as a deployment starts it (no
``--server.address``: the project's .streamlit/config.toml decides), in open mode: what it listens on, who may
upload (raw HTTP PUTs from protocol-level sessions: the requests a script sends), the cap on upload memory,
uploads released when their session ends, /_stcore/metrics, a secrets file others may read, and three exports
named alike imported through the Data page in Chromium. Sign-in (signed out, viewer, admin): tests/e2e/test_auth.py.
"""

import os
import shutil
import threading
import time

import pytest

from tests.conftest import EXAMPLES
from tests.e2e.app_server import demo_database, started_app
from tests.e2e.test_browser import CHROMIUM, IDLE, open_page
from tests.e2e.upload_probe import MB, Session, Upload, http_status, listening_addresses, rss_mb

playwright = pytest.importorskip("playwright.sync_api")
CAP_MB = 40  # [parcours] upload_total_mb for this server





@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Open mode (a secrets file without [auth]), as config.toml starts it; sessions that disconnect end after 2 s;
    the secrets file readable by everyone (as a careless copy leaves it)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run scripts/setup-tests.sh")
    tmp = tmp_path_factory.mktemp("guard")
    secrets = tmp / "secrets.toml"
    secrets.write_text(f"[parcours]\nupload_total_mb = {CAP_MB}\n", encoding="utf-8")
    secrets.chmod(0o644)
    with started_app(demo_database(tmp), tmp, "--secrets.files", str(secrets),
                     "--server.disconnectedSessionTTL", "2") as (base, proc, log):
        with Session(base) as warm:  # the first run (imports, the database) out of the memory measures
            warm.open()
        yield base, proc, log, secrets


def log_text(log) -> str:
    return log.read_text(encoding="utf-8", errors="replace")


def test_open_mode_listens_on_this_computer_only_and_says_so(app):
    base, proc, log, _ = app
    port = int(base.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"127.0.0.1"}
    assert "Open mode (no sign-in): listening on 127.0.0.1 only" in log_text(log)
    with Session(base) as s:
        s.open("data")
        notice = [a for a in s.alerts if "Connexion désactivée" in a]
    assert notice and "n'écoute que sur 127.0.0.1" in notice[0]


def test_metrics_are_not_published(app):
    base = app[0]
    assert http_status(f"{base}/_stcore/metrics") == 404
    assert http_status(f"{base}/_stcore/metrics?families=cache_memory_bytes") == 404
    assert http_status(f"{base}/_stcore/health") == 200


def test_a_session_off_the_data_page_gets_no_upload_url_and_its_upload_is_refused_unread(app):
    base, proc, log, _ = app
    with Session(base) as s:
        s.open()  # the overview
        assert s.upload_urls("export.csv") == []
        before = rss_mb(proc.pid)
        status, body = Upload(base, s.session_id, 30 * MB, s.xsrf).send()
        assert status == 403 and "Data page" in body
        assert rss_mb(proc.pid) - before < 10  # the 30 MB were never read into memory
        # a session that was on the Data page loses the right when it leaves it
        s.open("data")
        assert len(s.upload_urls("export.csv")) == 1
        assert Upload(base, s.session_id, MB, s.xsrf).send()[0] == 204
        s.open("funnel")
        assert s.upload_urls("export.csv") == []
        assert Upload(base, s.session_id, MB, s.xsrf).send()[0] == 403
    assert "Upload refused (403)" in log_text(log)


def test_the_data_page_uploads_within_the_cap_and_its_files_go_with_the_session(app):
    base, proc, log, _ = app
    with Session(base) as other, Session(base) as s:
        other.open("data")
        s.open("data")
        before = rss_mb(proc.pid)
        assert Upload(base, s.session_id, 25 * MB, s.xsrf).send()[0] == 204
        held = rss_mb(proc.pid)
        # the Data page's upload is kept for the page to read: RSS grows by most of its 25 MB (17.7 MB once under
        # load, as the allocator gave pages back meanwhile; the cap below is the exact check)
        assert held - before > 12
        # 25 MB held: 20 more would pass the 40 MB cap, for this session and any other
        status, body = Upload(base, other.session_id, 20 * MB, other.xsrf).send()
        assert status == 503 and "upload_total_mb" in body
        assert Upload(base, other.session_id, 10 * MB, other.xsrf).send()[0] == 204
    # both sessions end (their websockets closed; 2 s of grace): their files are dropped
    deadline = time.monotonic() + 30
    while rss_mb(proc.pid) > before + 10 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert rss_mb(proc.pid) < before + 10, (before, rss_mb(proc.pid))


def test_bytes_being_received_count_against_the_cap(app):
    base = app[0]
    with Session(base) as a, Session(base) as b:
        a.open("data")
        b.open("data")
        slow = Upload(base, a.session_id, 30 * MB, a.xsrf).start(5 * MB)  # in flight, nothing held yet
        time.sleep(0.5)
        assert Upload(base, b.session_id, 15 * MB, b.xsrf).send()[0] == 503  # 30 + 15 > 40
        result = {}
        done = threading.Thread(target=lambda: result.update(status=slow.finish()[0]))
        done.start()
        done.join(60)
        assert result.get("status") == 204
        assert Upload(base, b.session_id, 5 * MB, b.xsrf).send()[0] == 204  # 30 + 5 within the cap


def test_a_secrets_file_others_may_read_is_reported(app):
    base, _, log, secrets = app
    assert f"{secrets} is readable by other users of this machine" in log_text(log)
    with Session(base) as s:
        s.open("data")
        assert any("lisible par d'autres utilisateurs" in a and "chmod 600" in a for a in s.alerts)


def test_three_exports_named_alike_keep_their_own_content(app, browser, tmp_path):
    """Customers, touchpoints and feedback all called export.csv: each is read as what it was uploaded as. The
    database held only the demo: this first import replaces it (the default), and the pages show the user's data
    alone."""
    base = app[0]
    files = []
    for kind, name in (("customers", "clients.csv"), ("touchpoints", "points_de_contact.csv"),
                       ("feedback", "avis.csv")):
        (tmp_path / kind).mkdir()
        files.append(shutil.copy(EXAMPLES / name, tmp_path / kind / "export.csv"))
    page = open_page(browser, f"{base}/data")
    inputs = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    for i, path in enumerate(files):
        inputs.nth(i).set_input_files(str(path))
        page.get_by_text("export.csv").nth(i).wait_for(timeout=60_000)  # received, the page has run again
        page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("button", name="Vérifier").click()
    page.get_by_text("Fichiers valides").wait_for(timeout=120_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    assert page.locator("[data-testid='stFileUploaderFile']").count() == 0  # read: the uploaders are empty again
    page.get_by_role("button", name="Écrire dans la base").click()
    page.get_by_text("Import terminé").wait_for(timeout=60_000)  # the progress bar's text: the run goes on
    page.wait_for_selector(IDLE, timeout=60_000)  # the summary is written after it, by the end of the run
    summary = page.locator("[data-testid='stMain']").inner_text()  # the summary, in French
    assert "clients (export.csv) : 12 lignes lues" in summary.replace("\u00a0", " ")
    assert "points de contact (export.csv) : 33 lignes lues" in summary.replace("\u00a0", " ")
    assert "avis (export.csv) : 12 lignes lues" in summary.replace("\u00a0", " ")
    page.get_by_text("La démo est retirée").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()
    page = open_page(browser, f"{base}/")
    page.wait_for_selector("[data-testid='stMetricValue']", timeout=60_000)
    assert page.locator("[data-testid='stMetricValue']").first.inner_text() == "12"
    assert "démonstration" not in page.locator("[data-testid='stMain']").inner_text()
    page.close()


def test_listening_wider_without_sign_in_takes_an_explicit_address_and_is_warned_about(tmp_path):
    with started_app(demo_database(tmp_path), tmp_path, "--server.address", "0.0.0.0") as (base, _, log):
        port = int(base.rsplit(":", 1)[1])
        assert listening_addresses(port) == {"0.0.0.0"}
        with Session(base) as s:
            s.open("data")
            assert any("écoute pourtant sur 0.0.0.0" in a for a in s.alerts)
        assert "Open mode (no sign-in) listening on 0.0.0.0: anyone on the network" in log_text(log)
