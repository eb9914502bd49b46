"""Document 002: PUT .../realestateproject/{id}/attachment/order, with its worked example, XML and JSON."""

from __future__ import annotations

import json

import pytest
from tests.support import Stack, image_bytes, pdf_bytes

from realtymedia.api.is24 import examples

from .helpers import Account, assert_same, link_xml, messages_of, new_account, pdf_xml, picture_xml, validation

FORMATS = ["xml", "json"]


def _order_of_files(account: Account) -> list[str]:
    listed = account.request("GET", account.project_url(None, "attachment"), "json").json()
    return [
        a["@id"]
        for a in listed["realestateproject.attachments"][0]["attachment"]
        if "link" not in a["@xsi.type"].lower()
    ]


def _example_project(account: Account) -> dict[str, str]:
    """The document's three attachments: a picture, a PDF document and a link, in that order."""
    picture = account.upload("image/jpeg", image_bytes("JPEG"))
    assert account.assign(picture_xml(picture)).status_code == 201
    pdf = account.upload("application/pdf", pdf_bytes())
    assert account.assign(pdf_xml(pdf)).status_code == 201
    created = account.assign(link_xml())
    assert created.status_code == 201
    link = created.headers["Location"].rsplit("/", 1)[1]
    return {"picture": picture, "pdf": pdf, "link": link}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_documents_ordering_example(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    ids = _example_project(account)
    substitutions = {examples.ORDER_IDS[name]: ids[name] for name in ids}
    body = examples.ORDER_REQUEST[fmt]
    for old, new in substitutions.items():
        body = body.replace(old, new)
    response = account.request("PUT", account.project_url(None, "attachment", "order"), fmt, body)
    assert response.status_code == 200, response.text
    assert_same(fmt, response.content, examples.ORDER_RESPONSE, **substitutions)
    assert _order_of_files(account) == [ids["pdf"], ids["picture"]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_invalid_ids_are_the_documents_412(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    body = {
        "xml": """<ns2:attachmentsOrder xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0">
            <attachmentId>invalid_attachment_id_1</attachmentId><attachmentId>invalid_attachment_id_2</attachmentId>
            </ns2:attachmentsOrder>""",
        "json": json.dumps(
            {
                "realestateproject.attachmentsOrder": {
                    "attachmentId": ["invalid_attachment_id_1", "invalid_attachment_id_2"]
                }
            }
        ),
    }
    response = account.request("PUT", account.project_url(None, "attachment", "order"), fmt, body[fmt])
    assert response.status_code == 412
    assert_same(fmt, response.content, examples.ORDER_INVALID)


def test_given_first_rest_in_current_order(stack: Stack) -> None:
    account = new_account(stack)
    pictures = []
    for _ in range(4):
        picture = account.upload("image/png", image_bytes("PNG"))
        assert account.assign(picture_xml(picture)).status_code == 201
        pictures.append(picture)
    a, b, c, d = pictures
    unknown = "00000000-0000-0000-0000-000000000000"
    # One id as a single JSON string, not a list, works too; unknown ids and repeats are ignored.
    body = json.dumps({"realestateproject.attachmentsOrder": {"attachmentId": c}})
    response = account.request("PUT", account.project_url(None, "attachment", "order"), "json", body)
    assert response.json()["realestateproject.attachmentsOrder"]["attachmentId"] == [c, a, b, d]
    body = json.dumps({"realestateproject.attachmentsOrder": {"attachmentId": [d, unknown, b, d]}})
    response = account.request("PUT", account.project_url(None, "attachment", "order"), "json", body)
    assert response.json()["realestateproject.attachmentsOrder"]["attachmentId"] == [d, b, c, a]
    assert _order_of_files(account) == [d, b, c, a]


def test_empty_order_is_refused(stack: Stack) -> None:
    account = new_account(stack)
    body = '<ns2:attachmentsOrder xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"/>'
    response = account.request("PUT", account.project_url(None, "attachment", "order"), "xml", body)
    assert response.status_code == 412
    assert messages_of(response) == [validation("attachmentIds", "null", "MANDATORY_FIELD_EMPTY")]
