"""Both dialects' API documentation in headless Chromium, offline: the Swagger UI page renders the
OpenAPI 3.1 documents (the bundled 4.15 said "Unable to render this definition"), and loads nothing
but what the service serves. The web page links to both."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Stack

PAGES = {"Realty Image API": "/realty-image/v2/docs", "IS24 API": "/restapi/docs"}


@pytest.mark.parametrize(("name", "path"), list(PAGES.items()))
def test_the_docs_render_offline(web_stack: Stack, page: Any, name: str, path: str) -> None:
    elsewhere: list[str] = []

    def only_ours(route: Any) -> None:
        if route.request.url.startswith(web_stack.url + "/"):
            route.continue_()
        else:  # no CDN, no font service: the page must not need them
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_ours)
    page.goto(web_stack.url + path)
    page.wait_for_selector(".opblock", timeout=60_000)
    text = page.inner_text("body")
    assert "Unable to render this definition" not in text
    assert "OpenAPI 3.1" in text or "OAS 3.1" in text
    assert page.locator(".opblock").count() >= 8
    assert elsewhere == []


def test_the_web_page_links_to_the_docs(web_stack: Stack, page: Any) -> None:
    page.goto(web_stack.url + "/")
    for name, path in PAGES.items():
        link = page.get_by_role("link", name=name)
        assert link.get_attribute("href") == path
