"""Document 001: POST .../realestateproject/{id}/attachment: every example and every message, XML and JSON."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from tests.support import Stack, image_bytes, pdf_bytes

from realtymedia.api.is24 import examples

from .helpers import Account, assert_same, link_xml, messages_of, new_account, pdf_xml, picture_xml, validation

FORMATS = ["xml", "json"]


def _payload(example: dict[str, str], fmt: str, old_id: str | None = None, new_id: str | None = None) -> str:
    body = example[fmt]
    return body.replace(old_id, new_id) if old_id and new_id else body


def _created(account: Account, fmt: str, response: requests.Response, attachment_id: str) -> None:
    assert response.status_code == 201, response.text
    assert_same(fmt, response.content, examples.CREATED, **{examples.PICTURE_ID: attachment_id})
    assert response.headers["Location"] == account.project_url(None, "attachment", attachment_id)
    # The Location is the document's path, with our host, user and ids.
    assert response.headers["Location"].endswith(
        examples.CREATED_LOCATION.replace("/me/", f"/{account.username}/")
        .replace("/999/", f"/{account.project_id}/")
        .replace(examples.PICTURE_ID, attachment_id)
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_assign_picture_as_in_the_document(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    attachment_id = account.upload("image/jpeg", image_bytes("JPEG"))
    response = account.assign(_payload(examples.PICTURE, fmt, examples.PICTURE_ID, attachment_id), fmt=fmt)
    _created(account, fmt, response, attachment_id)
    read = account.request("GET", response.headers["Location"], "xml")
    assert read.status_code == 200
    assert b"<pictureType>IMAGE</pictureType>" in read.content and b"<title>some title</title>" in read.content


@pytest.mark.parametrize("fmt", FORMATS)
def test_assign_pdf_as_in_the_document(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    attachment_id = account.upload("application/pdf", pdf_bytes())
    response = account.assign(_payload(examples.PDF, fmt, examples.PDF_ID, attachment_id), fmt=fmt)
    assert response.status_code == 201, response.text
    assert_same(fmt, response.content, examples.CREATED, **{examples.PICTURE_ID: attachment_id})


@pytest.mark.parametrize("fmt", FORMATS)
def test_assign_link_as_in_the_document(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    response = account.assign(examples.LINK[fmt], fmt=fmt)
    assert response.status_code == 201, response.text
    link_id = response.headers["Location"].rsplit("/", 1)[1]
    assert len(link_id) == 36
    assert_same(fmt, response.content, examples.CREATED, **{examples.PICTURE_ID: link_id})


@pytest.mark.parametrize("fmt", FORMATS)
def test_second_virtual_tour_is_the_documents_412(stack: Stack, fmt: str) -> None:
    account = new_account(stack, "BASIC")
    assert account.assign(examples.LINK[fmt], fmt=fmt).status_code == 201
    response = account.assign(examples.LINK[fmt], fmt=fmt)
    assert response.status_code == 412
    assert_same(fmt, response.content, examples.LINK_EXCEEDED)


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_contract_messages(stack: Stack, fmt: str) -> None:
    professional = new_account(stack, "PROFESSIONAL")
    basic_project = professional.new_project("BASIC")
    found = []
    # Single BROCHURE, COMPANY_LOGO, PROJECT_LOGO on PROFESSIONAL: the second is refused.
    for content_type, content, payload in [
        ("application/pdf", pdf_bytes(), pdf_xml),
        ("image/png", image_bytes("PNG"), lambda i: picture_xml(i, "COMPANY_LOGO", None)),
        ("image/gif", image_bytes("GIF"), lambda i: picture_xml(i, "PROJECT_LOGO", None)),
    ]:
        first = professional.upload(content_type, content)
        assert professional.assign(payload(first), fmt=fmt).status_code == 201
        second = professional.upload(content_type, content)
        response = professional.assign(payload(second), fmt=fmt)
        assert response.status_code == 412
        found += [m for _, m in messages_of(response)]
    # ... and none of them on BASIC.
    for content_type, content, payload in [
        ("application/pdf", pdf_bytes(), pdf_xml),
        ("image/png", image_bytes("PNG"), lambda i: picture_xml(i, "COMPANY_LOGO", None)),
        ("image/jpeg", image_bytes("JPEG"), lambda i: picture_xml(i, "PROJECT_LOGO", None)),
    ]:
        attachment_id = professional.upload(content_type, content, basic_project)
        response = professional.assign(payload(attachment_id), basic_project, fmt=fmt)
        assert response.status_code == 412
        assert {c for c, _ in messages_of(response)} == {"ERROR_RESOURCE_VALIDATION"}
        found += [m for _, m in messages_of(response)]
    assert found == examples.OTHER_CONTRACT_MESSAGES


def test_many_images_on_every_product(stack: Stack) -> None:
    account = new_account(stack, "BASIC")
    for _ in range(3):
        attachment_id = account.upload("image/jpeg", image_bytes("JPEG"))
        assert account.assign(picture_xml(attachment_id)).status_code == 201


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_not_uploaded_is_the_documents_404(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    ticket = account.ticket("image/jpeg")  # a ticket, but nothing posted to it
    response = account.assign(_payload(examples.PICTURE, fmt, examples.PICTURE_ID, ticket["id"]), fmt=fmt)
    assert response.status_code == 404
    assert_same(fmt, response.content, examples.NOT_UPLOADED, **{examples.NOT_UPLOADED_ID: ticket["id"]})


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_attachment_id_is_404(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    response = account.assign(_payload(examples.PICTURE, fmt, examples.PICTURE_ID, examples.NOT_UPLOADED_ID), fmt=fmt)
    assert response.status_code == 404
    assert_same(fmt, response.content, examples.NOT_UPLOADED)


@pytest.mark.parametrize("fmt", FORMATS)
def test_invalid_payload_is_the_documents_412_with_two_messages(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    payload = {
        "xml": """<ns2:attachment xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ns2:Picture" id="some_invalid_id">
            <title>some title</title></ns2:attachment>""",
        "json": """{"realestateproject.attachment": {"@xsi.type": "realestateproject:Picture",
            "@id": "some_invalid_id", "title": "some title"}}""",
    }
    response = account.assign(payload[fmt], fmt=fmt)
    assert response.status_code == 412
    assert_same(fmt, response.content, examples.INVALID_PAYLOAD)


def _json_attachment(kind: str, **members: str) -> str:
    import json

    return json.dumps({"realestateproject.attachment": {"@xsi.type": f"realestateproject:{kind}", **members}})


def _xml_attachment(kind: str, **members: str) -> str:
    attrs = f' id="{members.pop("@id")}"' if "@id" in members else ""
    children = "".join(f"<{k}>{v}</{k}>" for k, v in members.items())
    return (
        '<ns2:attachment xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:type="ns2:{kind}"{attrs}>{children}</ns2:attachment>'
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_payload_messages(stack: Stack, fmt: str) -> None:
    """The document's "other possible error messages", each from the payload that earns it."""
    account = new_account(stack)
    make = _xml_attachment if fmt == "xml" else _json_attachment
    picture_id = account.upload("image/jpeg", image_bytes("JPEG"))
    pdf_id = account.upload("application/pdf", pdf_bytes())
    cases = [
        (make("PDFDocument", **{"@id": pdf_id}), ("pdfDocumentType", "null", "MANDATORY_FIELD_EMPTY")),
        (make("Link", url="some_invalid_url", linkType="VIRTUAL_TOUR"), ("url", "some_invalid_url", "INVALID_URL")),
        (
            make("Link", url="https://virtualtours.immobilienscout24.de/portal/tour/1"),
            ("linkType", "null", "MANDATORY_FIELD_EMPTY"),
        ),
        (
            make("Picture", **{"@id": picture_id, "pictureType": "IMAGE", "title": "ae"}),
            ("title", "ae", "LENGTH_EXCEEDED_OR_TOO_SMALL"),
        ),
        (
            make("Picture", **{"@id": picture_id, "pictureType": "IMAGE", "title": "żółć"}),
            ("title", "żółć", "INVALID_CHARACTERS"),
        ),
    ]
    for payload, (field, value, code) in cases:
        response = account.assign(payload, fmt=fmt)
        assert response.status_code == 412, payload
        assert messages_of(response) == [validation(field, value, code)]


