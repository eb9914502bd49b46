"""A person's session on the web page, in headless Chromium: log in, upload three photos by the
file input, reorder them by drag and drop, reload, publish, and find Delete refused on a published photo."""

from __future__ import annotations

import base64
from pathlib import Path

from playwright.sync_api import Page, Route, expect

from realtymedia.services import realties
from realtymedia_client import RealtyImageClient
from tests.e2e.browsing import confirm, descriptions, log_in, new_user
from tests.e2e.conftest import ARTIFACTS
from tests.support import Stack, image_bytes


def test_gallery_upload_reorder_reload_publish_and_refused_delete(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    user = new_user(web_stack, "correct horse")
    realty = str(realties.create(web_stack.core, user.id, "Lakeside villa").id)
    photos = []
    for name, color in (("alpha", (200, 40, 40)), ("bravo", (40, 200, 40)), ("charlie", (40, 40, 200))):
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(image_bytes("JPEG", (320, 240), color))
        photos.append(path)

    log_in(page, web_stack, user, "correct horse")
    page.get_by_role("link", name="Lakeside villa").click()
    expect(page.locator("#limits")).to_have_text(
        "JPEG, PNG or WebP, up to 50 MiB each; a realty holds up to 200 photos."
    )

    page.locator("#files").set_input_files([str(p) for p in photos])
    expect(page.locator("#uploads li .state")).to_have_text(["saved"] * 3)
    expect(page.locator("#gallery li")).to_have_count(3)
    assert descriptions(page) == ["alpha", "bravo", "charlie"]
    expect(page.locator("#gallery li img").first).to_have_js_property("naturalWidth", 240)  # the 1x rendition

    # Drag charlie onto alpha: charlie takes the first place.
    page.locator("#gallery li").nth(2).drag_to(page.locator("#gallery li").nth(0))
    expect(page.locator("#message .text")).to_contain_text("Order saved.")
    page.reload()
    expect(page.locator("#gallery li")).to_have_count(3)
    assert descriptions(page) == ["charlie", "alpha", "bravo"]
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        assert [i.description for i in client.images(realty)] == ["charlie", "alpha", "bravo"]

    # Publishing asks first; cancelling changes nothing.
    page.get_by_role("button", name="Publish").click()
    confirm(page, "Cancel")
    expect(page.locator("#realty-state")).to_have_text("draft")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("dialog.confirm")).to_contain_text("Its 3 photos become public and can no longer be deleted.")
    confirm(page, "Publish")
    expect(page.locator("#message .text")).to_have_text("Published.")
    expect(page.locator("#gallery li .badge.published")).to_have_count(3)

    # Delete is disabled on a published photo, with the reason beside it.
    first = page.locator("#gallery li").first
    expect(first.get_by_role("button", name="Delete")).to_be_disabled()
    expect(first.get_by_role("button", name="Delete")).to_have_accessible_description(
        "Published photos cannot be deleted."
    )

    # A photo added after publishing marks the realty as having unpublished changes.
    page.locator("#files").set_input_files(str(photos[0]))
    expect(page.locator("#gallery li")).to_have_count(4)
    expect(page.locator("#unpublished")).to_have_text("unpublished changes")
    expect(page.locator("#gallery li").nth(3).get_by_role("button", name="Delete")).to_be_enabled()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "gallery.png"), full_page=True)


