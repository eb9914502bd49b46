"""Projects and attachments read, updated and deleted: GET, PUT and DELETE under realestateproject."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import httpx
import pytest
from tests.support import Stack, image_bytes, pdf_bytes

from .helpers import NS_RP, XSI_TYPE, Account, link_xml, messages_of, new_account, pdf_xml, picture_xml, validation

FORMATS = ["xml", "json"]


def _assigned(account: Account) -> dict[str, str]:
    picture = account.upload("image/jpeg", image_bytes("JPEG"))
    assert account.assign(picture_xml(picture, "IMAGE", "Blick vom Balkon")).status_code == 201
    pdf = account.upload("application/pdf", pdf_bytes())
    assert account.assign(pdf_xml(pdf)).status_code == 201
    link = account.assign(link_xml()).headers["Location"].rsplit("/", 1)[1]
    return {"picture": picture, "pdf": pdf, "link": link}


def test_list_in_xml_carries_each_attachment_and_its_file(stack: Stack) -> None:
    account = new_account(stack)
    ids = _assigned(account)
    response = account.request("GET", account.project_url(None, "attachment"), "xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{NS_RP}}}attachments"
    items = root.findall("attachment")
    assert [i.get("id") for i in items] == [ids["picture"], ids["pdf"], ids["link"]]
    assert [i.get(XSI_TYPE) for i in items] == ["ns2:Picture", "ns2:PDFDocument", "ns2:Link"]
    picture, pdf, link = items
    assert picture.get("{http://www.w3.org/1999/xlink}href") == account.project_url(None, "attachment", ids["picture"])
    assert picture.findtext("pictureType") == "IMAGE"
    assert picture.findtext("title") == "Blick vom Balkon"
    *templates, url = picture.find("urls").findall("url")  # type: ignore[union-attr]
    assert [t.get("scale") for t in templates] == ["SCALE", "SCALE_AND_CROP", "WHITE_FILLING"]
    assert all("%WIDTH%x%HEIGHT%" in (t.get("href") or "") for t in templates)
    assert url.get("scale") == "SCALE_MAX"
    assert httpx.get(url.get("href") or "", timeout=30, follow_redirects=True).content == image_bytes("JPEG")
    assert pdf.findtext("pdfDocumentType") == "BROCHURE"
    assert httpx.get(pdf.findtext("url") or "", timeout=30, follow_redirects=True).content == pdf_bytes()
    assert link.findtext("linkType") == "VIRTUAL_TOUR"
    assert link.findtext("url") == "https://virtualtours.immobilienscout24.de/portal/tour/1234"


def test_list_and_read_in_json(stack: Stack) -> None:
    account = new_account(stack)
    ids = _assigned(account)
    listed = account.request("GET", account.project_url(None, "attachment"), "json").json()
    items = listed["realestateproject.attachments"][0]["attachment"]
    assert [i["@xsi.type"] for i in items] == [
        "realestateproject:Picture",
        "realestateproject:PDFDocument",
        "realestateproject:Link",
    ]
    read = account.request("GET", account.project_url(None, "attachment", ids["picture"]), "json").json()
    picture = read["realestateproject.attachment"]
    assert picture == items[0]
    assert picture["@id"] == ids["picture"] and picture["pictureType"] == "IMAGE"
    scales = [u["@scale"] for u in picture["urls"][0]["url"]]
    assert scales == ["SCALE", "SCALE_AND_CROP", "WHITE_FILLING", "SCALE_MAX"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_strict_list_is_references_only(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    ids = _assigned(account)
    response = account.request(
        "GET", account.project_url(None, "attachment"), fmt, Accept=f"application/{fmt};strict=true"
    )
    if fmt == "json":
        items = response.json()["realestateproject.attachments"][0]["attachment"]
        refs = [(i["@id"], i["@xlink.href"]) for i in items]
        assert all(set(i) == {"@id", "@xlink.href", "@xsi.type"} for i in items)
    else:
        items = ET.fromstring(response.content).findall("attachment")
        refs = [(i.get("id"), i.get("{http://www.w3.org/1999/xlink}href")) for i in items]
        assert all(len(i) == 0 for i in items)
    assert refs == [(ids[k], account.project_url(None, "attachment", ids[k])) for k in ("picture", "pdf", "link")]


def test_projects_list_and_read(stack: Stack) -> None:
    account = new_account(stack, fresh=True)
    basic = account.new_project("BASIC")
    new_account(stack)  # someone else's project is not listed
    ids = _assigned(account)
    listed = account.request("GET", account.base(), "json").json()["realestateproject.realEstateProjects"][0]
    projects = listed["realEstateProject"]
    assert [p["@id"] for p in projects] == [str(account.project_id), str(basic)]
    first = projects[0]
    assert first["name"] == "Riverside" and first["title"] == "Riverside Gardens"
    assert first["product"] == "PROFESSIONAL"
    assert [a["@id"] for a in first["attachments"]["attachment"]] == [ids["picture"], ids["pdf"], ids["link"]]
    root = ET.fromstring(account.request("GET", account.base() + "/", "xml").content)
    assert root.tag == f"{{{NS_RP}}}realEstateProjects"
    assert [p.get("id") for p in root.findall("realEstateProject")] == [str(account.project_id), str(basic)]
    strict = ET.fromstring(account.request("GET", account.base(), "xml", Accept="application/xml;strict=true").content)
    assert all(len(p) == 0 and p.get("{http://www.w3.org/1999/xlink}href") for p in strict)
    one = ET.fromstring(account.request("GET", account.project_url(basic), "xml").content)
    assert one.tag == f"{{{NS_RP}}}realEstateProject" and one.findtext("product") == "BASIC"


@pytest.mark.parametrize("fmt", FORMATS)
def test_update_title_and_type(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    ids = _assigned(account)
    payload = {
        "xml": picture_xml(ids["picture"], "IMAGE", "Neuer Titel"),
        "json": json.dumps(
            {
                "realestateproject.attachment": {
                    "@xsi.type": "realestateproject:Picture",
                    "@id": ids["picture"],
                    "pictureType": "IMAGE",
                    "title": "Neuer Titel",
                }
            }
        ),
    }[fmt]
    response = account.request("PUT", account.project_url(None, "attachment"), fmt, payload)
    assert response.status_code == 200, response.text
    assert messages_of(response) == [
        ("MESSAGE_RESOURCE_UPDATED", f"Resource [attachment] with id [{ids['picture']}] has been updated.")
    ]
    read = account.request("GET", account.project_url(None, "attachment", ids["picture"]), "json").json()
    assert read["realestateproject.attachment"]["title"] == "Neuer Titel"
    # The same rules as an assign: the title, and the contract (one COMPANY_LOGO).
    bad = account.request(
        "PUT", account.project_url(None, "attachment"), "xml", picture_xml(ids["picture"], "IMAGE", "ae")
    )
    assert messages_of(bad) == [validation("title", "ae", "LENGTH_EXCEEDED_OR_TOO_SMALL")]
    logo = account.upload("image/png", image_bytes("PNG"))
    assert account.assign(picture_xml(logo, "COMPANY_LOGO", None)).status_code == 201
    retype = account.request(
        "PUT", account.project_url(None, "attachment"), "xml", picture_xml(ids["picture"], "COMPANY_LOGO", None)
    )
    assert retype.status_code == 412
    assert messages_of(retype) == [
        validation("pictureType", "COMPANY_LOGO", "attachment.pictureType.numberOfItemsExceeded")
    ]
    # Retyping the logo itself is no second logo.
    same = account.request(
        "PUT", account.project_url(None, "attachment"), "xml", picture_xml(logo, "COMPANY_LOGO", None)
    )
    assert same.status_code == 200


def test_update_of_unknown_or_without_id(stack: Stack) -> None:
    account = new_account(stack)
    unknown = "00000000-0000-0000-0000-000000000000"
    response = account.request("PUT", account.project_url(None, "attachment"), "xml", picture_xml(unknown))
    assert response.status_code == 404
    assert messages_of(response) == [
        ("ERROR_RESOURCE_NOT_FOUND", f"Resource [attachment] with id [{unknown}] was not found.")
    ]
    response = account.request("PUT", account.project_url(None, "attachment"), "xml", link_xml())
    assert response.status_code == 412
    assert messages_of(response) == [validation("id", "null", "MANDATORY_FIELD_EMPTY")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_delete_removes_the_row_and_the_stored_file(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    ids = _assigned(account)
    with stack.core.unit_of_work(write=False) as uow:
        key = uow.media.item("project", str(account.project_id), ids["picture"]).key
    assert key is not None and stack.core.storage.head(key) is not None
    # The upload's own object went at assignment: what is kept is the checked copy.
    assert stack.core.storage.head(f"{account.project_id}/{ids['picture']}.jpg") is None
    response = account.request("DELETE", account.project_url(None, "attachment", ids["picture"]), fmt)
    assert response.status_code == 200
    assert messages_of(response) == [
        ("MESSAGE_RESOURCE_DELETED", f"Resource [attachment] with id [{ids['picture']}] has been deleted.")
    ]
    assert stack.core.storage.head(key) is None
    gone = account.request("GET", account.project_url(None, "attachment", ids["picture"]), fmt)
    assert gone.status_code == 404
    again = account.request("DELETE", account.project_url(None, "attachment", ids["picture"]), fmt)
    assert again.status_code == 404
    listed = account.request("GET", account.project_url(None, "attachment"), "json").json()
    assert [a["@id"] for a in listed["realestateproject.attachments"][0]["attachment"]] == [ids["pdf"], ids["link"]]
    # A freed single slot can be taken again.
    assert account.request("DELETE", account.project_url(None, "attachment", ids["link"]), fmt).status_code == 200
    assert account.assign(link_xml()).status_code == 201
