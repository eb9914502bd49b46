"""Security headers on every response (answers, refusals, errors of every front door), and stored
files never served inline as HTML."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from bench.api import IS24_BASE, REALTY_IMAGE_BASE, Request

from tests.faults.conftest import Actor, jpeg
from tests.support import pdf_bytes

REQUIRED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def responses(actor: Actor) -> dict[str, httpx.Response]:
    """One of each kind of answer the service gives."""
    client, is24, ri = actor.client, actor.is24, actor.ri
    attachment = actor.picture(3)
    image = actor.images(1)[0]
    storage = actor.stack.core.storage
    form = storage.presign_post("headers/x.jpg", "image/jpeg", 10, 60, actor.stack.url, {})
    found = {
        "healthz": client.get("/healthz"),
        "web page": client.get("/"),
        "unknown path": client.get("/no/such/thing"),
        "wrong method": client.request("PATCH", "/healthz"),
        "is24 list": is24.attachments(actor.project_id).send(client),
        "is24 list xml": is24.attachments(actor.project_id, "application/xml").send(client),
        "is24 ticket": is24.upload_ticket(actor.project_id).send(client),
        "is24 read": is24.signed("GET", f"{IS24_BASE}/{actor.project_id}/attachment/{attachment}").send(client),
        "is24 unsigned 401": client.get(f"{IS24_BASE}/{actor.project_id}/attachment"),
        "is24 412": is24.assign(actor.project_id, {"@xsi.type": "realestateproject:Picture"}).send(client),
        "is24 404": is24.attachments(999_999_999).send(client),
        "is24 415": is24.signed("POST", f"{IS24_BASE}/{actor.project_id}/attachment", b"x", "text/plain").send(client),
        "is24 oauth endpoint": client.post("/restapi/security/oauth/request_token"),
        "realty images": ri.images(actor.realty_id).send(client),
        "realty grant": ri.upload_grant().send(client),
        "realty 401": client.get(f"{REALTY_IMAGE_BASE}/realty/{actor.realty_id}/images"),
        "realty 400": Request("GET", f"{REALTY_IMAGE_BASE}/uploadGrants?type=x", ri.upload_grant().headers).send(
            client
        ),
        "realty 404": ri.images("00000000-0000-4000-8000-000000000000").send(client),
        "realty docs": client.get(f"{REALTY_IMAGE_BASE}/docs"),
        "file 404": client.get("/files/nothing/here.jpg"),
        "file": client.get(f"/files/{_key_of(actor, image)}"),
        "delete": ri.delete(actor.realty_id, image).send(client),
    }
    if form.url.startswith(actor.stack.url + "/"):  # the local backend's own S3-style endpoint
        forged = {**form.fields, "x-amz-signature": "0" * 64}
        found["storage refusal"] = client.post(form.url, data=forged, files={"file": ("x", b"x", "image/jpeg")})
        found["storage not multipart"] = client.post(form.url, content=b"x")
        found["storage preflight"] = client.options(form.url)
    return found


def _key_of(actor: Actor, media_id: str) -> str:
    from realtymedia.persistence.models import Media

    with actor.stack.core.unit_of_work(write=False) as uow:
        item = uow.session.get(Media, media_id)
        assert item is not None and item.key
        return item.key


def test_security_headers_on_every_response(alice: Actor) -> None:
    found = responses(alice)
    statuses = {name: r.status_code for name, r in found.items()}
    assert any(s >= 400 for s in statuses.values()) and any(s < 300 for s in statuses.values()), statuses
    for name, response in found.items():
        for header, value in REQUIRED.items():
            assert response.headers.get(header) == value, (name, response.status_code, dict(response.headers))


def test_stored_files_are_never_served_inline_as_html(alice: Actor) -> None:
    # Markup cannot become a stored file: refused at assign and at save, and its key is not served.
    html = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
    attachment_id = alice.upload_ticket(html, "image/png")
    refused = alice.is24.assign_picture(alice.project_id, attachment_id).send(alice.client)
    assert refused.status_code == 412
    key = alice.granted(html, "image/png")
    assert alice.ri.save(alice.realty_id, [key]).send(alice.client).status_code == 400
    assert alice.client.get(f"/files/{key}").status_code == 404
    # What is served carries its checked type, nosniff, and PDFs as attachments (downloads).
    picture = alice.picture(4)
    pdf_id = alice.upload_ticket(pdf_bytes(), "application/pdf")
    brochure = {"@xsi.type": "realestateproject:PDFDocument", "@id": pdf_id, "pdfDocumentType": "BROCHURE"}
    assert alice.is24.assign(alice.project_id, brochure).send(alice.client).status_code == 201
    for media_id, content_type in ((picture, "image/jpeg"), (pdf_id, "application/pdf")):
        response = alice.client.get(f"/files/{_key_of(alice, media_id)}")
        if response.status_code in (302, 307):  # S3: a presigned GET that sets the type and disposition
            query = parse_qs(urlsplit(response.headers["location"]).query)
            assert query["response-content-type"] == [content_type]
            if content_type == "application/pdf":
                assert query["response-content-disposition"] == ["attachment"]
            served = httpx.get(response.headers["location"])
            assert served.headers["content-type"] == content_type
        else:
            assert response.status_code == 200
            assert response.headers["content-type"] == content_type
            assert response.headers["x-content-type-options"] == "nosniff"
            if content_type == "application/pdf":
                assert response.headers["content-disposition"].startswith("attachment")
        assert "html" not in response.headers.get("content-type", "")
    assert jpeg()  # the helper's JPEG is what `picture` stored
