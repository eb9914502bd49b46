"""The IS24 resources as neutral trees (built from the services' results, read from payloads). The
codec renders them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from realtymedia.api.is24.codec import REALESTATEPROJECT, Document, Node, TypeName
from realtymedia.api.is24.errors import word
from realtymedia.domain.attachments import SUBTYPE_FIELD, AttachmentInput, parse_kind
from realtymedia.services.results import Attachment, Project
from realtymedia.services.tickets import IssuedTicket

# The upload ticket's fields, named and ordered as IS24's document shows them.
TICKET_FIELD_ORDER = (
    "key",
    "acl",
    "content-type",
    "x-amz-server-side-encryption",
    "x-amz-credential",
    "x-amz-algorithm",
    "x-amz-date",
    "x-amz-signature",
    "policy",
    "x-amz-security-token",
)
# A Picture's rendition templates by scale (SCALE, SCALE_AND_CROP, WHITE_FILLING), see api.pictures.
Templates = Callable[[Attachment], dict[str, str]]
# The URL of a resource below the user's project container.
Href = Callable[..., str]


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# -- payloads -------------------------------------------------------------------------------


def read_ticket_request(node: Node | None) -> str | None:
    return _text(node.child_text("attachmentContentType")) if node else None


def read_attachment(node: Node | None) -> AttachmentInput:
    if node is None:
        return AttachmentInput(kind=None)
    kind_name = _text(node.attr("xsi:type"))
    kind = parse_kind(kind_name)
    subtype = _text(node.child_text(word((SUBTYPE_FIELD[kind],)))) if kind else None
    title = node.child_text("title")
    return AttachmentInput(
        kind=kind_name,
        id=_text(node.attr("id")),
        subtype=subtype,
        title=title.strip() if title is not None and title.strip() else None,
        url=_text(node.child_text("url")),
    )


def read_order(node: Node | None) -> list[str]:
    return [i.strip() for i in node.child_texts("attachmentId")] if node else []


# -- representations ------------------------------------------------------------------------


def upload_ticket(issued: IssuedTicket) -> Document:
    root = Node("uploadTicket")
    root.add("url", issued.form.url)
    root.add("attachmentId", issued.id)
    fields = Node("fields", wrapped=True, arrays=("field",))
    given = {name.lower(): value for name, value in issued.form.fields.items()}
    ordered = [n for n in TICKET_FIELD_ORDER if n in given] + [n for n in given if n not in TICKET_FIELD_ORDER]
    for name in ordered:
        fields.add("field", key=name, value=given[name])
    root.children.append(fields)
    return Document(REALESTATEPROJECT, root)


def attachment_node(item: Attachment, href: Href, templates: Templates | None = None, *, strict: bool = False) -> Node:
    node = Node("attachment", {"xsi:type": TypeName(REALESTATEPROJECT, item.kind), "id": item.id})
    node.attrs["xlink:href"] = href(item.project_id, "attachment", item.id)
    if strict:
        return node
    if item.kind == "Picture":
        node.add("pictureType", item.subtype)
        if item.title:
            node.add("title", item.title)
        urls = Node("urls", wrapped=True, arrays=("url",))
        url = item.file_url
        if url:
            for scale, template in (templates(item) if templates else {}).items():
                urls.add("url", scale=scale, href=template)
            urls.add("url", scale="SCALE_MAX", href=url)
        node.children.append(urls)
        if item.placeholder:
            node.add("placeholder", item.placeholder)
    elif item.kind == "PDFDocument":
        node.add("pdfDocumentType", item.subtype)
        if item.file_url:
            node.add("url", item.file_url)
    else:
        node.add("url", item.url)
        node.add("linkType", item.subtype)
    return node


def attachment(item: Attachment, href: Href, templates: Templates) -> Document:
    node = attachment_node(item, href, templates)
    node.name = "attachment"
    return Document(REALESTATEPROJECT, node)


def attachments(items: Sequence[Attachment], href: Href, templates: Templates, *, strict: bool) -> Document:
    root = Node("attachments", wrapped=True, arrays=("attachment",))
    root.children = [attachment_node(i, href, templates, strict=strict) for i in items]
    return Document(REALESTATEPROJECT, root)


def attachments_order(ids: Sequence[str]) -> Document:
    root = Node("attachmentsOrder", arrays=("attachmentId",))
    for ident in ids:
        root.add("attachmentId", ident)
    return Document(REALESTATEPROJECT, root)


def project_node(project: Project, href: Href, *, strict: bool = False) -> Node:
    node = Node("realEstateProject", {"id": str(project.id), "xlink:href": href(project.id)})
    if strict:
        return node
    node.add("name", project.name)
    node.add("title", project.title)
    if project.description:
        node.add("description", project.description)
    if project.homepage_url:
        node.add("homepageUrl", project.homepage_url)
    node.add("product", project.product)
    refs = Node("attachments", {"xlink:href": href(project.id, "attachment")}, arrays=("attachment",))
    refs.children = [attachment_node(i, href, strict=True) for i in project.attachments]
    node.children.append(refs)
    return node


def project(found: Project, href: Href) -> Document:
    return Document(REALESTATEPROJECT, project_node(found, href))


def projects(found: Sequence[Project], href: Href, *, strict: bool) -> Document:
    root = Node("realEstateProjects", wrapped=True, arrays=("realEstateProject",))
    root.children = [project_node(p, href, strict=strict) for p in found]
    return Document(REALESTATEPROJECT, root)