def test_the_session_cookie_is_httponly_and_changes_need_the_csrf_token(web_stack: Stack, page: Page) -> None:
    user = new_user(web_stack)
    log_in(page, web_stack, user)

    served = page.request.get(web_stack.url + "/")
    assert "script-src 'self'" in served.headers["content-security-policy"]
    [cookie] = [c for c in page.context.cookies() if c["name"] == "rm_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""
    # The same session without the CSRF token cannot change anything.
    status = page.evaluate(
        """async () => (await fetch('/realty-image/v2/realty', {method: 'POST', credentials: 'same-origin',
             headers: {'Content-Type': 'application/json', 'Request-ID': crypto.randomUUID()}, body: '{}'})).status"""
    )
    assert status == 401
    page.get_by_role("button", name="New realty").click()
    expect(page.locator("h1")).to_contain_text("Untitled realty")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert [c for c in page.context.cookies() if c["name"] == "rm_session"] == []
    assert page.request.get(web_stack.url + "/realty-image/v2/realty").status == 401


def test_dropped_photos_upload_and_copy_from_another_realty(web_stack: Stack, page: Page) -> None:
    user = new_user(web_stack)
    source = str(realties.create(web_stack.core, user.id, "Old listing").id)
    target = str(realties.create(web_stack.core, user.id, "New listing").id)
    log_in(page, web_stack, user)
    page.get_by_role("link", name="Old listing").click()

    # What a drop from the desktop delivers: a DataTransfer holding files, on the drop zone.
    photos = [base64.b64encode(image_bytes("PNG", (60 + i, 40))).decode() for i in range(2)]
    dropped = page.evaluate_handle(
        """(photos) => {
            const transfer = new DataTransfer();
            photos.forEach((b64, i) => {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], `drop${i}.png`, {type: 'image/png'}));
            });
            return transfer;
        }""",
        photos,
    )
    page.dispatch_event(".dropzone", "drop", {"dataTransfer": dropped})
    expect(page.locator("#gallery li")).to_have_count(2)
    assert descriptions(page) == ["drop0", "drop1"]
    page.locator("#gallery li textarea").first.fill("Sunny terrace")
    page.locator("#gallery li textarea").first.press("Tab")
    expect(page.locator("#message .text")).to_have_text("Description saved.")
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        assert [i.description for i in client.images(source)] == ["Sunny terrace", "drop1"]

    page.goto(f"{web_stack.url}/#/realty/{target}")
    expect(page.locator("h1")).to_contain_text("New listing")
    # The menu names realties by their names (and photo counts), never by UUID.
    expect(page.get_by_label("Copy from").locator("option")).to_have_text(
        ["Copy images from…", "Old listing (2 photos)"]
    )
    page.get_by_label("Copy from").select_option(source)
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#message .text")).to_have_text("Copied the photos of Old listing (2 photos).")
    expect(page.locator("#gallery li")).to_have_count(2)
    assert descriptions(page) == ["Sunny terrace", "drop1"]


def test_a_realty_is_created_and_renamed_by_name(web_stack: Stack, page: Page) -> None:
    user = new_user(web_stack)
    log_in(page, web_stack, user)
    page.get_by_role("textbox", name="Name", exact=True).fill("Harbour loft")
    page.get_by_role("button", name="New realty").click()
    expect(page.locator("#realty-name")).to_have_text("Harbour loft")
    page.get_by_role("button", name="Rename").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("Harbour loft, 3rd floor")
    page.get_by_role("button", name="Save name").click()
    expect(page.locator("#message .text")).to_have_text("Renamed.")
    expect(page.locator("#realty-name")).to_have_text("Harbour loft, 3rd floor")
    page.get_by_role("link", name="← All media").click()
    expect(page.locator("#realties")).to_contain_text("Harbour loft, 3rd floor")
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        [realty] = client.realties()
    assert realty.name == "Harbour loft, 3rd floor"


def test_a_realty_read_slowly_never_draws_over_the_one_opened_after_it(web_stack: Stack, page: Page) -> None:
    user = new_user(web_stack)
    slow = str(realties.create(web_stack.core, user.id, "Slow cottage").id)
    quick = str(realties.create(web_stack.core, user.id, "Quick flat").id)
    log_in(page, web_stack, user)
    held: list[Route] = []
    page.route(f"**/realty/{slow}/images*", lambda route: held.append(route))

    page.goto(f"{web_stack.url}/#/realty/{slow}")
    for _ in range(200):  # the slow realty's photos are being read
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page never read the slow realty's photos"
    page.goto(f"{web_stack.url}/#/realty/{quick}")
    expect(page.locator("#realty-name")).to_have_text("Quick flat")

    held[0].continue_()  # the slow realty's answer arrives after the user went on
    page.wait_for_timeout(1500)
    expect(page.locator("#realty-name")).to_have_text("Quick flat")
    expect(page.locator("#gallery-title")).to_have_count(1)
