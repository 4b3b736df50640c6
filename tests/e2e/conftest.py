"""The browser the e2e modules share: Debian's Chromium driven by Playwright (never a downloaded one)."""

import pytest

from tests.e2e.test_browser import ARGS, CHROMIUM, playwright


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
