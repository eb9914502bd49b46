"""Client of the IS24 dialect: real estate project attachments, OAuth 1.0a (HMAC-SHA1), XML or JSON.

Both representations are read into the shape of IS24's JSON (attributes as ``@name``, repeated
elements as lists), so one set of readers serves both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

import httpx

from realtymedia_client._errors import ErrorDetail, RealtyMediaError, api_error
from realtymedia_client._http import (
    Connections,
    ProgressCallback,
    content_type_of,
    parse_xml,
    post_to_storage,
    with_retries,
)
from realtymedia_client._models import Attachment, Project, UploadForm
from realtymedia_client._oauth import authorization

NS = "http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
API_PATH = "/restapi/api/offer/v1.0"
PICTURE_TYPES = ("IMAGE", "PROJECT_LOGO", "COMPANY_LOGO")
MEDIA_TYPES = {"json": "application/json", "xml": "application/xml"}


class IS24Client(Connections):
    """``IS24Client(base_url, consumer_key, consumer_secret, token, token_secret, format="json")``.

    Every request is signed anew (fresh nonce and timestamp). Requests that are harmless to repeat
    (reads, ticket requests, order, delete, the storage POST) are retried after transport errors and
    passing statuses; assignments are not, since IS24 has no idempotency key, but for a rate
    limit's 429 (refused before anything was done), after its Retry-After. (A delete whose answer
    was lost is answered NotFound on its retry.)
    """

    def __init__(
        self,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        token: str,
        token_secret: str,
        *,
        format: str = "json",
        username: str = "me",
        timeout: float = 60.0,
        retries: int = 3,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if format not in MEDIA_TYPES:
            raise ValueError("format must be 'json' or 'xml'")
        self.base_url = base_url.rstrip("/")
        self.format = format
        self.username = username
        self._credentials = (consumer_key, consumer_secret, token, token_secret)
        super().__init__(timeout, retries, transport)

    # -- plumbing -------------------------------------------------------------------------

    def _url(self, *parts: str) -> str:
        segments = ["user", quote(self.username, safe="@"), "realestateproject", *(quote(p, safe="") for p in parts)]
        return f"{self.base_url}{API_PATH}/" + "/".join(segments)

    def _call(self, method: str, url: str, body: Mapping[str, Any] | None = None, *, retry: bool = True) -> Any:
        media_type = MEDIA_TYPES[self.format]
        content = None if body is None else _encode(body, self.format)

        def send() -> httpx.Response:
            headers = {"Accept": media_type, "Authorization": authorization(method, url, *self._credentials)}
            if content is not None:
                headers["Content-Type"] = f"{media_type};charset=UTF-8"
            return self._http.request(method, url, content=content, headers=headers)

        response = with_retries(send, self.retries, only_refusals=not retry)
        if response.status_code >= 400:
            raise _error(response)
        return _decode(response)

    # -- projects -------------------------------------------------------------------------

    def projects(self) -> list[Project]:
        return [_project(item) for item in _find_all(self._call("GET", self._url()), "realEstateProject")]

    def project(self, project_id: int | str) -> Project:
        data = self._call("GET", self._url(str(project_id)))
        return _project(_unwrap(data))

    # -- attachments ----------------------------------------------------------------------

    def attachments(self, project_id: int | str) -> list[Attachment]:
        data = self._call("GET", self._url(str(project_id), "attachment"))
        return [_attachment(item) for item in _find_all(data, "attachment")]

    def attachment(self, project_id: int | str, attachment_id: str) -> Attachment:
        return _attachment(_unwrap(self._call("GET", self._url(str(project_id), "attachment", attachment_id))))

    def upload_ticket(self, project_id: int | str, content_type: str) -> UploadForm:
        body = {"realestateproject.uploadTicketRequest": {"attachmentContentType": content_type}}
        ticket = _unwrap(self._call("POST", self._url(str(project_id), "attachment", "upload-ticket"), body))
        fields = {str(f["@key"]): str(f.get("@value", "")) for f in _find_all(ticket.get("fields"), "field")}
        return UploadForm(url=str(ticket["url"]), fields=fields, attachment_id=str(ticket["attachmentId"]))

    def upload_file(self, project_id: int | str, path: Path, progress: ProgressCallback | None = None) -> str:
        """Get a ticket and post the file straight to storage; returns the attachment id to assign."""
        attachment_id = self.send_file(project_id, path, progress).attachment_id
        assert attachment_id is not None  # send_file made sure
        return attachment_id

    def send_file(self, project_id: int | str, path: Path, progress: ProgressCallback | None = None) -> UploadForm:
        """Get a ticket and post the file straight to storage; returns the ticket (``attachment_id``
        to assign, ``expires_at``)."""
        content_type = content_type_of(path)
        ticket = self.upload_ticket(project_id, content_type)
        if not ticket.attachment_id:
            raise RealtyMediaError("the upload ticket named no attachmentId")
        post_to_storage(self._storage, ticket.url, ticket.fields, path, content_type, progress, self.retries)
        return ticket

    def assign_file(self, project_id: int | str, attachment_id: str, file_type: str, title: str | None = None) -> str:
        """Assign an uploaded file as IMAGE, PROJECT_LOGO, COMPANY_LOGO (a Picture) or BROCHURE (a PDFDocument)."""
        fields: dict[str, Any]
        if file_type == "BROCHURE":
            fields = {"@xsi.type": "realestateproject:PDFDocument", "@id": attachment_id, "pdfDocumentType": file_type}
        elif file_type in PICTURE_TYPES:
            fields = {"@xsi.type": "realestateproject:Picture", "@id": attachment_id, "pictureType": file_type}
            if title is not None:
                fields["title"] = title
        else:
            raise ValueError(f"file_type must be one of {', '.join(PICTURE_TYPES)} or BROCHURE")
        return self._assign(project_id, fields)

    def upload_picture(
        self,
        project_id: int | str,
        path: str | Path,
        picture_type: str = "IMAGE",
        title: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> str:
        """Upload and assign a Picture (IMAGE, PROJECT_LOGO or COMPANY_LOGO); returns its attachment id."""
        if picture_type not in PICTURE_TYPES:
            raise ValueError(f"picture_type must be one of {', '.join(PICTURE_TYPES)}")
        return self.assign_file(project_id, self.upload_file(project_id, Path(path), progress), picture_type, title)

    def upload_brochure(self, project_id: int | str, path: str | Path, progress: ProgressCallback | None = None) -> str:
        """Upload and assign the project's PDF brochure (PROFESSIONAL product only); returns its id."""
        return self.assign_file(project_id, self.upload_file(project_id, Path(path), progress), "BROCHURE")

    def add_virtual_tour(self, project_id: int | str, url: str) -> str:
        fields = {"@xsi.type": "realestateproject:Link", "url": url, "linkType": "VIRTUAL_TOUR"}
        return self._assign(project_id, fields)

    def _assign(self, project_id: int | str, fields: Mapping[str, Any]) -> str:
        body = {"realestateproject.attachment": dict(fields)}
        data = self._call("POST", self._url(str(project_id), "attachment"), body, retry=False)
        for message in _messages(data):
            if message.get("id"):
                return str(message["id"])
        return str(fields.get("@id", ""))

    def order(self, project_id: int | str, attachment_ids: Sequence[str]) -> list[str]:
        """Put these file attachments first, in this order; returns the new order of all file attachments."""
        body = {"realestateproject.attachmentsOrder": {"attachmentId": list(attachment_ids)}}
        data = self._call("PUT", self._url(str(project_id), "attachment", "order"), body)
        return [str(i) for i in _as_list(_unwrap(data).get("attachmentId"))]

    def delete(self, project_id: int | str, attachment_id: str) -> None:
        self._call("DELETE", self._url(str(project_id), "attachment", attachment_id))


