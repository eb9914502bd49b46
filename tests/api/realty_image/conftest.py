"""Helpers for the Realty Image dialect's tests: a user with a bearer token, talking real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.support import Stack, image_bytes, post_form

from realtymedia.persistence.models import Media
from realtymedia.services import accounts, realties, tickets
from realtymedia.services.core import now
from realtymedia.services.results import NewUser

BASE = "/realty-image/v2"


@dataclass
class Api:
    stack: Stack
    user: NewUser
    http: httpx.Client

    @property
    def token(self) -> str:
        return self.user.bearer_token

    @property
    def user_id(self) -> int:
        return self.user.id

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        rid: str | None = None,
        auth: bool = True,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if auth:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        if rid is not None:
            sent["Request-ID"] = rid
        elif method != "GET" or path.startswith("/uploadGrants"):
            sent.setdefault("Request-ID", str(uuid.uuid4()))
        return self.http.request(method, BASE + path, json=json, headers=sent, **kwargs)

    def realty(self, name: str = "Flat") -> str:
        response = self.call("POST", "/realty", json={"name": name})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def upload(self, content: bytes | None = None, content_type: str = "image/jpeg") -> str:
        """Get a grant and POST the file to storage as a browser would; returns the key."""
        grant = self.call("GET", f"/uploadGrants?type={content_type}")
        assert grant.status_code == 200, grant.text
        body = grant.json()
        posted = post_form(body["url"], body["fields"], content or image_bytes(), "photo", content_type)
        assert posted.status_code in (200, 201, 204), posted.text
        return str(body["fields"]["key"])

    def save(self, realty_id: str, keys: list[str], rid: str | None = None) -> httpx.Response:
        items = [{"key": key, "description": f"image {i}"} for i, key in enumerate(keys)]
        return self.call("POST", f"/realty/{realty_id}/images", json={"uploadedImages": items}, rid=rid)

    def images(self, realty_id: str) -> list[dict[str, Any]]:
        response = self.call("GET", f"/realty/{realty_id}/images")
        assert response.status_code == 200, response.text
        return list(response.json()["realtyImages"])

    def seed(self, realty_id: str, count: int) -> list[str]:
        """`count` images on the realty without `count` uploads: rows whose objects are server-side
        copies of one real upload (for the limit and copy tests). Returns the new image ids."""
        core = self.stack.core
        key = self.upload()
        with core.unit_of_work(write=False) as uow:
            ticket = uow.tickets.by_key(key)
        assert ticket is not None
        info = tickets.confirm(core, ticket, resource="upload", ref=key)
        ids = []
        with core.unit_of_work() as uow:
            session = uow.session
            realty = realties.owned(uow, realty_id, self.user_id, lock=True)
            realties.touch(realty)  # a change to the realty's images, like any other
            start = uow.media.next_position(tickets.REALTY, realty_id)
            moment = now()
            for offset in range(count):
                media_id = str(uuid.uuid4())
                target = f"seed/{media_id}.jpg"
                core.storage.copy(key, target)
                session.add(
                    Media(
                        id=media_id,
                        owner_kind=tickets.REALTY,
                        owner_id=realty_id,
                        position=start + offset,
                        kind="Image",
                        title=f"seeded {offset}",
                        key=target,
                        content_type=info.content_type,
                        size=info.size,
                        width=info.width,
                        height=info.height,
                        sha256=info.sha256,
                        published=False,
                        created_at=moment,
                        updated_at=moment,
                    )
                )
                ids.append(media_id)
            uow.commit()
        return ids


def new_api(stack: Stack) -> Iterator[Api]:
    user = accounts.create_user(stack.core, f"ri{uuid.uuid4().hex[:10]}", "pw")
    with httpx.Client(base_url=stack.url, timeout=60) as http:
        yield Api(stack, user, http)


@pytest.fixture
def api(stack: Stack) -> Iterator[Api]:
    yield from new_api(stack)


@pytest.fixture
def other(stack: Stack) -> Iterator[Api]:
    yield from new_api(stack)
