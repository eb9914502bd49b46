"""Test helpers for the IS24 dialect: an account with a project, a client that signs every request with
requests-oauthlib, and structural comparison of XML and JSON bodies with the documents' examples."""

from __future__ import annotations

import dataclasses
import io
import json
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from requests_oauthlib import OAuth1
from tests.support import Stack, post_form

from realtymedia.services import accounts, projects

NS_RP = "http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"
NS_COMMON = "http://rest.immobilienscout24.de/schema/common/1.0"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
TYPES = {"xml": "application/xml", "json": "application/json"}


@dataclass
class Account:
    stack: Stack
    username: str
    password: str
    user_id: int
    oauth: dict[str, str]
    project_id: int

    def auth(self, two_legged: bool = False) -> OAuth1:
        o = self.oauth
        if two_legged:
            return OAuth1(o["consumer_key"], o["consumer_secret"])
        return OAuth1(o["consumer_key"], o["consumer_secret"], o["access_token"], o["access_token_secret"])

    def base(self, username: str | None = None) -> str:
        user = quote(username or self.username, safe="@")
        return f"{self.stack.url}/restapi/api/offer/v1.0/user/{user}/realestateproject"

    def url(self, *segments: object, username: str | None = None) -> str:
        return self.base(username) + "".join(f"/{s}" for s in segments)

    def request(
        self,
        method: str,
        url: str,
        fmt: str = "xml",
        body: str | bytes | None = None,
        content_type: str | None = "same",
        auth: Any = "default",
        **headers: str,
    ) -> requests.Response:
        """A signed request; `fmt` sets Accept, and the Content-Type too unless given (None: leave it out)."""
        all_headers = {"Accept": TYPES[fmt], **{k.replace("_", "-"): v for k, v in headers.items()}}
        if body is not None and content_type is not None:
            all_headers["Content-Type"] = TYPES[fmt] if content_type == "same" else content_type
        data = body.encode() if isinstance(body, str) else body
        return requests.request(
            method, url, data=data, headers=all_headers, auth=self.auth() if auth == "default" else auth, timeout=60
        )

    def project_url(self, project_id: int | None = None, *rest: object) -> str:
        return self.url(project_id or self.project_id, *rest)

    def new_project(self, product: str = "PROFESSIONAL") -> int:
        return projects.create(self.stack.core, self.username, product, "Project").id

    # -- attachment steps, in XML ------------------------------------------------------------

    def ticket(self, content_type: str, project_id: int | None = None) -> dict[str, Any]:
        body = ticket_request_xml(content_type)
        response = self.request(
            "POST",
            self.project_url(project_id, "attachment", "upload-ticket"),
            "json",
            body,
            content_type="application/xml",
        )
        assert response.status_code == 200, response.text
        data = response.json()["realestateproject.uploadTicket"]
        fields = {f["@key"]: f["@value"] for f in data["fields"][0]["field"]}
        return {"url": data["url"], "id": data["attachmentId"], "fields": fields}

    def upload(self, content_type: str, content: bytes, project_id: int | None = None) -> str:
        ticket = self.ticket(content_type, project_id)
        sent = post_form(ticket["url"], ticket["fields"], content, "upload", content_type)
        assert sent.status_code in (200, 201, 204), sent.text
        return str(ticket["id"])

    def assign(self, payload: str, project_id: int | None = None, fmt: str = "xml") -> requests.Response:
        """Assign; the payload's own format sets the Content-Type, `fmt` the Accept (they may differ)."""
        content_type = TYPES["json" if payload.lstrip().startswith("{") else "xml"]
        return self.request("POST", self.project_url(project_id, "attachment"), fmt, payload, content_type)


_shared_users: dict[int, tuple[str, int, dict[str, str]]] = {}