# -- representations --------------------------------------------------------------------------


def _encode(body: Mapping[str, Any], format: str) -> bytes:
    if format == "json":
        return json.dumps(body).encode()
    [(name, value)] = body.items()
    # IS24's own prefixes: ns2 for the project schema, xsi for the subtype.
    attributes = [f'xmlns:ns2="{NS}"']
    children = []
    for key, item in value.items():
        if key == "@xsi.type":
            attributes.append(f'xmlns:xsi="{XSI}" xsi:type={quoteattr("ns2:" + str(item).split(":")[-1])}')
        elif key.startswith("@"):
            attributes.append(f"{key[1:]}={quoteattr(str(item))}")
        else:
            children += [f"<{key}>{escape(str(each))}</{key}>" for each in _as_list(item)]
    tag = "ns2:" + name.split(".")[-1]
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{tag} {" ".join(attributes)}>'
    return (document + "".join(children) + f"</{tag}>").encode()


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return {}
    if "xml" in response.headers.get("content-type", ""):
        root = parse_xml(response.content)
        return {_local(root.tag): _element(root)}
    return response.json()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element(element: Any) -> Any:
    """An XML element in the shape of IS24's JSON."""
    data: dict[str, Any] = {}
    for name, value in element.attrib.items():
        data["@xsi.type" if name == f"{{{XSI}}}type" else "@" + _local(name)] = value
    for child in element:
        key, value = _local(child.tag), _element(child)
        if key in data:
            data[key] = _as_list(data[key]) + [value]
        else:
            data[key] = value
    if not data:
        return (element.text or "").strip()
    return data


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _unwrap(data: Any) -> dict[str, Any]:
    """The one resource a response carries under its root name."""
    if isinstance(data, dict) and len(data) == 1:
        (value,) = data.values()
        if isinstance(value, dict):
            return value
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
            return value[0]
    return data if isinstance(data, dict) else {}


