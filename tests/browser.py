"""Playwright driving the system Chromium against pytest-django's live server.

Chromium's headless shell comes from Debian (`bash scripts/install-browser.sh`): Playwright
cannot download its own browser here. The full desktop build (`CHROMIUM=/usr/bin/chromium`)
works too, at three times the CPU per page: in its headless mode it still runs the browser's
own UI in a renderer of its own. Without it the browser tests skip on a developer's machine but fail
under CI=true, where a missing browser must not pass as green.

Registered for every test module in tests/conftest.py.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.support import unavailable

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium-headless-shell")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last (in each xdist worker too: items are handed out in this order),
    so every other test has run before the browser starts and switches off Django's guard.
    The demo's, the longest, starts them: it would otherwise end the run alone."""

    def order(item):
        fixtures = getattr(item, "fixturenames", ())
        return "browser" in fixtures, "demo" not in fixtures

    items.sort(key=order)


@pytest.fixture(scope="session")
def browser():
    """One Chromium per session (per xdist worker); each test opens its own contexts. While
    Playwright's sync API is running, the thread has an asyncio loop, and Django refuses ORM
    calls from such a thread unless DJANGO_ALLOW_ASYNC_UNSAFE is set — it is set from the
    first browser test on, and the browser tests run last, so the rest of the suite keeps
    Django's guard."""
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM}: run scripts/install-browser.sh")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    # The page polls every 3 s; a loaded 2-core machine needs more than the default 5 s.
    expect.set_options(timeout=15_000)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(browser, live_server):
    """Open pages in fresh browser contexts (desktop size, English unless told), their clock
    installed (see `let_time_pass`). Each page collects its `problems` — script errors, CSP
    violations, assets or fetches that failed — so a test can assert there were none."""
    contexts = []

    def open_(viewport=None, **options):
        options.setdefault("locale", "en-US")
        context = browser.new_context(
            viewport=viewport or DESKTOP, base_url=live_server.url, **options
        )
        contexts.append(context)
        if options.get("java_script_enabled", True):
            # Playwright's clock: it keeps flowing as the real one, and a test can run the
            # page's timers (polls, countdowns, the return) at once instead of waiting.
            context.clock.install()
        new_page = context.new_page()
        new_page.set_default_timeout(15_000)
        new_page.problems = []
        new_page.on("console", lambda message: _console(new_page, message))
        new_page.on("response", lambda response: _response(new_page, response))
        new_page.on("requestfailed", lambda request: _failed(new_page, request))
        return new_page

    yield open_
    for context in contexts:
        context.close()


def _console(page, message) -> None:
    """Script errors and CSP violations. A failed load is judged by `_response` instead,
    which knows whether it was a page (a 404 or a form's 422 is the test's business) or an
    asset or fetch (always a problem)."""
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        page.problems.append(f"console: {message.text}")


def _failed(page, request) -> None:
    """A request that could not complete. One the browser cancelled because the page moved
    on (net::ERR_ABORTED: a favicon or script still loading when a link is followed) is not a
    fault of the page; a missing asset still shows as its 404 in `_response`."""
    if "ERR_ABORTED" not in (request.failure or ""):
        page.problems.append(f"failed: {request.url} {request.failure}")


def _response(page, response) -> None:
    if response.status >= 400 and not response.request.is_navigation_request():
        page.problems.append(f"{response.status}: {response.url}")


@pytest.fixture
def page(open_page):
    return open_page()


def let_time_pass(page, milliseconds: int) -> None:
    """Run the page's timers through the next `milliseconds` of its time, at once: every poll,
    countdown tick and redirect due in that time happens, in order, as it would have after
    waiting; the test just does not wait for it."""
    page.clock.run_for(milliseconds)


def screenshot(page, name: str) -> None:
    """Save the whole page at desktop and phone sizes: var/screenshots/<name>-<size>.png,
    when asked (`make screenshots` sets SCREENSHOTS=1). They are for people to look at; the
    suite asserts nothing on them, and the 70 full-page PNGs cost a third of the browser
    tests' CPU."""
    if not os.environ.get("SCREENSHOTS"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{size}.png", full_page=True)
    page.set_viewport_size(before)


def decode_qr(png: bytes) -> str:
    """Read a QR code from a screenshot with zbar, as a phone's wallet would."""
    from PIL import Image
    from pyzbar.pyzbar import ZBarSymbol, decode

    found = decode(Image.open(io.BytesIO(png)), symbols=[ZBarSymbol.QRCODE])
    assert len(found) == 1, f"expected one QR code in the image, found {len(found)}"
    return found[0].data.decode()