def test_title_rules(stack: Stack) -> None:
    account = new_account(stack)
    allowed = 'Wohnen 0-9 üÜäÄöÖß,.-+()!&%"/€@:; am See'
    picture_id = account.upload("image/png", image_bytes("PNG"))
    assert (
        account.assign(
            _json_attachment("Picture", **{"@id": picture_id, "pictureType": "IMAGE", "title": allowed}), fmt="json"
        ).status_code
        == 201
    )
    for title, code in [("x" * 101, "LENGTH_EXCEEDED_OR_TOO_SMALL"), ("<b>bold</b>", "INVALID_CHARACTERS")]:
        other = account.upload("image/png", image_bytes("PNG"))
        response = account.assign(
            _json_attachment("Picture", **{"@id": other, "pictureType": "IMAGE", "title": title}), fmt="json"
        )
        assert messages_of(response) == [validation("title", title, code)]


def test_only_virtual_tour_hosts(stack: Stack) -> None:
    account = new_account(stack)
    response = account.assign(link_xml("https://evil.example.com/tour/1"))
    assert response.status_code == 412
    assert messages_of(response) == [validation("url", "https://evil.example.com/tour/1", "INVALID_URL")]
    assert account.assign(link_xml("https://my.matterport.com/show/?m=abc")).status_code == 201


