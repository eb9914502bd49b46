"""The gallery as a media library: a queue with previews whose uploads can be cancelled, a filter,
selection with a bulk delete that spares published photos, and a photo's details."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, Route, expect

from realtymedia.services import realties
from realtymedia_client import RealtyImageClient
from tests.e2e.browsing import confirm, descriptions, log_in, new_user
from tests.support import Stack, image_bytes


def _photos(tmp_path: Path, *names: str) -> list[str]:
    made = []
    for index, name in enumerate(names):
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(image_bytes("JPEG", (120 + index, 90), (60 * index % 255, 140, 90)))
        made.append(str(path))
    return made


def test_an_upload_in_the_queue_can_be_cancelled(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    user = new_user(web_stack)
    realty = str(realties.create(web_stack.core, user.id, "Queue").id)
    held: list[Route] = []
    page.route("**/storage/**", lambda route: held.append(route))
    log_in(page, web_stack, user)
    page.goto(f"{web_stack.url}/#/realty/{realty}")
    page.locator("#files").set_input_files(_photos(tmp_path, "porch", "stairs"))
    expect(page.locator("#uploads li img.thumb")).to_have_count(2)
    while len(held) < 2:
        page.wait_for_timeout(50)
    page.get_by_role("button", name="Cancel the upload of stairs.jpg").click()
    page.unroute("**/storage/**")  # lets the held uploads go on (the cancelled one is gone)
    expect(page.locator("#uploads li > span:last-child")).to_have_text(["saved", "cancelled"])
    expect(page.locator("#message .text")).to_have_text("1 photo uploaded. 1 cancelled.")
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        assert [i.description for i in client.images(realty)] == ["porch"]


def test_filter_select_bulk_delete_and_details(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    user = new_user(web_stack)
    realty = str(realties.create(web_stack.core, user.id, "Library").id)
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        client.upload(
            realty, _photos(tmp_path, "kitchen", "kitchen-2", "garden"), ["Kitchen", "Kitchen, window", "Garden"]
        )
        client.publish(realty)
        client.upload(realty, _photos(tmp_path, "attic"), ["Attic"])
        sha = client.images(realty)[2].sha256
    log_in(page, web_stack, user)
    page.goto(f"{web_stack.url}/#/realty/{realty}")
    expect(page.locator("#summary")).to_contain_text("4 of 200")

    page.get_by_label("Filter").fill("kitchen")
    assert descriptions(page) == ["Kitchen", "Kitchen, window"]
    page.get_by_label("Filter").fill("")
    expect(page.locator("#gallery li")).to_have_count(4)

    # Two selected, one of them published: only the other one can go.
    page.get_by_label("Select Photo 3").check()
    page.get_by_label("Select Photo 4").check()
    expect(page.locator("#selected-count")).to_have_text("2 selected")
    page.get_by_role("button", name="Delete 1 selected").click()
    expect(page.locator("dialog.confirm")).to_contain_text("1 published photo stays")
    confirm(page, "Delete")
    expect(page.locator("#gallery li")).to_have_count(3)
    expect(page.locator("#message .text")).to_have_text("Deleted 1 photo.")
    assert descriptions(page) == ["Kitchen", "Kitchen, window", "Garden"]

    page.get_by_role("button", name="Details of Photo 3").click()
    dialog = page.locator("dialog.details")
    expect(dialog).to_contain_text(sha)
    expect(dialog).to_contain_text("published")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
