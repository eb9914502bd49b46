"""IS24 real estate project attachments: kinds, the contract constraints per product, field rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from realtymedia.domain import codes
from realtymedia.domain.errors import Violation


class Product(StrEnum):
    BASIC = "BASIC"
    PROFESSIONAL = "PROFESSIONAL"


class Kind(StrEnum):
    PICTURE = "Picture"
    PDF_DOCUMENT = "PDFDocument"
    LINK = "Link"


# The field that carries the subtype of each kind, and the subtypes it allows.
SUBTYPE_FIELD = {Kind.PICTURE: "picture_type", Kind.PDF_DOCUMENT: "pdf_document_type", Kind.LINK: "link_type"}
SUBTYPES = {
    Kind.PICTURE: ("COMPANY_LOGO", "PROJECT_LOGO", "IMAGE"),
    Kind.PDF_DOCUMENT: ("BROCHURE",),
    Kind.LINK: ("VIRTUAL_TOUR",),
}
# Content types a file of each kind may have.
FILE_CONTENT_TYPES = {
    Kind.PICTURE: ("image/jpeg", "image/gif", "image/png"),
    Kind.PDF_DOCUMENT: ("application/pdf",),
}
TICKET_CONTENT_TYPES = ("image/jpeg", "image/gif", "image/png", "application/pdf")

# At most one of each of these per project.
SINGLE = {"COMPANY_LOGO", "PROJECT_LOGO", "BROCHURE", "VIRTUAL_TOUR"}
# Only a PROFESSIONAL project may hold these.
PROFESSIONAL_ONLY = {"COMPANY_LOGO", "PROJECT_LOGO", "BROCHURE"}

ID_LENGTH = 36
TITLE_MIN, TITLE_MAX = 3, 100
# IS24's allowed set: 0-9, a-z, A-Z, \s, and üÜäÄöÖß,.-+()!&%"/€@:; -- less the whitespace of
# \s that XML 1.0 cannot carry even as a reference (\x0b, \x0c, \x1c-\x1f): a title is shown in
# XML and in JSON, so it holds only what both can carry.
_TITLE = re.compile(r'(?:(?![\x0b\x0c\x1c-\x1f])[0-9a-zA-Z\s üÜäÄöÖß,.\-+()!&%"/€@:;])*')


def is_file(kind: Kind) -> bool:
    return kind in FILE_CONTENT_TYPES


def check_title(title: str | None) -> list[Violation]:
    if title is None:
        return []
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        return [Violation(("title",), title, codes.LENGTH_EXCEEDED_OR_TOO_SMALL)]
    if not _TITLE.fullmatch(title):
        return [Violation(("title",), title, codes.INVALID_CHARACTERS)]
    return []


def check_url(url: str | None, virtual_tour_hosts: list[str]) -> list[Violation]:
    if url is None or url == "":
        return [Violation(("url",), None, codes.MANDATORY_FIELD_EMPTY)]
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return [Violation(("url",), url, codes.INVALID_URL)]
    if parts.scheme not in ("http", "https") or not host or len(url) > 2000 or not url.isprintable() or " " in url:
        return [Violation(("url",), url, codes.INVALID_URL)]
    if not any(host == allowed or host.endswith("." + allowed) for allowed in virtual_tour_hosts):
        return [Violation(("url",), url, codes.INVALID_URL, "not a supported virtual tour service")]
    return []


def check_contract(product: Product, kind: Kind, subtype: str, existing_subtypes: list[str]) -> list[Violation]:
    """The contract constraints: which subtypes a product may hold, and how many."""
    field = SUBTYPE_FIELD[kind]
    if subtype in PROFESSIONAL_ONLY and product is not Product.PROFESSIONAL:
        return [Violation((field,), subtype, codes.DENIED_FOR_PRODUCT)]
    if subtype in SINGLE and subtype in existing_subtypes:
        return [Violation((field,), subtype, codes.NUMBER_OF_ITEMS_EXCEEDED)]
    return []


def check_file_kind(kind: Kind, content_type: str) -> list[Violation]:
    """A Picture must be an image and a PDFDocument a PDF: `content_type` is what the bytes were found to be."""
    if content_type in FILE_CONTENT_TYPES.get(kind, ()):
        return []
    return [Violation(("file",), content_type, codes.CONTENT_MISMATCH, f"declared {kind.value}, found {content_type}")]


def check_order_ids(ids: list[str] | None) -> list[Violation]:
    """IS24's order payload: at least one id, each of 36 characters; the bad ones are named together."""
    if not ids:
        return [Violation(("attachment_ids",), None, codes.MANDATORY_FIELD_EMPTY)]
    bad = [i for i in ids if len(i) != ID_LENGTH]
    return [Violation(("attachment_ids",), bad, codes.LENGTH_EXCEEDED_OR_TOO_SMALL)] if bad else []


def parse_kind(value: str | None) -> Kind | None:
    """The kind a payload names ("Picture", "PDFDocument", "Link"); None when it names none we know."""
    try:
        return Kind(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AttachmentInput:
    """An assign or update request, as any front door parsed it. `kind` is the raw type name given."""

    kind: str | None
    id: str | None = None
    subtype: str | None = None
    title: str | None = None
    url: str | None = None


def check_input(data: AttachmentInput, virtual_tour_hosts: list[str], *, needs_id: bool) -> list[Violation]:
    """Field rules of an attachment, all of them at once, so that one answer names every problem."""
    violations: list[Violation] = []
    kind = parse_kind(data.kind)
    if kind is None:
        code = codes.INVALID_VALUE if data.kind else codes.MANDATORY_FIELD_EMPTY
        return [Violation(("kind",), data.kind or None, code)]
    if needs_id or is_file(kind):
        if data.id is None or data.id == "":
            violations.append(Violation(("id",), None, codes.MANDATORY_FIELD_EMPTY))
        elif len(data.id) != ID_LENGTH:
            violations.append(Violation(("id",), data.id, codes.LENGTH_EXCEEDED_OR_TOO_SMALL))
    field = SUBTYPE_FIELD[kind]
    if data.subtype is None or data.subtype == "":
        violations.append(Violation((field,), None, codes.MANDATORY_FIELD_EMPTY))
    elif data.subtype not in SUBTYPES[kind]:
        violations.append(Violation((field,), data.subtype, codes.INVALID_VALUE))
    if kind is Kind.PICTURE and data.subtype == "IMAGE":
        violations += check_title(data.title)
    if kind is Kind.LINK:
        violations += check_url(data.url, virtual_tour_hosts)
    return violations


@dataclass(frozen=True)
class Slot:
    """What a project may still receive of one subtype: `refusal` is the rule code an assign of it
    would break now (None: it is free), so a front door can say so before anything is uploaded."""

    kind: Kind
    subtype: str
    single: bool
    refusal: str | None


def slots(product: Product, existing_subtypes: list[str]) -> list[Slot]:
    """Every subtype, with the contract's answer to one more of it (check_contract, asked in advance)."""
    return [
        Slot(
            kind,
            subtype,
            subtype in SINGLE,
            next((v.code for v in check_contract(product, kind, subtype, existing_subtypes)), None),
        )
        for kind, subtypes in SUBTYPES.items()
        for subtype in subtypes
    ]
