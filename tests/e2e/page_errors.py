"""What a browser test must see to call a page fine: no Python exception box, and nothing that fails only in the
browser — a JavaScript error (a chart spec holding NaN is refused by the browser's JSON parser: a red
"SyntaxError … is not valid JSON" where the chart should be), a console error, or an error box drawn by the
frontend."""

from __future__ import annotations

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Streamlit's boxes for a Python exception, and Vega's own message when a chart cannot be drawn
ERROR_BOXES = "[data-testid='stException'], [data-testid='stVegaLiteChart'] .error, .vega-embed .error"
ERROR_TEXTS = ("SyntaxError", "is not valid JSON", "TypeError:")


class PageErrors:
    """Listens to one Playwright page from its first request: ``watch(page)`` before ``goto``."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message) -> None:
        # a failed request is judged by its URL (_response), not by the console line that repeats it
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console error: {message.text}")

    def _response(self, response) -> None:
        # Opened at a page's path (/funnel), Streamlit's frontend first looks for its server under that path, then
        # at the root: those two 404s are how it finds its base URL, not errors.
        probing = response.status == 404 and response.url.endswith(("/_stcore/health", "/_stcore/host-config"))
        if response.status >= 400 and not probing:
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def check(self, where: str) -> None:
        """Fail with every error seen so far on the page, once the app is idle and the charts had time to draw."""
        page = self.page
        page.wait_for_selector(IDLE, timeout=60_000)
        page.wait_for_timeout(800)  # Vega parses and draws after the script run has ended
        page.wait_for_selector(IDLE, timeout=60_000)
        boxes = page.locator(ERROR_BOXES)
        found = list(self.errors)
        found += [f"error box: {boxes.nth(i).inner_text()[:300]}" for i in range(boxes.count())]
        main = page.locator("[data-testid='stMain']")
        text = main.inner_text() if main.count() else ""
        found += [f"error text on the page: {t!r}" for t in ERROR_TEXTS if t in text]
        assert not found, f"{where}: " + "\n".join(found)


def open_watched(browser, url: str, locale: str = "fr-FR") -> tuple:
    """A new 1440×900 page on ``url`` with its errors watched from the start; ``(page, PageErrors)``."""
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale=locale)
    errors = PageErrors(page)
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector("[data-testid='stMainBlockContainer']", timeout=30_000)
    return page, errors