@pytest.mark.parametrize(
    ("ticket_type", "content", "payload", "declared", "found"),
    [
        ("application/pdf", pdf_bytes(), picture_xml, "Picture", "application/pdf"),
        ("image/jpeg", image_bytes("JPEG"), pdf_xml, "PDFDocument", "image/jpeg"),
        ("image/jpeg", image_bytes("PNG"), picture_xml, "image/jpeg", "image/png"),
        ("application/pdf", b"<html><body>no pdf</body></html>", pdf_xml, "application/pdf", "markup"),
    ],
)
def test_the_bytes_must_be_what_the_attachment_says(
    stack: Stack, ticket_type: str, content: bytes, payload: object, declared: str, found: str
) -> None:
    account = new_account(stack)
    attachment_id = account.upload(ticket_type, content)
    response = account.assign(payload(attachment_id))  # type: ignore[operator]
    assert response.status_code == 412
    ((code, message),) = messages_of(response)
    assert code == "ERROR_RESOURCE_VALIDATION"
    assert "CONTENT_MISMATCH" in message and f"declared {declared}" in message and found in message


def test_an_attachment_id_is_assigned_once(stack: Stack) -> None:
    account = new_account(stack)
    attachment_id = account.upload("image/jpeg", image_bytes("JPEG"))
    assert account.assign(picture_xml(attachment_id)).status_code == 201
    again = account.assign(picture_xml(attachment_id))
    assert again.status_code == 412
    ((_, message),) = messages_of(again)
    assert f"[MESSAGE: id : {attachment_id} : TICKET_USED" in message


def test_another_projects_ticket_is_not_found(stack: Stack) -> None:
    account = new_account(stack)
    other_project = account.new_project()
    attachment_id = account.upload("image/jpeg", image_bytes("JPEG"), other_project)
    response = account.assign(picture_xml(attachment_id))
    assert response.status_code == 404
    assert messages_of(response) == [
        ("ERROR_RESOURCE_NOT_FOUND", f"Resource [attachment] with id [{attachment_id}] was not found.")
    ]


@pytest.mark.slow
def test_twenty_parallel_company_logos_give_one_201(stack: Stack) -> None:
    account = new_account(stack, "PROFESSIONAL")
    with ThreadPoolExecutor(10) as pool:
        ids = list(pool.map(lambda _: account.upload("image/png", image_bytes("PNG")), range(20)))
    start = threading.Barrier(20)

    def assign(attachment_id: str) -> requests.Response:
        payload = picture_xml(attachment_id, "COMPANY_LOGO", None)
        start.wait()
        return account.assign(payload)

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(assign, ids))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [412] * 19, [r.text for r in responses if r.status_code not in (201, 412)]
    for response in responses:
        if response.status_code == 412:
            assert messages_of(response) == [
                validation("pictureType", "COMPANY_LOGO", "attachment.pictureType.numberOfItemsExceeded")
            ]
    listed = account.request("GET", account.project_url(None, "attachment"), "json").json()
    attachments = listed["realestateproject.attachments"][0]["attachment"]
    assert [a["pictureType"] for a in attachments] == ["COMPANY_LOGO"]


def test_control_characters_never_reach_the_database(stack: Stack) -> None:
    """PostgreSQL refuses NUL in strings with an error: such ids and URLs must be refused before."""
    account = new_account(stack)
    nul_id = "\x00" * 36
    response = account.assign(_json_attachment("Picture", **{"@id": nul_id, "pictureType": "IMAGE"}), fmt="json")
    assert response.status_code == 404
    update = account.request(
        "PUT", account.project_url(None, "attachment"), "json", _json_attachment("Link", **{"@id": nul_id,
        "linkType": "VIRTUAL_TOUR", "url": "https://virtualtours.immobilienscout24.de/x"})
    )  # fmt: skip
    assert update.status_code == 404
    bad_url = "https://virtualtours.immobilienscout24.de/\x00tour"
    response = account.assign(_json_attachment("Link", url=bad_url, linkType="VIRTUAL_TOUR"), fmt="json")
    assert response.status_code == 412
    assert messages_of(response)[0][1].endswith(" : INVALID_URL]")
    for attachment in ("abc%00", "%00" * 36, "..%2f..%2fx"):
        for method in ("GET", "DELETE"):
            gone = account.request(method, account.project_url(None, "attachment") + "/" + attachment, "json")
            assert gone.status_code == 404, (method, attachment)
