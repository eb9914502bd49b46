"""The IS24 attachment rules: field checks, the contract constraints per product, file kinds."""

from __future__ import annotations

import pytest

from realtymedia.api.is24.errors import word
from realtymedia.domain import codes
from realtymedia.domain.attachments import (
    AttachmentInput,
    Kind,
    Product,
    check_contract,
    check_file_kind,
    check_input,
    check_order_ids,
    check_title,
    check_url,
)
from realtymedia.domain.errors import Violation

HOSTS = ["virtualtours.immobilienscout24.de"]
ID = "ac050ef7-f6e2-4451-8276-6206ba4fd653"


def _codes(violations: list[Violation]) -> list[tuple[str, object, str]]:
    """Each violation's field as IS24 names it (the rules' paths are the domain's own names)."""
    return [(word(v.parts), v.value, v.code) for v in violations]


def test_the_documents_invalid_payload_gives_both_messages_in_order() -> None:
    data = AttachmentInput(kind="Picture", id="some_invalid_id", title="some title")
    assert _codes(check_input(data, HOSTS, needs_id=False)) == [
        ("id", "some_invalid_id", codes.LENGTH_EXCEEDED_OR_TOO_SMALL),
        ("pictureType", None, codes.MANDATORY_FIELD_EMPTY),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (AttachmentInput(kind="PDFDocument", id=ID), [("pdfDocumentType", None, codes.MANDATORY_FIELD_EMPTY)]),
        (
            AttachmentInput(kind="Link", subtype="VIRTUAL_TOUR", url="some_invalid_url"),
            [("url", "some_invalid_url", codes.INVALID_URL)],
        ),
        (
            AttachmentInput(kind="Link", url="https://virtualtours.immobilienscout24.de/x"),
            [("linkType", None, codes.MANDATORY_FIELD_EMPTY)],
        ),
        (
            AttachmentInput(kind="Picture", id=ID, subtype="IMAGE", title="ae"),
            [("title", "ae", codes.LENGTH_EXCEEDED_OR_TOO_SMALL)],
        ),
        (
            AttachmentInput(kind="Picture", id=ID, subtype="IMAGE", title="żółć"),
            [("title", "żółć", codes.INVALID_CHARACTERS)],
        ),
        (AttachmentInput(kind="Picture", subtype="IMAGE"), [("id", None, codes.MANDATORY_FIELD_EMPTY)]),
        (AttachmentInput(kind=None), [("type", None, codes.MANDATORY_FIELD_EMPTY)]),
        (AttachmentInput(kind="Video"), [("type", "Video", codes.INVALID_VALUE)]),
        (
            AttachmentInput(kind="Picture", id=ID, subtype="FLOORPLAN"),
            [("pictureType", "FLOORPLAN", codes.INVALID_VALUE)],
        ),
        (AttachmentInput(kind="Link", subtype="VIRTUAL_TOUR"), [("url", None, codes.MANDATORY_FIELD_EMPTY)]),
    ],
)
def test_field_rules(data: AttachmentInput, expected: list[tuple[str, object, str]]) -> None:
    assert _codes(check_input(data, HOSTS, needs_id=False)) == expected


def test_valid_inputs() -> None:
    assert check_input(AttachmentInput("Picture", ID, "IMAGE", "some title"), HOSTS, needs_id=False) == []
    assert (
        check_input(AttachmentInput("Picture", ID, "COMPANY_LOGO", "ae"), HOSTS, needs_id=False) == []
    )  # title only for IMAGE
    assert check_input(AttachmentInput("PDFDocument", ID, "BROCHURE"), HOSTS, needs_id=False) == []
    link = AttachmentInput("Link", None, "VIRTUAL_TOUR", url="https://virtualtours.immobilienscout24.de/portal/tour/1")
    assert check_input(link, HOSTS, needs_id=False) == []
    assert _codes(check_input(link, HOSTS, needs_id=True)) == [("id", None, codes.MANDATORY_FIELD_EMPTY)]


def test_title_set_and_length() -> None:
    assert check_title('Aa0 üÜäÄöÖß,.-+()!&%"/€@:;') == []
    assert check_title("abc") == [] and check_title("x" * 100) == []
    assert _codes(check_title("x" * 101)) == [("title", "x" * 101, codes.LENGTH_EXCEEDED_OR_TOO_SMALL)]
    assert _codes(check_title("<b>x</b>")) == [("title", "<b>x</b>", codes.INVALID_CHARACTERS)]
    assert check_title(None) == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://virtualtours.immobilienscout24.de/x",
        "https://",
        "https://evil.example/x",
        "https://virtualtours.immobilienscout24.de.evil.example/x",
        "https://virtualtours.immobilienscout24.de/a b",
    ],
)
def test_bad_urls(url: str) -> None:
    assert [v.code for v in check_url(url, HOSTS)] == [codes.INVALID_URL]


