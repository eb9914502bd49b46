"""Keyboard access and the accessibility check (axe-core, pinned from npm) of the home, realty and
project pages, and their screenshots at desktop and phone width (kept in test-artifacts/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from realtymedia.services import projects, realties
from realtymedia_client import IS24Client, RealtyImageClient
from tests.e2e.browsing import descriptions, log_in, new_user
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.support import Stack, image_bytes, pdf_bytes

Axe = Callable[[Any, str], list[dict[str, Any]]]


def _files(tmp_path: Path, names: list[str], fmt: str = "JPEG", size: tuple[int, int] = (320, 240)) -> list[Path]:
    made = []
    for index, name in enumerate(names):
        path = tmp_path / name
        path.write_bytes(image_bytes(fmt, size, (30 + 50 * index, 120, 200 - 40 * index)))
        made.append(path)
    return made


def _focus_ring(page: Page) -> str:
    return str(page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle"))


def test_photos_move_by_keyboard_and_focus_is_visible(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    user = new_user(web_stack)
    realty = str(realties.create(web_stack.core, user.id, "Keyboard only").id)
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        client.upload(realty, _files(tmp_path, ["one.jpg", "two.jpg", "three.jpg"]), ["one", "two", "three"])
    log_in(page, web_stack, user)
    page.goto(f"{web_stack.url}/#/realty/{realty}")
    expect(page.locator("#gallery li")).to_have_count(3)

    handle = page.get_by_role(
        "button", name="Move Photo 3 of 3; arrow keys move it, Home and End to the first or last place"
    )
    handle.focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#message .text")).to_have_text("Order saved.")
    expect(page.locator("#gallery li textarea").nth(1)).to_have_value("three")
    # Focus stays on the moved photo's handle, so the next key moves it again.
    page.keyboard.press("Home")
    expect(page.locator("#gallery li textarea").first).to_have_value("three")
    assert page.evaluate("() => document.activeElement.dataset.role") == "handle"
    assert descriptions(page) == ["three", "one", "two"]
    # Move to a position, by its labelled menu.
    page.locator("#gallery li").first.get_by_label("Position").select_option("3")
    expect(page.locator("#gallery li textarea").nth(2)).to_have_value("three")
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        assert [i.description for i in client.images(realty)] == ["one", "two", "three"]

    # Tabbing shows where the focus is.
    page.locator("#gallery li textarea").first.focus()
    page.keyboard.press("Shift+Tab")
    assert _focus_ring(page) != "none"


def test_the_pages_pass_axe_and_are_kept_as_screenshots(
    web_stack: Stack, browser: Browser, tmp_path: Path, axe_check: Axe
) -> None:
    user = new_user(web_stack)
    realty = str(realties.create(web_stack.core, user.id, "Sunny two-room flat, Kallio").id)
    realties.create(web_stack.core, user.id, "Harbour loft")
    project = projects.create(web_stack.core, user.username, "PROFESSIONAL", "Riverside")
    long_text = "Living room with a bay window facing the park, oak parquet, " * 4
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        client.upload(
            realty, _files(tmp_path, ["living.jpg", "kitchen.jpg", "bath.jpg"]), [long_text.strip(), "Kitchen", "Bath"]
        )
    keys = user.oauth
    with IS24Client(
        web_stack.url, keys.consumer_key, keys.consumer_secret, keys.access_token, keys.access_token_secret
    ) as is24:
        for path in _files(tmp_path, ["river.jpg", "court.jpg"]):
            is24.upload_picture(project.id, path, "IMAGE", path.stem.title() + " view")
        [logo] = _files(tmp_path, ["logo.png"], "PNG", (400, 80))
        is24.upload_picture(project.id, logo, "COMPANY_LOGO")
        brochure = tmp_path / "brochure.pdf"
        brochure.write_bytes(pdf_bytes())
        is24.upload_brochure(project.id, brochure)

    ARTIFACTS.mkdir(exist_ok=True)
    found: dict[str, list[dict[str, Any]]] = {}
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        try:
            log_in(page, web_stack, user)
            found[f"home-{width_name}"] = axe_check(page, f"home-{width_name}")
            page.goto(f"{web_stack.url}/#/realty/{realty}")
            expect(page.locator("#gallery li img")).to_have_count(3)
            # Long descriptions show whole lines (the box is several lines tall, not one).
            box = page.locator("#gallery li textarea").first.bounding_box()
            assert box is not None and box["height"] > 60
            page.locator("#gallery li img").last.scroll_into_view_if_needed()
            found[f"realty-{width_name}"] = axe_check(page, f"realty-{width_name}")
            page.screenshot(path=str(ARTIFACTS / f"realty-{width_name}.png"), full_page=True)
            page.get_by_label("Select Photo 2").check()
            page.get_by_role("button", name="Details of Photo 1").click()
            found[f"realty-details-{width_name}"] = axe_check(page, f"realty-details-{width_name}")
            page.screenshot(path=str(ARTIFACTS / f"realty-details-{width_name}.png"))
            page.locator("dialog.details").get_by_role("button", name="Close").click()
            found[f"realty-selected-{width_name}"] = axe_check(page, f"realty-selected-{width_name}")
            page.goto(f"{web_stack.url}/#/project/{project.id}")
            expect(page.locator("#attachments figure img")).to_have_count(3)
            found[f"project-{width_name}"] = axe_check(page, f"project-{width_name}")
            page.screenshot(path=str(ARTIFACTS / f"project-{width_name}.png"), full_page=True)
            # The banner floats over the page: showing it moves nothing.
            top = "() => document.querySelector('#add-picture').getBoundingClientRect().top + window.scrollY"
            before = page.evaluate(top)
            page.locator("#add-picture").get_by_role("button", name="Upload").click()
            expect(page.get_by_role("alert")).to_be_visible()
            assert page.evaluate(top) == before
            found[f"project-message-{width_name}"] = axe_check(page, f"project-message-{width_name}")
            # The favicon is served.
            assert page.request.get(web_stack.url + "/favicon.svg").headers["content-type"].startswith("image/svg")
        finally:
            context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_project_pictures_move_by_keyboard(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    user = new_user(web_stack)
    project = projects.create(web_stack.core, user.username, "BASIC", "Keys")
    keys = user.oauth
    with IS24Client(
        web_stack.url, keys.consumer_key, keys.consumer_secret, keys.access_token, keys.access_token_secret
    ) as is24:
        for path in _files(tmp_path, ["north.jpg", "south.jpg", "east.jpg"]):
            is24.upload_picture(project.id, path, "IMAGE", path.stem.title())
        log_in(page, web_stack, user)
        page.goto(f"{web_stack.url}/#/project/{project.id}")
        expect(page.locator("#attachments figure")).to_have_count(3)
        page.get_by_role(
            "button", name="Move picture 1 of 3; arrow keys move it, Home and End to the first or last place"
        ).focus()
        page.keyboard.press("End")
        expect(page.locator("#message .text")).to_have_text("Order saved.")
        expect(page.locator("#attachments figure input[data-role=title]").last).to_have_value("North")
        assert page.evaluate("() => document.activeElement.dataset.role") == "handle"
        assert [a.title for a in is24.attachments(project.id)] == ["South", "East", "North"]
