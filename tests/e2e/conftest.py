"""Browser tests: Playwright driving Debian's Chromium against a live server, with an
axe-core check on every page visited and no tolerance for CSP violations or page errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

# Playwright's sync API runs an event loop; the ORM calls in tests are still synchronous.
# (Tests that start production subprocesses drop this variable: check --deploy refuses it.)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            # One worker runs all browser tests, so Chromium starts once per run.
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: install Debian's chromium (make test does as root).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """CSP violations, uncaught script errors and failed sub-resources seen by a page.
    (A page answering 400, 404 or 409 is expected in some tests; its assets failing is not.)"""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.messages.append(f"console {message.type}: {text}")

    def _response(self, response: Any) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.messages.append(f"{response.status} for {response.url}")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    problems = PageProblems(page)
    yield page
    context.close()
    assert not problems.messages, "\n".join(problems.messages)


def new_page(browser: Browser) -> tuple[Page, PageProblems]:
    """A second, independent session (its own cookies)."""
    page = browser.new_context().new_page()
    return page, PageProblems(page)


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core finds no WCAG 2.2 A/AA problem on the page. A click does not wait for the
    page it leads to, so axe may start on a document that is being replaced: the page is
    checked once it has loaded, and again if a navigation cut the check short."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
    page.wait_for_load_state()
    try:
        results = _axe.run(page, options=options)
    except PlaywrightError:  # the document went away under axe: check the one that came
        page.wait_for_load_state()
        results = _axe.run(page, options=options)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/sign-in/")
    assert_accessible(page)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
