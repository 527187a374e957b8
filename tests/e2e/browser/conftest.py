"""Debian's headless Chromium, driven by Playwright, against the real API process and the full data set."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Response, expect, sync_playwright

from tests.support import ApiClient, REPO_ROOT

# Where each test leaves a screenshot of the page it drove (README.md names it; git ignores it).
SCREENSHOTS = REPO_ROOT / "tests" / "screenshots"
# As the machine notes run it as root: no sandbox, no GPU, and no calls home of its own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
WAIT_MILLISECONDS = 15_000  # for any action or expectation: generous, CI machines can be busy
FILES = {"script", "stylesheet", "image", "font"}  # what a page loads, as Chromium names the kinds


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """`CHROMIUM`, else `chromium` on the PATH: Debian's build (Playwright downloads no browser here)."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:  # a failure, not a skip: the pages would go untested
        pytest.fail("no chromium for the browser tests: `tests/install-system-tools` installs it (`make test` "
                    "runs it), or set CHROMIUM to a Chromium executable", pytrace=False)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One Chromium for the session, with a fresh profile of its own."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=chromium_path, args=CHROMIUM_ARGS,
            headless=True, viewport=VIEWPORT, locale="en-GB", timezone_id="UTC")
        context.set_default_timeout(WAIT_MILLISECONDS)
        expect.set_options(timeout=WAIT_MILLISECONDS)
        try:
            yield context
        finally:
            context.close()


class WatchedPage:
    """A page that records every request it makes and every error it logs."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.requests: list[tuple[str, str]] = []  # (resource type, URL)
        self.failed_files: list[str] = []  # a script, style, image or font not answered 200
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _request(self, request: Request) -> None:
        self.requests.append((request.resource_type, request.url))

    def _response(self, response: Response) -> None:
        if response.request.resource_type in FILES and response.status != 200:
            self.failed_files.append(f"{response.status} {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        # An API call answered 4xx on purpose (a refused form) is logged as an error too: only
        # policy violations and script errors count here; files are checked by their answers.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)

    def assert_everything_came_from_the_service(self) -> None:
        """Every script, style, image and call of the page went to the service itself; no error was logged."""
        loaded = self.page.evaluate("""() => [
            ...[...document.scripts].map((s) => s.src).filter(Boolean),
            ...[...document.querySelectorAll("link[href]")].map((l) => l.href),
            ...[...document.images].map((i) => i.currentSrc || i.src),
        ]""")
        requested = [url for _, url in self.requests]
        kinds = {kind for kind, _ in self.requests}
        assert {"document", "script", "stylesheet"} <= kinds, self.requests
        outside = [url for url in loaded + requested if not self._from_service(url)]
        assert not outside, f"loaded from outside {self.origin}: {outside}"
        assert not self.failed_files, self.failed_files
        assert not self.errors, self.errors

    def _from_service(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme == "data" or f"{parts.scheme}://{parts.netloc}" == self.origin

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=path, full_page=True)
        return path


OpenPage = Callable[[str], WatchedPage]


@pytest.fixture
def open_page(browser: BrowserContext, loaded_api: ApiClient) -> Iterator[OpenPage]:
    """`open_page("/docs")`: a new tab on the real API, watched; closed after the test."""
    pages: list[Page] = []

    def open_(path: str) -> WatchedPage:
        page = browser.new_page()
        pages.append(page)
        watched = WatchedPage(page, loaded_api.url)
        page.goto(loaded_api.url + path)
        return watched

    yield open_
    for page in pages:
        page.close()
