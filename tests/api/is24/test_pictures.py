"""IS24 Pictures read back: template URLs of the three scale modes, SCALE_MAX, the placeholder."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import httpx
import pytest
from PIL import Image
from tests.support import Stack
from tests.unit.test_images import SECRET, WHITE, colour, near, phone_jpeg

from .helpers import new_account, picture_xml

NS_COMMON = "{http://rest.immobilienscout24.de/schema/common/1.0}"


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_pictures_carry_templates_in_xml_and_json(stack: Stack) -> None:
    account = new_account(stack)
    picture = account.upload("image/jpeg", phone_jpeg(6, 300, 450))  # upright 300x450
    assert account.assign(picture_xml(picture, "IMAGE", "Garten")).status_code == 201
    listed = ET.fromstring(account.request("GET", account.project_url(None, "attachment"), "xml").content)
    (item,) = listed.findall("attachment")
    urls = {u.get("scale"): u.get("href") or "" for u in item.find("urls").findall("url")}  # type: ignore[union-attr]
    assert list(urls) == ["SCALE", "SCALE_AND_CROP", "WHITE_FILLING", "SCALE_MAX"]
    assert (item.findtext("placeholder") or "").startswith("data:image/webp;base64,")
    one = account.request("GET", account.project_url(None, "attachment", picture), "json").json()
    json_urls = one["realestateproject.attachment"]["urls"][0]["url"]
    assert [(u["@scale"], u["@href"]) for u in json_urls] == list(urls.items())
    for scale in ("SCALE_AND_CROP", "WHITE_FILLING"):
        response = httpx.get(urls[scale].replace("%WIDTH%", "400").replace("%HEIGHT%", "300"), timeout=30)
        assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
        image = decoded(response.content)
        assert image.format == "JPEG" and image.size == (400, 300)
    padded = decoded(httpx.get(urls["WHITE_FILLING"].replace("%WIDTH%", "400").replace("%HEIGHT%", "300")).content)
    assert near(colour(padded, 0.05, 0.5), WHITE, 8)  # the 200x300 picture sits between white bands
    scaled = decoded(httpx.get(urls["SCALE"].replace("%WIDTH%", "400").replace("%HEIGHT%", "300")).content)
    assert scaled.size == (200, 300)
    original = httpx.get(urls["SCALE_MAX"], timeout=30, follow_redirects=True).content
    assert SECRET.encode() not in original and b"PhoneMaker" not in original


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_rendition_refusals_are_in_is24s_form(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    picture = account.upload("image/jpeg", phone_jpeg(1))
    assigned = account.assign(picture_xml(picture, "IMAGE", "Blick"))
    assert assigned.status_code == 201, assigned.text
    one = ET.fromstring(account.request("GET", account.project_url(None, "attachment", picture), "xml").content)
    template = one.find("urls").find("url").get("href") or ""  # type: ignore[union-attr]
    accept = {"Accept": f"application/{fmt}"}
    bad = httpx.get(template.replace("%WIDTH%", "0").replace("%HEIGHT%", "10"), headers=accept, timeout=30)
    assert bad.status_code == 400
    if fmt == "xml":
        root = ET.fromstring(bad.content)
        assert root.tag == f"{NS_COMMON}messages"
        assert root.findtext("message/messageCode") == "ERROR_COMMON_BAD_REQUEST"
    else:
        message = bad.json()["common.messages"][0]["message"]
        assert message["messageCode"] == "ERROR_COMMON_BAD_REQUEST"
    account.request("DELETE", account.project_url(None, "attachment", picture), "xml")
    gone = httpx.get(template.replace("%WIDTH%", "10").replace("%HEIGHT%", "10"), timeout=30)
    assert gone.status_code == 404 and b"ERROR_RESOURCE_NOT_FOUND" in gone.content
