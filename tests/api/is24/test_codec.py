"""The codec and the error mapping without a server: one tree, two renderings, and the inputs back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from realtymedia.api.is24 import codec, examples, resources
from realtymedia.api.is24.errors import translate, validation_message
from realtymedia.domain import codes
from realtymedia.domain.errors import AccessDenied, Conflict, Invalid, NotFound, Overloaded, Throttled, Violation
from realtymedia.services.tickets import IssuedTicket
from realtymedia.storage import UploadForm

from .helpers import assert_same


def test_json_escapes_the_solidus_as_is24_does() -> None:
    doc = resources.attachments_order(["a/b"])
    assert b'"a\\/b"' in codec.to_json(doc)
    assert json.loads(codec.to_json(doc)) == {"realestateproject.attachmentsOrder": {"attachmentId": ["a/b"]}}


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_ticket_fields_are_renamed_and_ordered_with_the_session_token_last(fmt: str) -> None:
    # botocore's names and order, as generate_presigned_post gives them with a session token.
    fields = {
        "Content-Type": "image/jpeg",
        "acl": "public-read",
        "x-amz-server-side-encryption": "AES256",
        "key": "12345/7a436fae-a0db-4b5f-af10-8e593d46d5ae.jpg",
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": "AWS_ACCESS_KEY/20201109/eu-west-1/s3/aws4_request",
        "x-amz-date": "20201109T000000Z",
        "x-amz-security-token": "FwoGZ...",
        "policy": "eyAiZXhwaX...",
        "x-amz-signature": "c8a0ffd7791608ac107893ba4fe96f3dbbe737d770f1f7eb0f24487b3235aeb2",
    }
    issued = IssuedTicket(
        "7cc1979e-ea6e-4f57-b177-a2287e5cc1db",
        fields["key"],
        "image/jpeg",
        datetime.now(UTC),
        UploadForm("https://s3-eu-west-1.amazonaws.com/bucket-name", fields),
    )
    doc = resources.upload_ticket(issued)
    rendered = codec.to_xml(doc) if fmt == "xml" else codec.to_json(doc)
    assert_same(fmt, rendered, examples.TICKET)


@pytest.mark.parametrize(("example", "fmt"), [(e, f) for e in ("PICTURE", "PDF", "LINK") for f in ("xml", "json")])
def test_the_documents_payloads_read_the_same_in_both_formats(example: str, fmt: str) -> None:
    body = getattr(examples, example)[fmt].encode()
    node = codec.from_xml(body) if fmt == "xml" else codec.from_json(body)
    data = resources.read_attachment(node)
    expected = {
        "PICTURE": ("Picture", examples.PICTURE_ID, "IMAGE", "some title", None),
        "PDF": ("PDFDocument", examples.PDF_ID, "BROCHURE", None, None),
        "LINK": ("Link", None, "VIRTUAL_TOUR", None, "https://virtualtours.immobilienscout24.de/portal/tour/1234"),
    }[example]
    assert (data.kind, data.id, data.subtype, data.title, data.url) == expected


def test_order_payloads() -> None:
    for fmt in ("xml", "json"):
        body = examples.ORDER_REQUEST[fmt].encode()
        node = codec.from_xml(body) if fmt == "xml" else codec.from_json(body)
        assert resources.read_order(node) == [examples.ORDER_IDS["link"], examples.ORDER_IDS["pdf"]]


@pytest.mark.parametrize("depth", [40, 900, 100_000])
def test_deep_xml_is_refused(depth: int) -> None:
    with pytest.raises(codec.MalformedBody):
        codec.from_xml(b"<a>" * depth + b"</a>" * depth)


@pytest.mark.parametrize(
    "body", [b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", b"<x>", b"", "<x>\u00e9</x>".encode("latin-1")]
)
def test_hostile_or_broken_xml(body: bytes) -> None:
    with pytest.raises(codec.MalformedBody):
        codec.from_xml(body)


DEEP_JSON = [b'{"a":' * n + b"1" + b"}" * n for n in (40, 900, 100_000)] + [
    b"[" * n + b"]" * n for n in (40, 900, 100_000)
]


@pytest.mark.parametrize("body", [b"[]", b"{}", b'{"a": 1, "b": 2}', b"\xff", b"nope", *DEEP_JSON])
def test_broken_json(body: bytes) -> None:
    with pytest.raises(codec.MalformedBody):
        codec.from_json(body)


def test_validation_messages() -> None:
    assert validation_message(Violation("linkType", "VIRTUAL_TOUR", codes.NUMBER_OF_ITEMS_EXCEEDED)) == (
        "Error while validating input for the resource. "
        "[MESSAGE: linkType : VIRTUAL_TOUR : attachment.linkType.numberOfItemsExceeded]"
    )
    assert validation_message(Violation("attachmentContentType", None, codes.MANDATORY_FIELD_EMPTY, "required")) == (
        "Error while validating input for the resource. [MESSAGE: attachmentContentType : null : MANDATORY_FIELD_EMPTY]"
    )
    mismatch = Violation("file", "image/jpeg", codes.CONTENT_MISMATCH, "declared image/jpeg, found image/png")
    assert validation_message(mismatch).endswith(
        "[MESSAGE: file : image/jpeg : CONTENT_MISMATCH (declared image/jpeg, found image/png)]"
    )


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Invalid([Violation("id", "x", codes.LENGTH_EXCEEDED_OR_TOO_SMALL)]), 412, "ERROR_RESOURCE_VALIDATION"),
        (NotFound("attachment", "x"), 404, "ERROR_RESOURCE_NOT_FOUND"),
        (AccessDenied(), 403, "ERROR_COMMON_ACCESS_DENIED"),
        (Conflict("busy"), 409, "ERROR_COMMON_REQUEST_CONFLICT"),
        (RuntimeError("boom"), 500, "ERROR_COMMON_INTERNAL_SERVER_ERROR"),
    ],
)
def test_one_mapping_of_errors(error: Exception, status: int, code: str) -> None:
    got_status, doc, _ = translate(error)
    assert got_status == status
    assert doc.root.children[0].child_text("messageCode") == code
    assert "boom" not in codec.to_xml(doc).decode()


def _element_tree_xml(doc: codec.Document) -> bytes:
    """The XML as ElementTree writes it (how the codec rendered it before writing it directly)."""
    import xml.etree.ElementTree as ET

    def element(node: codec.Node, tag: str) -> ET.Element:
        made = ET.Element(tag, {k: codec._xml_value(v) for k, v in node.attrs.items()})
        made.text = node.text
        for child in node.children:
            made.append(element(child, child.name))
        return made

    prefix, uri = codec.NAMESPACES[doc.namespace]
    root = element(doc.root, f"{prefix}:{doc.root.name}")
    declared = {f"xmlns:{prefix}": uri}
    if doc.namespace == codec.COMMON:
        declared["xmlns:gis"] = codec.GIS
    used = codec._attribute_names(doc.root)
    if any(name.startswith("xsi:") for name in used):
        declared["xmlns:xsi"] = codec.XSI
    if any(name.startswith("xlink:") for name in used):
        declared["xmlns:xlink"] = codec.XLINK
    root.attrib = {**declared, **root.attrib}
    ET.indent(root, "    ")
    return codec.XML_DECLARATION + ET.tostring(root, encoding="unicode").encode()


def _documents() -> list[codec.Document]:
    odd = "a & b < c > d \" e ' f\n\tg\r h / ü 🏠"
    deep = codec.Node("attachments", wrapped=True, arrays=("attachment",))
    for index in range(3):
        node = deep.add("attachment", **{"id": f"id-{index}", "xlink:href": f"https://x/{odd}"})
        node.attrs["xsi:type"] = codec.TypeName(codec.REALESTATEPROJECT, "Picture")
        node.add("title", odd if index == 0 else "")
        urls = codec.Node("urls", wrapped=True, arrays=("url",))
        urls.add("url", scale="SCALE_MAX", href=odd)
        node.children.append(urls)
        node.add("empty")
        node.add("blank", "  ")
    issued = IssuedTicket(
        "7cc1979e", "k/1.jpg", "image/jpeg", datetime.now(UTC), UploadForm("https://s3/b", {"key": odd, "acl": "x"})
    )
    return [
        codec.Document(codec.REALESTATEPROJECT, deep),
        codec.Document(codec.REALESTATEPROJECT, codec.Node("attachments", wrapped=True)),
        codec.Document(codec.REALESTATEPROJECT, codec.Node("leaf", {"id": odd}, text=odd)),
        resources.upload_ticket(issued),
        resources.attachments_order(["a", odd]),
        translate(Invalid([Violation("title", odd, codes.INVALID_CHARACTERS)]))[1],
    ]


@pytest.mark.parametrize("index", range(6))
def test_xml_is_written_byte_for_byte_as_element_tree_would(index: int) -> None:
    doc = _documents()[index]
    assert codec.to_xml(doc) == _element_tree_xml(doc)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Throttled("Too many tries: again in 9 s.", retry_after=9), 429, "ERROR_COMMON_TOO_MANY_REQUESTS"),
        (Overloaded("Too many at once.", retry_after=2), 503, "ERROR_COMMON_SERVICE_UNAVAILABLE"),
    ],
)
def test_a_transient_refusal_says_when_to_retry(error: Throttled | Overloaded, status: int, code: str) -> None:
    got_status, doc, headers = translate(error)
    assert (got_status, headers) == (status, {"Retry-After": str(error.retry_after)})
    assert doc.root.children[0].child_text("messageCode") == code
    assert doc.root.children[0].child_text("message") == str(error)
