"""The two dialects as a client sees them, per the specs: requests for httpx (setup, checks) and
the same requests as raw HTTP/1.1 bytes for wrk to replay. OAuth 1.0a is signed by oauthlib."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from oauthlib import oauth1

if TYPE_CHECKING:  # the harness also drives trees from before NewUser: no import at run time
    from realtymedia.services.results import NewUser

IS24_BASE = "/restapi/api/offer/v1.0/user/me/realestateproject"
REALTY_IMAGE_BASE = "/realty-image/v2"
JSON = "application/json"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""

    def raw(self, host: str) -> bytes:
        """The request as bytes on the wire (HTTP/1.1, keep-alive), for wrk to replay."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body

    def send(self, client: httpx.Client) -> httpx.Response:
        return client.request(self.method, self.path, headers=self.headers, content=self.body)


@dataclass(frozen=True)
class User:
    """A user as `realtymedia users create` prints it."""

    username: str
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_secret: str
    bearer: str

    @classmethod
    def from_cli(cls, output: str) -> User:
        data = json.loads(output)
        oauth = data["oauth"]
        return cls(
            data["username"],
            oauth["consumer_key"],
            oauth["consumer_secret"],
            oauth["access_token"],
            oauth["access_token_secret"],
            data["bearer_token"],
        )

    @classmethod
    def from_new_user(cls, made: NewUser) -> User:
        """The user `accounts.create_user` made, for tests that set up in the service's process."""
        oauth = made.oauth
        return cls(made.username, oauth.consumer_key, oauth.consumer_secret, oauth.access_token,
                   oauth.access_token_secret, made.bearer_token)  # fmt: skip


class IS24:
    """Requests of the IS24 dialect, each signed with a fresh nonce (a replayed one is refused)."""

    def __init__(self, base_url: str, user: User, *, three_legged: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.host = self.base_url.split("://", 1)[1]
        self.user = user
        self.three_legged = three_legged

    def signed(self, method: str, path: str, body: bytes = b"", content_type: str | None = None,
               accept: str = JSON, extra: dict[str, str] | None = None) -> Request:  # fmt: skip
        client = oauth1.Client(
            self.user.consumer_key,
            client_secret=self.user.consumer_secret,
            resource_owner_key=self.user.access_token if self.three_legged else None,
            resource_owner_secret=self.user.access_secret if self.three_legged else None,
        )
        headers = {"Accept": accept, **(extra or {})}
        if content_type:
            headers["Content-Type"] = content_type
        # A JSON or XML body is not part of the OAuth 1.0a signature; only the URL and oauth_* are.
        _, signed_headers, _ = client.sign(self.base_url + path, method, None, {"Content-Type": content_type or ""})
        headers["Authorization"] = signed_headers["Authorization"]
        return Request(method, path, headers, body)

    def upload_ticket(self, project_id: int | str, content_type: str = "image/jpeg") -> Request:
        body = json.dumps({"realestateproject.uploadTicketRequest": {"attachmentContentType": content_type}})
        return self.signed("POST", f"{IS24_BASE}/{project_id}/attachment/upload-ticket", body.encode(), JSON)

    def assign_picture(self, project_id: int | str, attachment_id: str, title: str = "Living room",
                       picture_type: str = "IMAGE") -> Request:  # fmt: skip
        attachment: dict[str, Any] = {
            "@xsi.type": "realestateproject:Picture",
            "@id": attachment_id,
            "pictureType": picture_type,
        }
        if picture_type == "IMAGE":
            attachment["title"] = title
        body = json.dumps({"realestateproject.attachment": attachment})
        return self.signed("POST", f"{IS24_BASE}/{project_id}/attachment", body.encode(), JSON)

    def assign(self, project_id: int | str, attachment: dict[str, Any]) -> Request:
        body = json.dumps({"realestateproject.attachment": attachment})
        return self.signed("POST", f"{IS24_BASE}/{project_id}/attachment", body.encode(), JSON)

    def attachments(self, project_id: int | str, accept: str = JSON) -> Request:
        return self.signed("GET", f"{IS24_BASE}/{project_id}/attachment", accept=accept)

    def order(self, project_id: int | str, ids: list[str]) -> Request:
        body = json.dumps({"realestateproject.attachmentsOrder": {"attachmentId": ids}})
        return self.signed("PUT", f"{IS24_BASE}/{project_id}/attachment/order", body.encode(), JSON)

    def delete(self, project_id: int | str, attachment_id: str) -> Request:
        return self.signed("DELETE", f"{IS24_BASE}/{project_id}/attachment/{attachment_id}")


def ticket_form(response: httpx.Response) -> tuple[str, str, dict[str, str]]:
    """(attachmentId, url, fields) of an IS24 upload-ticket answer in JSON."""
    ticket = response.json()["realestateproject.uploadTicket"]
    fields: dict[str, str] = {}
    for group in ticket["fields"]:
        items = group["field"]
        for item in items if isinstance(items, list) else [items]:
            fields[item["@key"]] = item["@value"]
    return ticket["attachmentId"], ticket["url"], fields


class RealtyImage:
    """Requests of the Realty Image dialect: a bearer token, and a new Request-ID on each change."""

    def __init__(self, base_url: str, user: User) -> None:
        self.base_url = base_url.rstrip("/")
        self.host = self.base_url.split("://", 1)[1]
        self.user = user

    def _request(self, method: str, path: str, body: object = None, request_id: str | None = None) -> Request:
        headers = {"Authorization": f"Bearer {self.user.bearer}", "Accept": JSON}
        if method != "GET" or "uploadGrants" in path:
            headers["Request-ID"] = request_id or str(uuid.uuid4())
        data = b""
        if body is not None:
            headers["Content-Type"] = JSON
            data = json.dumps(body).encode()
        return Request(method, f"{REALTY_IMAGE_BASE}{path}", headers, data)

    def upload_grant(self, content_type: str = "image/jpeg") -> Request:
        return self._request("GET", f"/uploadGrants?type={content_type}")

    def save(self, realty_id: str, keys: list[str], request_id: str | None = None) -> Request:
        images = [{"key": key} for key in keys]
        return self._request("POST", f"/realty/{realty_id}/images", {"uploadedImages": images}, request_id)

    def images(self, realty_id: str) -> Request:
        return self._request("GET", f"/realty/{realty_id}/images")

    def update(self, realty_id: str, images: list[dict[str, Any]]) -> Request:
        return self._request("PUT", f"/realty/{realty_id}/images", {"realtyImages": images})

    def delete(self, realty_id: str, image_id: str) -> Request:
        return self._request("DELETE", f"/realty/{realty_id}/images/{image_id}")

    def copy(self, target_realty_id: str, source_realty_id: str) -> Request:
        return self._request("POST", f"/realty/{target_realty_id}/images/copy", {"sourceRealtyId": source_realty_id})


def post_form(client: httpx.Client, url: str, fields: dict[str, str], content: bytes,
              content_type: str = "image/jpeg") -> httpx.Response:  # fmt: skip
    """The browser-style POST of a ticket's form: every field, then the file last."""
    return client.post(url, data=fields, files={"file": ("upload", content, content_type)})
