"""Fixtures of the fault and abuse suite: users, projects and realties on the shared stacks, and
each dialect's client from bench.api (the same requests the benchmark replays)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from bench.api import IS24, RealtyImage, User, post_form, ticket_form
from PIL import Image

from realtymedia.services import accounts, projects, realties
from tests.support import Stack


def make_user(stack: Stack) -> User:
    return User.from_new_user(accounts.create_user(stack.core, f"f{uuid.uuid4().hex[:10]}", "pw"))


def jpeg(index: int = 0, size: tuple[int, int] = (96, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (index * 37 % 256, index * 91 % 256, 120)).save(buffer, format="JPEG")
    return buffer.getvalue()


@dataclass
class Actor:
    """One user on one stack, with a project and a realty, speaking both dialects."""

    stack: Stack
    user: User
    client: httpx.Client
    is24: IS24
    ri: RealtyImage
    project_id: int
    realty_id: str

    def new_project(self, product: str = "PROFESSIONAL") -> int:
        return projects.create(self.stack.core, self.user.username, product, "Faults").id

    def new_realty(self) -> str:
        return str(realties.create_for(self.stack.core, self.user.username).id)

    def upload_ticket(self, content: bytes, content_type: str = "image/jpeg", project_id: int | None = None) -> str:
        response = self.is24.upload_ticket(project_id or self.project_id, content_type).send(self.client)
        assert response.status_code == 200, response.text
        attachment_id, url, fields = ticket_form(response)
        posted = post_form(self.client, url, fields, content, content_type)
        assert posted.status_code in (200, 201, 204), posted.text
        return attachment_id

    def picture(self, index: int = 0, project_id: int | None = None, picture_type: str = "IMAGE") -> str:
        attachment_id = self.upload_ticket(jpeg(index), project_id=project_id)
        answer = self.is24.assign_picture(project_id or self.project_id, attachment_id, f"Room {index}", picture_type)
        response = answer.send(self.client)
        assert response.status_code == 201, response.text
        return attachment_id

    def granted(self, content: bytes, content_type: str = "image/jpeg") -> str:
        response = self.ri.upload_grant(content_type).send(self.client)
        assert response.status_code == 200, response.text
        grant = response.json()
        posted = post_form(self.client, grant["url"], grant["fields"], content, content_type)
        assert posted.status_code in (200, 201, 204), posted.text
        return str(grant["fields"]["key"])

    def images(self, count: int, realty_id: str | None = None, start: int = 0) -> list[str]:
        ids: list[str] = []
        for batch in range(0, count, 20):
            keys = [self.granted(jpeg(start + i)) for i in range(batch, min(count, batch + 20))]
            response = self.ri.save(realty_id or self.realty_id, keys).send(self.client)
            assert response.status_code == 200, response.text
            ids += [image["id"] for image in response.json()["realtyImages"]]
        return ids

    def attachment_ids(self, project_id: int | None = None) -> list[str]:
        response = self.is24.attachments(project_id or self.project_id).send(self.client)
        assert response.status_code == 200, response.text
        return attachment_ids_of(response.json())

    def image_ids(self, realty_id: str | None = None) -> list[str]:
        response = self.ri.images(realty_id or self.realty_id).send(self.client)
        assert response.status_code == 200, response.text
        return [image["id"] for image in response.json()["realtyImages"]]


def attachment_ids_of(document: dict[str, object]) -> list[str]:
    """Ids of an IS24 attachment list in JSON, in order (one item may not be wrapped in a list)."""
    (root,) = document.values()
    if isinstance(root, list):
        root = root[0] if root else {}
    items = root.get("attachment", []) if isinstance(root, dict) else []
    if isinstance(items, dict):
        items = [items]
    return [str(item["@id"]) for item in items]


def actor(stack: Stack) -> Iterator[Actor]:
    user = make_user(stack)
    with httpx.Client(base_url=stack.url, timeout=60) as client:
        project_id = projects.create(stack.core, user.username, "PROFESSIONAL", "Faults").id
        realty_id = str(realties.create_for(stack.core, user.username).id)
        yield Actor(stack, user, client, IS24(stack.url, user), RealtyImage(stack.url, user), project_id, realty_id)


@pytest.fixture
def alice(stack: Stack) -> Iterator[Actor]:
    yield from actor(stack)


@pytest.fixture
def bob(stack: Stack) -> Iterator[Actor]:
    yield from actor(stack)
