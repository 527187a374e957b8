"""/docs in a real browser: Swagger UI lists every operation, and "Try it out" calls the service."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import OpenPage
from tests.support import ApiClient

pytestmark = pytest.mark.browser


def test_docs_list_every_operation_and_try_it_out_answers_from_the_service(open_page: OpenPage, loaded_api: ApiClient) -> None:
    docs = open_page("/docs")
    page = docs.page
    page.wait_for_selector(".opblock")
    document = loaded_api.get("/openapi.json").json()
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}

    listed = set(map(tuple, page.eval_on_selector_all(".opblock", """blocks => blocks.map((block) => [
        block.querySelector(".opblock-summary-method").textContent,
        block.querySelector(".opblock-summary-path").dataset.path])""")))
    assert listed == documented
    assert int(page.evaluate("() => window.versions.swaggerUI.version").split(".")[0]) >= 5  # reads OpenAPI 3.1

    genes = page.locator("#operations-genes-list_genes")
    genes.locator(".opblock-summary-control").click()
    genes.get_by_role("button", name="Try it out").click()
    for example in genes.locator("tr[data-param-name] input").all():
        example.fill("")  # Swagger UI fills each parameter with its example, and lookups combine with AND
    genes.locator('tr[data-param-name="symbol"] input').fill("BRCA1")
    genes.get_by_role("button", name="Execute").click()
    answer = genes.locator(".live-responses-table tbody tr.response").first
    expect(answer.locator(".response-col_status")).to_have_text("200")
    assert json.loads(answer.locator(".response-col_description pre").first.inner_text()) == ["HGNC:1100"]

    docs.screenshot("docs")
    docs.assert_everything_came_from_the_service()
