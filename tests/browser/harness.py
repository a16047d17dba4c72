"""A real browser for tests: headless Chromium (Debian's ``chromium``) driven from Python by Playwright.

``launch()`` starts the system Chromium through Playwright's ``executable_path`` (Playwright's own
browser download is never used, so it works offline). ``open_page(browser, url)`` returns a page that
records console errors and failed requests; ``assert_clean(page)`` fails the test on any of them.
``images_decoded(page)`` lists every ``<img>`` that did not decode. Tests that use the browser fixture
(``page`` in ``tests/browser/conftest.py``) skip with the reason when no browser can be found locally;
in CI (``CI=true``) a missing browser is a failure, since ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    """The system Chromium (``GLASSNET_CHROMIUM`` overrides), or None."""
    explicit = os.environ.get("GLASSNET_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def unavailable_reason() -> str | None:
    """Why no browser test can run here (None when one can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install '.[test]')"
    if chromium_path() is None:
        return "no Chromium found (apt-get install chromium, or set GLASSNET_CHROMIUM)"
    return None


@dataclass
class PageLog:
    """What a page reported while a test drove it."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


def launch(playwright: Any) -> Any:
    """Headless system Chromium; ``--no-sandbox`` because CI runs as root."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox", "--disable-gpu"])


def open_page(browser: Any, url: str, width: int = 1280, height: int = 900) -> tuple[Any, PageLog]:
    """A new page at ``url`` (loaded) and the log of its console errors, page errors and failed requests."""
    page = browser.new_page(viewport={"width": width, "height": height})
    log = PageLog()
    page.on("console", lambda message: log.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("requestfailed", lambda request: log.failed_requests.append(f"{request.url} ({request.failure})"))
    page.goto(url, wait_until="load")
    return page, log


def assert_clean(log: PageLog) -> None:
    """No console error, no uncaught exception, no failed request."""
    assert log.console_errors == [], f"console errors: {log.console_errors}"
    assert log.page_errors == [], f"page errors: {log.page_errors}"
    assert log.failed_requests == [], f"failed requests: {log.failed_requests}"


def images_not_decoded(page: Any) -> list[str]:
    """The ``src`` (first 80 characters) of every ``<img>`` whose ``naturalWidth`` is 0."""
    return page.evaluate(
        "() => Array.from(document.images).filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src.slice(0, 80))"
    )
