"""A person's session on the web page, in headless Chromium: log in, upload three photos by the
file input, reorder them by drag and drop, reload, publish, and fail to delete a published photo."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from realtymedia.client import Conflict, RealtyImageClient
from realtymedia.services import accounts, realties
from tests.support import Stack, image_bytes

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def descriptions(page: Page) -> list[str]:
    return [field.input_value() for field in page.locator("#gallery li input").all()]


@pytest.fixture
def page(browser: Browser) -> Any:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    made = context.new_page()
    errors: list[str] = []
    made.on("pageerror", lambda error: errors.append(str(error)))
    yield made
    context.close()
    assert errors == [], errors


def test_gallery_upload_reorder_reload_publish_and_refused_delete(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    user = accounts.create_user(web_stack.core, f"web{uuid.uuid4().hex[:8]}", "correct horse")
    realty = str(realties.create(web_stack.core, int(user["id"]), "Lakeside villa")["id"])
    photos = []
    for name, color in (("alpha", (200, 40, 40)), ("bravo", (40, 200, 40)), ("charlie", (40, 40, 200))):
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(image_bytes("JPEG", (320, 240), color))
        photos.append(path)

    page.goto(web_stack.url + "/")
    page.get_by_label("Username").fill(str(user["username"]))
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Lakeside villa").click()

    page.locator("#files").set_input_files([str(p) for p in photos])
    expect(page.locator("#uploads li span:last-child")).to_have_text(["saved"] * 3)
    expect(page.locator("#gallery li")).to_have_count(3)
    assert descriptions(page) == ["alpha", "bravo", "charlie"]
    expect(page.locator("#gallery li img").first).to_have_js_property("naturalWidth", 320)

    # Drag charlie onto alpha: charlie takes the first place.
    page.locator("#gallery li").nth(2).drag_to(page.locator("#gallery li").nth(0))
    expect(page.locator("#message")).to_have_text("Order saved.")
    page.reload()
    expect(page.locator("#gallery li")).to_have_count(3)
    assert descriptions(page) == ["charlie", "alpha", "bravo"]
    with RealtyImageClient(web_stack.url, str(user["bearer_token"])) as client:
        assert [i.description for i in client.images(realty)] == ["charlie", "alpha", "bravo"]

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#message")).to_have_text("Published.")
    expect(page.locator("#gallery li .badge.published")).to_have_count(3)
    page.locator("#gallery li").first.get_by_role("button", name="Delete").click()

    with RealtyImageClient(web_stack.url, str(user["bearer_token"])) as client:
        first = client.images(realty)[0]
        with pytest.raises(Conflict) as refused:
            client.delete(realty, first.id)
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_have_class("error")
    expect(alert).to_contain_text(refused.value.message)
    expect(page.locator("#gallery li")).to_have_count(3)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "gallery.png"), full_page=True)


def test_the_session_cookie_is_httponly_and_changes_need_the_csrf_token(web_stack: Stack, page: Page) -> None:
    user = accounts.create_user(web_stack.core, f"web{uuid.uuid4().hex[:8]}", "pw")
    page.goto(web_stack.url + "/")
    page.get_by_label("Username").fill(str(user["username"]))
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#who")).to_have_text(str(user["username"]))

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
    expect(page.locator("h1")).to_contain_text("Realty")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert [c for c in page.context.cookies() if c["name"] == "rm_session"] == []
    assert page.request.get(web_stack.url + "/realty-image/v2/realty").status == 401


def test_a_project_page_shows_the_rules_as_the_service_reports_them(
    web_stack: Stack, page: Page, tmp_path: Path
) -> None:
    from realtymedia.services import projects

    user = accounts.create_user(web_stack.core, f"web{uuid.uuid4().hex[:8]}", "pw")
    projects.create(web_stack.core, str(user["username"]), "BASIC", "Harbour")
    logo = tmp_path / "logo.png"
    logo.write_bytes(image_bytes("PNG", (120, 60)))
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(image_bytes("JPEG", (200, 150)))

    page.goto(web_stack.url + "/")
    page.get_by_label("Username").fill(str(user["username"]))
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Harbour").click()

    page.locator("input[name=picture]").set_input_files(str(photo))
    page.locator("input[name=title]").fill("Harbour view")
    page.locator("fieldset", has_text="Add a picture").get_by_role("button", name="Upload").click()
    expect(page.locator("figure")).to_have_count(1)
    expect(page.locator("figure figcaption")).to_contain_text("IMAGE: Harbour view")

    page.locator("input[name=picture]").set_input_files(str(logo))
    page.locator("select[name=pictureType]").select_option("COMPANY_LOGO")
    page.locator("fieldset", has_text="Add a picture").get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Error while validating input for the resource. "
        "[MESSAGE: pictureType : COMPANY_LOGO : attachment.pictureType.deniedForProduct]"
    )
    expect(page.locator("figure")).to_have_count(1)

    tour = "https://virtualtours.immobilienscout24.de/portal/tour/1234"
    page.locator("input[name=tour]").fill(tour)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("link", name=tour)).to_have_attribute("href", tour)
    page.locator("input[name=tour]").fill(tour)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("attachment.linkType.numberOfItemsExceeded]")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "project.png"), full_page=True)


def test_dropped_photos_upload_and_copy_from_another_realty(web_stack: Stack, page: Page) -> None:
    user = accounts.create_user(web_stack.core, f"web{uuid.uuid4().hex[:8]}", "pw")
    source = str(realties.create(web_stack.core, int(user["id"]), "Old listing")["id"])
    target = str(realties.create(web_stack.core, int(user["id"]), "New listing")["id"])
    page.goto(web_stack.url + "/")
    page.get_by_label("Username").fill(str(user["username"]))
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
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
    page.locator("#gallery li input").first.fill("Sunny terrace")
    page.locator("#gallery li input").first.press("Tab")
    expect(page.locator("#message")).to_have_text("Description saved.")
    with RealtyImageClient(web_stack.url, str(user["bearer_token"])) as client:
        assert [i.description for i in client.images(source)] == ["Sunny terrace", "drop1"]

    page.goto(f"{web_stack.url}/#/realty/{target}")
    expect(page.locator("h1")).to_contain_text("New listing")
    page.get_by_label("Copy from").select_option(source)
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#message")).to_have_text("Copied.")
    expect(page.locator("#gallery li")).to_have_count(2)
    assert descriptions(page) == ["Sunny terrace", "drop1"]
