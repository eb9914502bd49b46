"""The page against a service whose rate limits it runs into (they are on by default): a refused
read or storage POST is sent again after the Retry-After the refusal names, so a 60-photo upload
ends with every photo saved and shown; and when the wait asked for is longer than the page will
wait, it says that the gallery could not be read again, rather than showing an old list as new."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Response, Route, expect

from realtymedia.services import realties
from realtymedia_client import RealtyImageClient
from tests.conftest import start_stack
from tests.e2e.browsing import log_in, new_user
from tests.support import Stack, image_bytes


def _limited(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, limit: str) -> Iterator[Stack]:
    # The page's own files and its login are counted by address; it is the session that runs into `limit`.
    yield from start_stack(
        "sqlite-local", request, tmp_path_factory, rate_limit_per_credential=limit, rate_limit_per_address="100/second"
    )


@pytest.fixture
def per_second(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _limited(request, tmp_path_factory, "10/second")


@pytest.fixture
def per_hour(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _limited(request, tmp_path_factory, "40/hour")


def _photos(tmp_path: Path, count: int) -> list[str]:
    made = []
    for index in range(count):
        path = tmp_path / f"photo{index:02}.jpg"
        path.write_bytes(image_bytes("JPEG", (80 + index, 60), (index * 4 % 255, 120, 200)))
        made.append(str(path))
    return made


def test_sixty_photos_are_all_saved_and_shown_under_a_rate_limit(per_second: Stack, page: Page, tmp_path: Path) -> None:
    user = new_user(per_second)
    realty = str(realties.create(per_second.core, user.id, "Sixty").id)
    refused: list[str] = []

    def seen(response: Response) -> None:
        if response.status in (429, 503):
            assert response.headers["retry-after"] == "1"
            refused.append(f"{response.request.method} {response.url}")

    page.on("response", seen)
    log_in(page, per_second, user)
    page.goto(f"{per_second.url}/#/realty/{realty}")
    expect(page.locator("#summary")).to_contain_text("0 of 200")
    page.locator("#files").set_input_files(_photos(tmp_path, 60))
    expect(page.locator("#message .text")).to_have_text("60 photos uploaded.", timeout=240_000)
    expect(page.locator("#gallery li")).to_have_count(60)
    expect(page.locator("#summary")).to_contain_text("60 of 200")
    assert page.locator("#uploads li .state").all_text_contents() == ["saved"] * 60
    # The limit was met, by reads and by storage POSTs, and every refusal was sent again.
    assert any(entry.startswith("GET ") for entry in refused), refused
    assert any(entry.startswith("POST ") and "/storage/" in entry for entry in refused), refused
    with RealtyImageClient(per_second.url, user.bearer_token) as client:
        assert [i.description for i in client.images(realty)] == [f"photo{i:02}" for i in range(60)]


def test_a_gallery_that_cannot_be_read_again_says_so(per_hour: Stack, page: Page, tmp_path: Path) -> None:
    """The save gets through; then another tab of the same session spends the hour's requests,
    and the page's reading of the gallery is refused for longer than the page waits."""
    user = new_user(per_hour)
    realty = str(realties.create(per_hour.core, user.id, "Busy").id)

    def spend_the_limit_after_the_save(route: Route) -> None:
        answer = route.fetch()
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        with httpx.Client(base_url=per_hour.url, cookies=cookies) as other_tab:
            for _ in range(60):
                if other_tab.get("/web/session").status_code == 429:
                    break
            else:
                pytest.fail("the session was never refused")
        route.fulfill(response=answer)

    page.route(
        f"**/realty/{realty}/images",
        lambda route: spend_the_limit_after_the_save(route) if route.request.method == "POST" else route.fallback(),
    )
    log_in(page, per_hour, user)
    page.goto(f"{per_hour.url}/#/realty/{realty}")
    expect(page.locator("#summary")).to_contain_text("0 of 200")
    page.locator("#files").set_input_files(_photos(tmp_path, 1))
    alert = page.get_by_role("alert")
    expect(alert.locator(".text")).to_have_text(
        "1 photo was uploaded, but the gallery could not be read again"
        " (the service is busy: too many requests at once). Reload the page in a moment to see it."
    )
    expect(alert.locator("details")).to_contain_text("TOO_MANY_REQUESTS (HTTP 429)")
    expect(page.locator("#uploads li .state")).to_have_text(["saved"])
    with RealtyImageClient(per_hour.url, user.bearer_token) as client:
        assert [i.description for i in client.images(realty)] == ["photo00"]


@pytest.fixture
def five_per_second(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _limited(request, tmp_path_factory, "5/second")


def test_every_picture_of_a_gallery_shows_under_a_rate_limit(
    five_per_second: Stack, page: Page, tmp_path: Path
) -> None:
    """The cards' renditions are the session's requests too: a dozen at once meet a limit of five a
    second, and each one refused is asked for again until it shows."""
    user = new_user(five_per_second)
    realty = str(realties.create(five_per_second.core, user.id, "Many").id)
    with RealtyImageClient(five_per_second.url, user.bearer_token) as client:  # its own count
        client.upload(realty, _photos(tmp_path, 24))
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 429 and "/pictures/" in r.url else None)
    log_in(page, five_per_second, user)
    page.goto(f"{five_per_second.url}/#/realty/{realty}")
    expect(page.locator("#gallery li")).to_have_count(24)
    page.wait_for_function(
        """() => {
          const shown = [...document.querySelectorAll("#gallery img")]
            .filter((img) => img.getBoundingClientRect().top < innerHeight);
          return shown.length >= 8 && shown.every((img) => img.complete && img.naturalWidth > 0);
        }""",
        timeout=60_000,
    )
    assert refused, "the limit was met by the pictures"


@pytest.fixture
def shared_address(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack("sqlite-local", request, tmp_path_factory, rate_limit_per_address="3/second")


def test_the_page_loads_for_people_who_share_an_address(shared_address: Stack, page: Page) -> None:
    """A dozen files make the page (revalidated on every load); a per-address limit counts people
    behind one NAT together, and must not leave them a blank page."""
    user = new_user(shared_address)
    for _ in range(2):  # two colleagues, one after the other, within the same second or two
        page.goto(shared_address.url + "/")
        expect(page.get_by_label("Username")).to_be_visible()
    log_in(page, shared_address, user)
    expect(page.locator("h1").first).to_be_visible()
