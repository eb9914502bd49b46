"""What a gallery costs the browser: 60 phone-sized photos drawn from renditions, measured in Chromium."""

from __future__ import annotations

import io
import uuid

import httpx
from PIL import Image, ImageFilter
from playwright.sync_api import Page, expect

from realtymedia.services import realties
from tests.e2e.browsing import log_in, new_user
from tests.support import Stack, post_form

PHOTOS = 60
LIMIT = 5 * 1024 * 1024


def phone_photo() -> bytes:
    """A 3000x2000 JPEG with a photo's texture (about 1.5 MB, as phones write them)."""
    noise = Image.effect_noise((750, 500), 50).convert("RGB").resize((3000, 2000), Image.Resampling.BICUBIC)
    detail = Image.effect_noise((3000, 2000), 30).convert("RGB")
    photo = Image.blend(noise.filter(ImageFilter.GaussianBlur(2)), detail, 0.2)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def test_a_gallery_of_60_photos_transfers_less_than_5_mb(web_stack: Stack, page: Page) -> None:
    user = new_user(web_stack)
    realty = str(realties.create(web_stack.core, user.id, "Sixty photos").id)
    photo = phone_photo()
    assert len(photo) > 1_000_000
    headers = {"Authorization": f"Bearer {user.bearer_token}"}
    base = web_stack.url + "/realty-image/v2"
    keys = []
    with httpx.Client(timeout=60, headers=headers) as http:
        for _ in range(PHOTOS):
            grant = http.get(f"{base}/uploadGrants?type=image/jpeg", headers={"Request-ID": str(uuid.uuid4())}).json()
            assert post_form(grant["url"], grant["fields"], photo, "photo.jpg", "image/jpeg").status_code < 300
            keys.append(grant["fields"]["key"])
        saved = http.post(
            f"{base}/realty/{realty}/images",
            json={"uploadedImages": [{"key": key} for key in keys]},
            headers={"Request-ID": str(uuid.uuid4())},
        )
        assert saved.status_code == 200, saved.text

    log_in(page, web_stack, user)
    page.get_by_role("link", name="Sixty photos").click()
    cards = page.locator("#gallery li img")
    expect(cards).to_have_count(PHOTOS)
    # Every card scrolled into view, so that lazy loading loads them all.
    for index in range(PHOTOS):
        cards.nth(index).scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#gallery li img')].every((i) => i.complete && i.naturalWidth > 0)",
        timeout=120_000,
    )
    widths = page.evaluate("() => [...document.querySelectorAll('#gallery li img')].map((i) => i.naturalWidth)")
    assert widths == [240] * PHOTOS  # the 1x rendition of the card, not the 3000-pixel original
    transferred = page.evaluate(
        """() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
              .reduce((sum, entry) => sum + (entry.transferSize || entry.encodedBodySize || 0), 0)"""
    )
    pictures = page.evaluate(
        """() => performance.getEntriesByType("resource").filter((e) => e.name.includes("/pictures/")).length"""
    )
    assert pictures >= PHOTOS
    assert 0 < transferred < LIMIT, f"{transferred} bytes"
    # A click on a card shows the full picture.
    page.locator("#gallery li [data-role=preview]").first.click()
    expect(page.locator("dialog img").first).to_have_attribute("src", saved.json()["realtyImages"][0]["url"])
