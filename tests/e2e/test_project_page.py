"""A project's page in headless Chromium: several pictures at once with progress, titles edited
afterwards, reorder by drag, slots the contract has taken shown as taken before anything is sent,
and the service's refusals as sentences that name the file."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Page, Route, expect

from realtymedia.services import projects
from realtymedia.services.results import NewUser
from realtymedia_client import IS24Client
from tests.e2e.browsing import confirm, log_in, new_user
from tests.support import Stack, image_bytes, pdf_bytes


def _titles(page: Page) -> list[str]:
    return [field.input_value() for field in page.locator("#attachments figure input[data-role=title]").all()]


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_pictures_upload_together_get_titles_and_move(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    user = new_user(web_stack)
    project = projects.create(web_stack.core, user.username, "PROFESSIONAL", "Riverside")
    log_in(page, web_stack, user)
    page.get_by_role("link", name="Riverside").click()
    expect(page.locator("#product")).to_have_text("PROFESSIONAL")

    page.locator("#add-picture").get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a picture to upload first")

    files = [_file(tmp_path, f"view{i}.jpg", image_bytes("JPEG", (200 + i, 150))) for i in range(3)]
    page.locator("input[name=picture]").set_input_files(files)
    page.locator("input[name=title]").fill("River view")
    page.locator("#add-picture").get_by_role("button", name="Upload").click()
    expect(page.locator("#project-uploads li .state")).to_have_text(["saved"] * 3)
    expect(page.locator("#project-uploads progress")).to_have_count(3)
    expect(page.locator("#attachments figure")).to_have_count(3)
    assert sorted(_titles(page)) == ["River view (1)", "River view (2)", "River view (3)"]

    # A title edited afterwards.
    field = page.locator("#attachments figure input[data-role=title]").first
    before = field.input_value()
    field.fill("Terrace at dusk")
    field.press("Enter")
    expect(page.locator("#message .text")).to_have_text("Title saved.")
    assert _titles(page)[0] == "Terrace at dusk"

    # Drag the last picture onto the first: it takes the first place, as the service keeps it.
    order = _titles(page)
    page.locator("#attachments figure").nth(2).drag_to(page.locator("#attachments figure").nth(0))
    expect(page.locator("#message .text")).to_have_text("Order saved.")
    expect(page.locator("#attachments figure input[data-role=title]").first).to_have_value(order[2])
    assert _titles(page) == [order[2], order[0], order[1]]
    assert before != "Terrace at dusk"

    with _is24(web_stack, user) as client:
        assert [a.title for a in client.attachments(project.id)] == _titles(page)


def _is24(stack: Stack, user: NewUser) -> IS24Client:
    keys = user.oauth
    return IS24Client(
        stack.url, keys.consumer_key, keys.consumer_secret, keys.access_token, keys.access_token_secret
    )


def test_taken_and_denied_slots_are_shown_before_anything_is_sent(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    user = new_user(web_stack)
    basic = projects.create(web_stack.core, user.username, "BASIC", "Harbour")
    pro = projects.create(web_stack.core, user.username, "PROFESSIONAL", "Hilltop")
    logo = _file(tmp_path, "logo.png", image_bytes("PNG", (300, 60)))
    log_in(page, web_stack, user)

    # BASIC: the logos and the brochure are not in the product, and the page says so up front.
    page.goto(f"{web_stack.url}/#/project/{basic.id}")
    expect(page.locator("h1")).to_contain_text("Harbour")
    expect(page.locator("select[name=pictureType] option[value=COMPANY_LOGO]")).to_be_disabled()
    expect(page.locator("select[name=pictureType] option[value=COMPANY_LOGO]")).to_contain_text("PROFESSIONAL only")
    expect(page.locator("#brochure-file")).to_be_disabled()
    expect(page.locator("#brochure-note")).to_have_text("A brochure needs a PROFESSIONAL project; this one is not.")

    # PROFESSIONAL: once the company logo is there, its slot is taken.
    page.goto(f"{web_stack.url}/#/project/{pro.id}")
    expect(page.locator("h1")).to_contain_text("Hilltop")
    page.locator("input[name=picture]").set_input_files(logo)
    page.locator("select[name=pictureType]").select_option("COMPANY_LOGO")
    page.locator("#add-picture").get_by_role("button", name="Upload").click()
    expect(page.locator("#attachments figure.logo")).to_have_count(1)
    # Contained, not cropped: a wide logo is shown whole.
    expect(page.locator("#attachments figure.logo img")).to_have_css("object-fit", "contain")
    expect(page.locator("select[name=pictureType] option[value=COMPANY_LOGO]")).to_be_disabled()
    expect(page.locator("select[name=pictureType] option[value=COMPANY_LOGO]")).to_contain_text("taken")

    # The brochure: added once, then its slot is taken too.
    page.locator("#brochure-file").set_input_files(_file(tmp_path, "brochure.pdf", pdf_bytes()))
    page.locator("#add-brochure").get_by_role("button", name="Upload").click()
    expect(page.locator("#attachments").get_by_role("link", name="PDF")).to_be_visible()
    expect(page.locator("#brochure-file")).to_be_disabled()
    expect(page.locator("#brochure-note")).to_have_text("The project has its brochure: delete it to add another.")

    tour = "https://virtualtours.immobilienscout24.de/portal/tour/1234"
    page.locator("input[name=tour]").fill(tour)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("link", name=tour)).to_have_attribute("href", tour)
    expect(page.locator("input[name=tour]")).to_be_disabled()

    # Another tab took the project logo meanwhile: the refusal is a sentence, the code is for support.
    page.locator("input[name=picture]").set_input_files(logo)
    page.locator("select[name=pictureType]").select_option("PROJECT_LOGO")
    with _is24(web_stack, user) as client:
        client.upload_picture(pro.id, logo, "PROJECT_LOGO")
    page.locator("#add-picture").get_by_role("button", name="Upload").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This project already has a project logo: delete that one first to add another.")
    expect(alert.locator("details")).to_contain_text("attachment.pictureType.numberOfItemsExceeded")
    expect(page.locator("select[name=pictureType] option[value=PROJECT_LOGO]")).to_be_disabled()

    # Deleting asks first.
    page.locator("#attachments figure.logo").first.get_by_role("button", name="Delete").click()
    confirm(page, "Delete")
    expect(page.locator("#attachments figure.logo")).to_have_count(1)


def test_a_damaged_or_too_large_file_is_named_in_a_sentence(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    user = new_user(web_stack)
    project = projects.create(web_stack.core, user.username, "PROFESSIONAL", "Checks")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    log_in(page, web_stack, user)
    page.goto(f"{web_stack.url}/#/project/{project.id}")

    broken = _file(tmp_path, "broken.jpg", image_bytes("JPEG", (400, 300))[:300])
    page.locator("input[name=picture]").set_input_files(broken)
    page.locator("#add-picture").get_by_role("button", name="Upload").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("“broken.jpg”")
    expect(alert.locator(".text")).not_to_contain_text("[MESSAGE:")
    expect(alert.locator("details")).to_contain_text("ERROR_RESOURCE_VALIDATION")

    # 55 MB: refused on the page, never sent.
    big = tmp_path / "huge.jpg"
    with big.open("wb") as out:
        out.truncate(55_000_000)
    before = len(sent)
    page.locator("input[name=picture]").set_input_files(str(big))
    page.locator("#add-picture").get_by_role("button", name="Upload").click()
    expect(page.locator("#project-uploads li").last).to_contain_text(
        "not uploaded: 52.5 MiB is more than the limit of 50 MiB"
    )
    page.wait_for_load_state("networkidle")
    assert sent[before:] == []


def test_a_queued_or_sending_picture_can_be_cancelled(web_stack: Stack, page: Page, tmp_path: Path) -> None:
    """Two files are on their way to storage (held there), a third waits its turn. Cancel on the
    waiting one takes it out of the queue; Cancel on a sending one aborts its storage POST, and
    only the third file is assigned."""
    user = new_user(web_stack)
    project = projects.create(web_stack.core, user.username, "PROFESSIONAL", "Cancels")
    files = [_file(tmp_path, f"{name}.jpg", image_bytes("JPEG", (210, 150))) for name in ["porch", "stairs", "roof"]]
    held: list[Route] = []
    failed: list[str] = []
    page.route("**/storage/**", lambda route: held.append(route))
    page.on("requestfailed", lambda request: failed.append(request.url) if "/storage/" in request.url else None)
    log_in(page, web_stack, user)
    page.goto(f"{web_stack.url}/#/project/{project.id}")
    expect(page.locator("h1")).to_contain_text("Cancels")

    page.locator("input[name=picture]").set_input_files(files)
    page.locator("input[name=title]").fill("View")
    page.locator("#add-picture").get_by_role("button", name="Upload").click()
    rows = page.locator("#project-uploads li")
    expect(rows).to_have_count(3)
    expect(rows.locator("img.thumb")).to_have_count(3)
    while len(held) < 2:  # two at once: porch and stairs are sending, roof waits
        page.wait_for_timeout(50)
    expect(rows.locator(".state")).to_have_text(["uploading", "uploading", "waiting"])

    page.get_by_role("button", name="Cancel the upload of roof.jpg").click()
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Cancel the upload of stairs.jpg").click()
    expect(rows.locator(".state")).to_have_text(["uploading", "cancelled"])
    stairs = next(route for route in held if b'filename="stairs.jpg"' in (route.request.post_data_buffer or b""))
    deadline = time.monotonic() + 10  # the event comes after the page has shown "cancelled"
    while not failed and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert failed == [stairs.request.url]  # the browser gave up the POST
    page.unroute("**/storage/**")  # lets the held POST of porch go on
    expect(rows.locator(".state")).to_have_text(["saved", "cancelled"])
    expect(page.locator("#attachments figure")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    with _is24(web_stack, user) as client:
        assert [a.title for a in client.attachments(project.id)] == ["View (1)"]
