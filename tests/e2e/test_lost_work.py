"""The page's lost-work findings of issue 17, each as a person meets it in headless Chromium:
inputs read after a slow upload, a double-clicked Copy, an edit in a second tab, and typed text
dropped when a save fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, Route, expect

from realtymedia.services import projects, realties
from realtymedia.services.results import NewUser
from realtymedia_client import IS24Client, RealtyImageClient
from tests.e2e.browsing import description, descriptions, log_in, new_user
from tests.e2e.conftest import DESKTOP
from tests.support import Stack, image_bytes


def _photos(tmp_path: Path, *names: str) -> list[Path]:
    made = []
    for index, name in enumerate(names):
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(image_bytes("JPEG", (160 + index, 120), (40 * index % 255, 90, 160)))
        made.append(path)
    return made


def _titles(stack: Stack, user: NewUser, project_id: int) -> list[str | None]:
    keys = user.oauth
    with IS24Client(
        stack.url, keys.consumer_key, keys.consumer_secret, keys.access_token, keys.access_token_secret
    ) as client:
        return [a.title for a in client.attachments(project_id)]


def _upload(page: Page) -> Locator:
    return page.locator("fieldset").filter(has=page.locator("input[name=picture]")).get_by_role("button", name="Upload")


def test_a_project_upload_keeps_the_title_typed_when_upload_was_pressed(
    web_stack: Stack, page: Page, tmp_path: Path
) -> None:
    """A slow upload: the next title and the next file chosen meanwhile are not taken by it, nor lost."""
    user = new_user(web_stack)
    project = projects.create(web_stack.core, user.username, "PROFESSIONAL", "Slow uplink")
    first, second = _photos(tmp_path, "first", "second")
    held: list[Route] = []
    released = False

    def hold(route: Route) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route("**/storage/**", hold)
    log_in(page, web_stack, user)
    page.get_by_role("link", name="Slow uplink").click()

    page.locator("input[name=picture]").set_input_files(str(first))
    page.locator("input[name=title]").fill("First view")
    _upload(page).click()
    while not held:  # the first photo is on its way to storage, and stays there
        page.wait_for_timeout(50)
    page.locator("input[name=title]").fill("Second view")
    page.locator("input[name=picture]").set_input_files(str(second))

    released = True
    for route in held:
        route.continue_()
    expect(page.locator("figure")).to_have_count(1)
    assert _titles(web_stack, user, project.id) == ["First view"]
    # The second choice survived the redraw: Upload sends it, with its own title.
    _upload(page).click()
    expect(page.locator("figure")).to_have_count(2)
    assert _titles(web_stack, user, project.id) == ["First view", "Second view"]


def test_a_double_click_on_copy_copies_once(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    user = new_user(web_stack)
    source = str(realties.create(web_stack.core, user.id, "Sixty photos").id)
    target = str(realties.create(web_stack.core, user.id, "Copy target").id)
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        client.upload(source, _photos(tmp_path, "a", "b", "c"))

    log_in(page, web_stack, user)
    page.goto(f"{web_stack.url}/#/realty/{target}")
    page.get_by_label("Copy from").select_option(source)
    page.get_by_role("button", name="Copy").dblclick()
    expect(page.locator("#gallery li")).not_to_have_count(0)
    page.wait_for_load_state("networkidle")
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        assert len(client.images(target)) == 3
    expect(page.locator("#gallery li")).to_have_count(3)
    expect(page.locator("#message .text")).to_have_text("Copied the photos of Sixty photos (3 photos).")


def test_a_copy_whose_answer_is_lost_is_retried_with_the_same_request_id(
    web_stack: Stack, page: Page, tmp_path: Path
) -> None:
    user = new_user(web_stack)
    source = str(realties.create(web_stack.core, user.id, "Source").id)
    target = str(realties.create(web_stack.core, user.id, "Target").id)
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        client.upload(source, _photos(tmp_path, "x", "y"))
    sent: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        sent.append(route.request.headers["request-id"])
        if len(sent) == 1:
            route.fetch()  # the service does the copy...
            route.abort("connectionreset")  # ...and the page never hears of it
        else:
            route.continue_()

    page.route("**/images/copy", lose_the_first_answer)
    log_in(page, web_stack, user)
    page.goto(f"{web_stack.url}/#/realty/{target}")
    page.get_by_label("Copy from").select_option(source)
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#message .text")).to_contain_text("Copied the photos of Source")
    assert len(sent) == 2 and sent[0] == sent[1]
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        assert len(client.images(target)) == 2


def test_an_edit_in_one_tab_after_an_upload_in_another_is_saved(
    web_stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    user = new_user(web_stack)
    realty = str(realties.create(web_stack.core, user.id, "Two tabs").id)
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        client.upload(realty, _photos(tmp_path, "kitchen", "garden"))
    context = browser.new_context(viewport=DESKTOP)
    try:
        tab_a = context.new_page()
        log_in(tab_a, web_stack, user)
        tab_a.goto(f"{web_stack.url}/#/realty/{realty}")
        expect(tab_a.locator("#gallery li")).to_have_count(2)
        tab_b = context.new_page()
        tab_b.goto(f"{web_stack.url}/#/realty/{realty}")
        tab_b.locator("#files").set_input_files(str(_photos(tmp_path, "attic")[0]))
        expect(tab_b.locator("#uploads li > span:last-child")).to_have_text(["saved"])

        field = description(tab_a, 0)
        field.fill("Kitchen with a view of the garden")
        field.press("Tab")
        expect(tab_a.locator("#message .text")).to_have_text("Description saved.")
        # Tab A now shows the list as it is, B's upload included, and kept what was typed.
        expect(tab_a.locator("#gallery li")).to_have_count(3)
        assert descriptions(tab_a) == ["Kitchen with a view of the garden", "", "attic"]
        with RealtyImageClient(web_stack.url, user.bearer_token) as client:
            assert [i.description for i in client.images(realty)] == descriptions(tab_a)
    finally:
        context.close()


def test_typed_text_stays_when_its_save_fails_and_is_saved_on_the_next_try(
    web_stack: Stack, page: Page, tmp_path: Path
) -> None:
    user = new_user(web_stack)
    realty = str(realties.create(web_stack.core, user.id, "Flaky network").id)
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        client.upload(realty, _photos(tmp_path, "hall"))
    log_in(page, web_stack, user)
    page.goto(f"{web_stack.url}/#/realty/{realty}")

    def offline(route: Route) -> Any:
        return route.abort("internetdisconnected") if route.request.method in ("PUT", "PATCH") else route.continue_()

    page.route("**/images**", offline)
    field = description(page, 0)
    field.fill("Bright hall, oak floor")
    field.press("Tab")
    expect(page.get_by_role("alert")).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(description(page, 0)).to_have_value("Bright hall, oak floor")
    expect(page.get_by_role("alert")).to_contain_text("nothing you typed is lost")
    expect(page.get_by_role("alert")).to_contain_text("NETWORK")  # the code, for support
    expect(page.locator("#gallery li .save-state").first).to_contain_text("not saved")

    page.unroute("**/images**")
    field.focus()
    field.press("Enter")
    expect(page.locator("#message .text")).to_have_text("Description saved.")
    with RealtyImageClient(web_stack.url, user.bearer_token) as client:
        assert [i.description for i in client.images(realty)] == ["Bright hall, oak floor"]