def new_account(
    stack: Stack, product: str = "PROFESSIONAL", username: str | None = None, fresh: bool = False
) -> Account:
    """A new project, of a user shared by the tests of this stack unless `fresh` (or a username) is asked for:
    creating users is slow on purpose (argon2), projects are cheap, and most tests need only their project."""
    if fresh or username is not None or id(stack) not in _shared_users:
        name = username or f"u{uuid.uuid4().hex[:10]}"
        user = accounts.create_user(stack.core, name, "secret-pw")
        known = (name, user.id, dataclasses.asdict(user.oauth))
        if not fresh and username is None:
            _shared_users[id(stack)] = known
    else:
        known = _shared_users[id(stack)]
    name, user_id, oauth = known
    project = projects.create(stack.core, name, product, "Riverside", title="Riverside Gardens")
    return Account(stack, name, "secret-pw", user_id, oauth, project.id)


# -- payloads -------------------------------------------------------------------------------


def ticket_request_xml(content_type: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:uploadTicketRequest xmlns:ns2="{NS_RP}">
  <attachmentContentType>{content_type}</attachmentContentType>
</ns2:uploadTicketRequest>"""


def picture_xml(attachment_id: str, picture_type: str = "IMAGE", title: str | None = "some title") -> str:
    title_element = f"<title>{title}</title>" if title is not None else ""
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:attachment xmlns:ns2="{NS_RP}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:type="ns2:Picture" id="{attachment_id}">
  <pictureType>{picture_type}</pictureType>
  {title_element}
</ns2:attachment>"""


def pdf_xml(attachment_id: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:attachment xmlns:ns2="{NS_RP}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:type="ns2:PDFDocument" id="{attachment_id}">
  <pdfDocumentType>BROCHURE</pdfDocumentType>
</ns2:attachment>"""


def link_xml(url: str = "https://virtualtours.immobilienscout24.de/portal/tour/1234") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:attachment xmlns:ns2="{NS_RP}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ns2:Link">
  <url>{url}</url>
  <linkType>VIRTUAL_TOUR</linkType>
</ns2:attachment>"""


# -- comparison -----------------------------------------------------------------------------


def xml_shape(data: str | bytes) -> tuple[set[str], Any]:
    """The namespaces a document declares, and its tree: tags, attributes (xsi:type resolved to its
    namespace), stripped text and children in order. Prefixes and whitespace do not matter."""
    raw = data.encode() if isinstance(data, str) else data
    prefixes: dict[str, str] = {}
    for _, (prefix, uri) in ET.iterparse(io.BytesIO(raw), events=("start-ns",)):
        prefixes[prefix] = uri
    root = ET.fromstring(raw)

    def shape(element: ET.Element) -> Any:
        attrs = dict(element.attrib)
        if XSI_TYPE in attrs:
            prefix, _, local = attrs[XSI_TYPE].rpartition(":")
            attrs[XSI_TYPE] = f"{{{prefixes[prefix]}}}{local}"
        return (element.tag, sorted(attrs.items()), (element.text or "").strip(), [shape(c) for c in element])

    return set(prefixes.values()), shape(root)


def assert_same_xml(actual: str | bytes, expected: str) -> None:
    assert xml_shape(actual) == xml_shape(expected)


def assert_same_json(actual: str | bytes, expected: str) -> None:
    assert json.loads(actual) == json.loads(expected)


def assert_same(fmt: str, actual: str | bytes, examples: dict[str, str], **substitutions: str) -> None:
    expected = examples[fmt]
    for old, new in substitutions.items():
        expected = expected.replace(old, new)
    if fmt == "xml":
        assert_same_xml(actual, expected)
    else:
        assert_same_json(actual, expected)


def messages_of(response: requests.Response) -> list[tuple[str, str]]:
    """(messageCode, message) pairs of a common.messages body, in XML or JSON."""
    if response.headers["Content-Type"].startswith("application/json"):
        found = response.json()["common.messages"][0]["message"]
        items = found if isinstance(found, list) else [found]
        return [(m["messageCode"], m["message"]) for m in items]
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{NS_COMMON}}}messages"
    return [(m.findtext("messageCode") or "", m.findtext("message") or "") for m in root.findall("message")]


def validation(field: str, value: str, code: str) -> tuple[str, str]:
    return (
        "ERROR_RESOURCE_VALIDATION",
        f"Error while validating input for the resource. [MESSAGE: {field} : {value} : {code}]",
    )
