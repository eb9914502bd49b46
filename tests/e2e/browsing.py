"""What the browser tests do again and again: make a user, log in, read the gallery."""

from __future__ import annotations

import uuid

from playwright.sync_api import Locator, Page, expect

from realtymedia.services import accounts
from realtymedia.services.results import NewUser
from tests.support import Stack

PASSWORD = "pw"


def new_user(stack: Stack, password: str = PASSWORD) -> NewUser:
    return accounts.create_user(stack.core, f"web{uuid.uuid4().hex[:8]}", password)


def log_in(page: Page, stack: Stack, user: NewUser, password: str = PASSWORD) -> None:
    page.goto(stack.url + "/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#who")).to_have_text(user.username)
    # The login form stays until the next view is drawn: a test typing now would type into it.
    expect(page.get_by_role("form", name="Log in")).to_have_count(0)


def descriptions(page: Page) -> list[str]:
    return [description(page, index).input_value() for index in range(page.locator("#gallery li").count())]


def description(page: Page, index: int) -> Locator:
    """The description field of the gallery's photo `index`, by its label."""
    return page.locator("#gallery li").nth(index).get_by_label("Description")


def confirm(page: Page, label: str) -> None:
    """Answer the page's confirmation dialog with its button `label`."""
    page.locator("dialog.confirm").get_by_role("button", name=label, exact=True).click()