def _find_all(data: Any, name: str) -> list[dict[str, Any]]:
    """Every object under a key named `name` (with or without a namespace prefix), at any depth."""
    found: list[dict[str, Any]] = []
    if isinstance(data, list):
        for item in data:
            found += _find_all(item, name)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key.split(".")[-1] == name:
                found += [v for v in _as_list(value) if isinstance(v, dict)]
            else:
                found += _find_all(value, name)
    return found


def _messages(data: Any) -> list[dict[str, Any]]:
    return _find_all(data, "message")


def _project(data: Mapping[str, Any]) -> Project:
    return Project(
        id=str(data.get("@id", data.get("id", ""))),
        name=str(data.get("name", "")),
        title=str(data.get("title", "")),
        product=data.get("product") or data.get("productType"),
        raw=dict(data),
    )


def _attachment(data: Mapping[str, Any]) -> Attachment:
    kind = str(data.get("@xsi.type", "")).split(":")[-1]
    urls = {str(u.get("@scale", "")): str(u.get("@href", "")) for u in _find_all(data.get("urls"), "url")}
    url = data.get("url") if isinstance(data.get("url"), str) else None
    return Attachment(
        id=str(data.get("@id", data.get("id", ""))),
        kind=kind,
        type=data.get("pictureType") or data.get("pdfDocumentType") or data.get("linkType"),
        title=data.get("title"),
        # A Picture's own file is SCALE_MAX; the other scales are rendition templates (fill_template).
        url=url or data.get("href") or urls.get("SCALE_MAX") or next(iter(urls.values()), None),
        urls=urls,
        raw=dict(data),
    )


def _error(response: httpx.Response) -> Exception:
    refnum = response.headers.get("L-IS24-RequestRefnum")
    try:
        messages = _messages(_decode(response))
    except (ValueError, ElementTree.ParseError):
        messages = []
    details = [
        ErrorDetail(code=str(m.get("messageCode", "")), message=str(m.get("message", "")))
        for m in messages
        if "messageCode" in m
    ]
    if not details:
        return api_error(response.status_code, f"HTTP_{response.status_code}", response.text[:300], (), refnum)
    text = " ".join(d.message for d in details)
    return api_error(response.status_code, details[0].code, text, details, refnum)
