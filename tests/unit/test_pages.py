"""The pages for people (`/`, `/docs`): HTML whose every script, style and image is served by the app itself."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from swagger_ui_bundle import swagger_ui_path

from entrypoints.page_views import CONTENT_SECURITY_POLICY, SWAGGER_UI_FILES

PAGES = ["/", "/docs"]


class Resources(HTMLParser):
    """The URLs that a page makes the browser load: scripts, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("script", "img") and attributes.get("src"):
            self.urls.append(attributes["src"] or "")
        elif tag == "script":
            self.inline_scripts += 1
        elif tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"] or "")


def resources_of(client: FlaskClient, path: str) -> Resources:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    parser = Resources()
    parser.feed(response.get_data(as_text=True))
    return parser


@pytest.mark.parametrize("path", PAGES)
def test_a_page_loads_only_files_that_the_app_serves(client: FlaskClient, path: str) -> None:
    page = resources_of(client, path)
    assert page.urls and page.inline_scripts == 0
    for url in page.urls:
        assert re.fullmatch(r"/[^/].*", url), f"{path} loads {url}: not a path of this service"
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.mimetype in ("text/javascript", "text/css", "image/svg+xml"), (url, answer.mimetype)


@pytest.mark.parametrize("path", PAGES)
def test_a_page_lets_the_browser_load_from_the_service_only(client: FlaskClient, path: str) -> None:
    policy = client.get(path).headers["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    directives = dict(directive.split(" ", 1) for directive in policy.split("; "))
    assert directives["default-src"] == "'none'"
    for name in ("script-src", "style-src", "connect-src"):
        assert directives[name] == "'self'", name


def test_docs_serve_swagger_ui_5_or_later_from_the_installed_package(client: FlaskClient) -> None:
    version = re.fullmatch(r"swagger-ui-(\d+)\.(\d+)\.(\d+)", swagger_ui_path.name)
    assert version and int(version.group(1)) >= 5, swagger_ui_path  # 5 reads OpenAPI 3.1
    bundle = client.get("/docs/swagger-ui/swagger-ui-bundle.js")
    assert bundle.get_data() == (swagger_ui_path / "swagger-ui-bundle.js").read_bytes()


@pytest.mark.parametrize("name", ["index.html", "swagger-initializer.js", "swagger-ui-bundle.js.map", "favicon-32x32.png",
                                  "..%2Fsecret"])
def test_docs_serve_no_other_file_of_the_distribution(client: FlaskClient, name: str) -> None:
    assert name not in SWAGGER_UI_FILES
    answer = client.get(f"/docs/swagger-ui/{name}")
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


def test_the_pages_are_in_help_and_their_files_are_not(client: FlaskClient) -> None:
    routes = {line["route"] for line in client.get("/help").get_json()}
    assert {"/", "/docs"} <= routes
    assert not [route for route in routes if "static" in route or "swagger-ui" in route]
