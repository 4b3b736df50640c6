"""Hostile customer text — HTML, <script>, markdown links to javascript:, spreadsheet formulas — imported through the
real loader and shown by the real app in Chromium: everywhere as text, nothing runs; the exports and the deck keep
it as data."""

import csv
import io

import pytest

import data_model as dm
from loaders.write import run_import
from tests.e2e.app_server import running_app
from tests.e2e.test_browser import ARGS, CHROMIUM, IDLE, PAGES, playwright

PWN = "window.__pwned = (window.__pwned || 0) + 1"
PERSONA = "<script>" + PWN + "</script>"
SEGMENT = "=HYPERLINK(\"http://evil.example\",\"clic\")"
REGION = "[cliquez](javascript:" + PWN + ")"
CHANNEL = f"<img src=x onerror=\"{PWN}\">"
COMMENTS = [f"<script>{PWN}</script> service nul", f"[voir](javascript:{PWN}) attente trop longue",
            "=1+1 @SUM(A1) **gras** :red[rouge] $x^2$ trop cher", f"<b onmouseover=\"{PWN}\">survol</b> bof"]


def write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    customers, touchpoints, feedback = [], [], []
    for i in range(60):
        cid = f"H{i:03}"
        customers.append([cid, PERSONA if i % 2 else "Famille", SEGMENT, REGION, "2025-01-01", "true" if i % 5 == 0
                          else "false", "2025-06-01" if i % 5 == 0 else ""])
        touchpoints.append([cid, f"2025-02-{1 + i % 20:02}T10:00:00", CHANNEL if i % 3 else "Site web", "awareness"])
        touchpoints.append([cid, f"2025-03-{1 + i % 20:02}T10:00:00", CHANNEL, "consideration"])
        if i % 2:
            touchpoints.append([cid, f"2025-04-{1 + i % 20:02}T10:00:00", "Magasin", "purchase"])
        feedback.append([cid, f"2025-03-{1 + i % 20:02}T12:00:00", "consideration", CHANNEL, i % 11,
                         COMMENTS[i % len(COMMENTS)]])
    return {
        "customers": write(d / "customers.csv", ["customer_id", "persona", "segment", "region", "signup_date",
                                                  "churned", "churn_date"], customers),
        "touchpoints": write(d / "touchpoints.csv", ["customer_id", "timestamp", "channel", "stage"], touchpoints),
        "feedback": write(d / "feedback.csv", ["customer_id", "timestamp", "stage", "channel", "nps", "comment"],
                          feedback),
    }


@pytest.fixture(scope="module")
def hostile_server(hostile_files, tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('hostile-db') / 'hostile.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    summary = run_import(db, hostile_files, source="hostile")
    assert summary is not None
    db.close()
    with running_app(url, tmp_path_factory.mktemp("hostile-app")) as base:
        yield base, url


def test_hostile_text_is_shown_as_text_on_every_page_and_never_runs(hostile_server):
    base, _ = hostile_server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="fr-FR")
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for name in [*PAGES, "?present=true&view=5", "?present=true&view=6"]:
            page.goto(f"{base}/{name}")
            page.wait_for_selector(IDLE, timeout=60_000)
            page.wait_for_timeout(700)  # let charts and images render (an onerror would fire by now)
            page.wait_for_selector(IDLE, timeout=60_000)
            assert page.locator("[data-testid='stException']").count() == 0, name
            page.mouse.move(700, 450)
            assert page.evaluate("window.__pwned") is None, f"customer text ran on /{name}"
            # nothing of the customers' markup became an element
            assert page.locator("img[src='x'], b[onmouseover], a[href^='javascript']").count() == 0, name
        # the verbatims are there, as the literal text the customers typed
        page.goto(f"{base}/voice")
        page.wait_for_selector(IDLE, timeout=60_000)
        main = page.locator("[data-testid='stMain']").inner_text()
        assert f"<script>{PWN}</script> service nul" in main
        assert "=1+1 @SUM(A1) **gras** :red[rouge] $x^2$ trop cher" in main
        # the persona and the channel as options and labels, as typed
        page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first.click()
        assert page.get_by_role("option", name=PERSONA).count() == 1
        page.keyboard.press("Escape")
        assert not dialogs
        browser.close()


def test_hostile_text_stays_data_in_the_exports_and_the_deck(hostile_server, tmp_path):
    from openpyxl import load_workbook
    from pptx import Presentation

    from analytics.__main__ import main

    _, url = hostile_server
    # the app holds the DuckDB file: read a copy, as a scheduled export would read a snapshot
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(open(url.removeprefix("duckdb:///"), "rb").read())
    db = f"duckdb:///{copy}"
    assert main(["export", "feedback", "--db", db, "--out", str(tmp_path / "f.xlsx")]) == 0
    cells = [c.value for row in load_workbook(tmp_path / "f.xlsx").active.iter_rows() for c in row]
    assert "'=1+1 @SUM(A1) **gras** :red[rouge] $x^2$ trop cher" in cells
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for v in cells)  # no cell a spreadsheet would run
    assert main(["export", "customers", "--db", db, "--out", str(tmp_path / "c.csv")]) == 0
    text = (tmp_path / "c.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in text and "\n=" not in text and ",=" not in text
    assert main(["deck", "--db", db, "--persona", PERSONA, "--out", str(tmp_path / "d.pptx")]) == 0
    deck = Presentation(io.BytesIO((tmp_path / "d.pptx").read_bytes()))
    title = " ".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert PERSONA in title  # a text run: PowerPoint shows it, nothing interprets it