def test_subdomains_of_allowed_hosts() -> None:
    assert check_url("https://eu.virtualtours.immobilienscout24.de/t/1", HOSTS) == []


@pytest.mark.parametrize(
    ("product", "kind", "subtype", "existing", "expected"),
    [
        (Product.BASIC, Kind.PICTURE, "IMAGE", ["IMAGE", "IMAGE"], []),
        (Product.BASIC, Kind.LINK, "VIRTUAL_TOUR", [], []),
        (Product.BASIC, Kind.LINK, "VIRTUAL_TOUR", ["VIRTUAL_TOUR"], [("linkType", codes.NUMBER_OF_ITEMS_EXCEEDED)]),
        (Product.BASIC, Kind.PDF_DOCUMENT, "BROCHURE", [], [("pdfDocumentType", codes.DENIED_FOR_PRODUCT)]),
        (Product.BASIC, Kind.PICTURE, "COMPANY_LOGO", [], [("pictureType", codes.DENIED_FOR_PRODUCT)]),
        (Product.BASIC, Kind.PICTURE, "PROJECT_LOGO", [], [("pictureType", codes.DENIED_FOR_PRODUCT)]),
        (Product.PROFESSIONAL, Kind.PICTURE, "COMPANY_LOGO", ["PROJECT_LOGO"], []),
        (
            Product.PROFESSIONAL,
            Kind.PICTURE,
            "COMPANY_LOGO",
            ["COMPANY_LOGO"],
            [("pictureType", codes.NUMBER_OF_ITEMS_EXCEEDED)],
        ),
        (
            Product.PROFESSIONAL,
            Kind.PICTURE,
            "PROJECT_LOGO",
            ["PROJECT_LOGO"],
            [("pictureType", codes.NUMBER_OF_ITEMS_EXCEEDED)],
        ),
        (
            Product.PROFESSIONAL,
            Kind.PDF_DOCUMENT,
            "BROCHURE",
            ["BROCHURE"],
            [("pdfDocumentType", codes.NUMBER_OF_ITEMS_EXCEEDED)],
        ),
    ],
)
def test_contract(
    product: Product, kind: Kind, subtype: str, existing: list[str], expected: list[tuple[str, str]]
) -> None:
    assert [(word(v.parts), v.code) for v in check_contract(product, kind, subtype, existing)] == expected


def test_file_kinds() -> None:
    assert check_file_kind(Kind.PICTURE, "image/png") == []
    assert check_file_kind(Kind.PDF_DOCUMENT, "application/pdf") == []
    (wrong,) = check_file_kind(Kind.PICTURE, "application/pdf")
    assert wrong.code == codes.CONTENT_MISMATCH and wrong.message == "declared Picture, found application/pdf"


def test_order_ids() -> None:
    assert check_order_ids([ID]) == []
    assert _codes(check_order_ids(["invalid_attachment_id_1", ID, "invalid_attachment_id_2"])) == [
        ("attachmentIds", ["invalid_attachment_id_1", "invalid_attachment_id_2"], codes.LENGTH_EXCEEDED_OR_TOO_SMALL)
    ]
    assert _codes(check_order_ids([])) == [("attachmentIds", None, codes.MANDATORY_FIELD_EMPTY)]


def test_slots_answer_in_advance_what_the_contract_would_say() -> None:
    from realtymedia.domain.attachments import slots

    basic = {s.subtype: s.refusal for s in slots(Product.BASIC, [])}
    assert basic == {
        "COMPANY_LOGO": codes.DENIED_FOR_PRODUCT,
        "PROJECT_LOGO": codes.DENIED_FOR_PRODUCT,
        "IMAGE": None,
        "BROCHURE": codes.DENIED_FOR_PRODUCT,
        "VIRTUAL_TOUR": None,
    }
    taken = {s.subtype: s.refusal for s in slots(Product.PROFESSIONAL, ["IMAGE", "BROCHURE", "VIRTUAL_TOUR"])}
    assert taken == {
        "COMPANY_LOGO": None,
        "PROJECT_LOGO": None,
        "IMAGE": None,
        "BROCHURE": codes.NUMBER_OF_ITEMS_EXCEEDED,
        "VIRTUAL_TOUR": codes.NUMBER_OF_ITEMS_EXCEEDED,
    }
    assert {s.subtype for s in slots(Product.BASIC, []) if s.single} == {
        "COMPANY_LOGO",
        "PROJECT_LOGO",
        "BROCHURE",
        "VIRTUAL_TOUR",
    }


def test_paths_are_the_domains_names_and_is24_words_them() -> None:
    (violation,) = check_input(AttachmentInput(kind="PDFDocument", id=ID), HOSTS, needs_id=False)
    assert violation.parts == ("pdf_document_type",)
    assert [word(p) for p in [("kind",), ("content_type",), ("attachment_ids",), ("picture_type",)]] == [
        "type",
        "attachmentContentType",
        "attachmentIds",
        "pictureType",
    ]
