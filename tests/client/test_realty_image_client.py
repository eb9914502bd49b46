"""The Realty Image SDK against the real service over real HTTP, on both databases and storages."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from realtymedia.services import accounts
from realtymedia.services.results import NewUser
from realtymedia_client import (
    AuthenticationError,
    Conflict,
    NotFound,
    RealtyImageClient,
    StorageError,
    UploadEvent,
    UploadFailed,
    ValidationError,
    fill_template,
    sha256_of,
)
from realtymedia_client._http import post_to_storage
from tests.client.conftest import write_images
from tests.conftest import start_stack
from tests.support import Stack


@pytest.fixture
def client(stack: Stack, account: NewUser) -> RealtyImageClient:
    with RealtyImageClient(stack.url, account.bearer_token, parallel=3) as made:
        yield made


def test_upload_saves_many_files_in_the_given_order(client: RealtyImageClient, tmp_path: Path) -> None:
    paths = write_images(tmp_path, 4) + write_images(tmp_path, 1, "PNG", "plan") + write_images(tmp_path, 1, "WEBP")
    realty = client.create_realty("Riverside 4")
    events: list[UploadEvent] = []

    saved = client.upload(realty.id, paths, [f"room {i}" for i in range(len(paths))], progress=events.append)

    images = client.images(realty.id)
    assert [i.id for i in images] == [s.id for s in saved]
    assert [i.description for i in images] == [f"room {i}" for i in range(len(paths))]
    assert [i.sha256 for i in images] == [sha256_of(p) for p in paths]
    assert [i.content_type for i in images] == ["image/jpeg"] * 4 + ["image/png", "image/webp"]
    assert (images[0].width, images[0].height) == (40, 30)
    assert [i.order for i in images] == list(range(len(paths)))
    assert [e.path for e in events if e.stage == "saved"] == paths
    assert all(e.sent == e.total for e in events if e.stage == "saved")
    assert any(e.stage == "sending" and e.sent > 0 for e in events)
    with httpx.Client(follow_redirects=True) as http:  # what the service serves is what was uploaded
        assert http.get(str(images[0].url)).content == paths[0].read_bytes()
        rendition = http.get(fill_template(images[0].renditions["SCALE_AND_CROP"], 20, 10, "webp"))
        assert rendition.headers["content-type"] == "image/webp" and rendition.content.startswith(b"RIFF")
    assert str(images[0].placeholder).startswith("data:image/webp;base64,")
    with pytest.raises(ValueError, match="format"):
        fill_template(images[0].renditions["SCALE"], 20, 10, "gif")


def test_reorder_update_and_delete(client: RealtyImageClient, tmp_path: Path) -> None:
    realty = client.create_realty()
    a, b, c = client.upload(realty.id, write_images(tmp_path, 3), ["a", "b", "c"])

    reordered = client.reorder(realty.id, [c.id, a.id, b.id])
    assert [(i.id, i.description) for i in reordered] == [(c.id, "c"), (a.id, "a"), (b.id, "b")]

    updated = client.update(realty.id, {a.id: "kitchen"})
    assert [i.description for i in updated] == ["c", "kitchen", "b"]

    client.delete(realty.id, c.id)
    assert [i.id for i in client.images(realty.id)] == [a.id, b.id]
    with pytest.raises(NotFound) as missing:
        client.delete(realty.id, c.id)
    assert missing.value.status_code == 404 and missing.value.code == "NOT_FOUND"


def test_one_image_changes_on_its_own_whatever_the_list_is_now(
    stack: Stack, client: RealtyImageClient, account: NewUser, tmp_path: Path
) -> None:
    realty = client.create_realty()
    a, b, c = client.upload(realty.id, write_images(tmp_path, 3), ["a", "b", "c"])
    # Another client adds a photo meanwhile: the changes below do not need to know of it.
    with RealtyImageClient(stack.url, account.bearer_token) as other:
        [d] = other.upload(realty.id, write_images(tmp_path / "other", 1, prefix="other"), ["d"])

    kitchen = client.update_image(realty.id, a.id, description="Kitchen")
    assert (kitchen.id, kitchen.description, kitchen.order) == (a.id, "Kitchen", 0)
    moved = client.update_image(realty.id, c.id, position=0)
    assert (moved.id, moved.description, moved.order) == (c.id, "c", 0)
    last = client.update_image(realty.id, b.id, description="Hall", position=99)  # past the end: last
    assert (last.description, last.order) == ("Hall", 3)
    assert [(i.id, i.description) for i in client.images(realty.id)] == [
        (c.id, "c"),
        (a.id, "Kitchen"),
        (d.id, "d"),
        (b.id, "Hall"),
    ]

    with pytest.raises(ValueError, match="description, a position or both"):
        client.update_image(realty.id, a.id)
    with pytest.raises(NotFound):
        client.update_image(realty.id, str(uuid.uuid4()), description="gone")
    with pytest.raises(ValidationError) as invalid:
        client.update_image(realty.id, a.id, position=-1)
    assert invalid.value.status_code == 400
    assert [i.order for i in client.images(realty.id)] == [0, 1, 2, 3]


class UploadAfterTheFirstRead(httpx.HTTPTransport):
    """Another client uploads a photo right after this client's first read of the images (a read
    that a change made by reading the list and writing it whole would do first)."""

    def __init__(self, upload: Any) -> None:
        super().__init__()
        self.upload = upload

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "GET" and request.url.path.endswith("/images") and self.upload is not None:
            response.read()
            upload, self.upload = self.upload, None
            upload()
        return response


def test_update_does_not_need_the_list_to_be_current(stack: Stack, account: NewUser, tmp_path: Path) -> None:
    token = account.bearer_token
    with RealtyImageClient(stack.url, token) as other:
        realty = other.create_realty()
        a, b = other.upload(realty.id, write_images(tmp_path, 2), ["a", "b"])

        def meanwhile() -> None:
            other.upload(realty.id, write_images(tmp_path / "meanwhile", 1, prefix="late"), ["late"])

        with RealtyImageClient(stack.url, token, transport=UploadAfterTheFirstRead(meanwhile)) as client:
            updated = client.update(realty.id, {b.id: "Garden"})
        assert "Garden" in [i.description for i in updated]
        assert [i.description for i in other.images(realty.id)] == ["a", "Garden", "late"]


def test_a_realty_is_renamed(client: RealtyImageClient) -> None:
    realty = client.create_realty("Riverside 4")
    renamed = client.rename(realty.id, "Riverside 4, top floor")
    assert (renamed.id, renamed.name) == (realty.id, "Riverside 4, top floor")
    assert client.realty(realty.id).name == "Riverside 4, top floor"
    with pytest.raises(ValidationError) as invalid:
        client.rename(realty.id, "two\nlines")
    assert invalid.value.status_code == 400
    assert client.realty(realty.id).name == "Riverside 4, top floor"


def test_a_published_image_cannot_be_deleted(client: RealtyImageClient, tmp_path: Path) -> None:
    realty = client.create_realty()
    [image] = client.upload(realty.id, write_images(tmp_path, 1))
    published = client.publish(realty.id)
    assert published.published and published.id == realty.id

    with pytest.raises(Conflict) as refused:
        client.delete(realty.id, image.id)
    assert refused.value.status_code == 409
    assert refused.value.code == "STATUS_CONFLICT"
    assert "publish" in refused.value.message.lower()
    assert [i.id for i in client.images(realty.id)] == [image.id]


def test_copy_brings_the_images_of_another_realty(client: RealtyImageClient, tmp_path: Path) -> None:
    source, target = client.create_realty("source"), client.create_realty("target")
    paths = write_images(tmp_path, 2)
    client.upload(source.id, paths, ["one", "two"])

    copied = client.copy(target.id, source.id)

    assert [(i.sha256, i.description) for i in copied] == [(sha256_of(paths[0]), "one"), (sha256_of(paths[1]), "two")]
    assert {r.id for r in client.realties()} >= {source.id, target.id}


def test_a_bad_file_fails_alone_with_the_service_reason(client: RealtyImageClient, tmp_path: Path) -> None:
    good = write_images(tmp_path, 2)
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"<html>not a photo</html>")
    realty = client.create_realty()

    with pytest.raises(UploadFailed) as failed:
        client.upload(realty.id, [good[0], fake, good[1]])

    error = failed.value.failures[fake]
    assert isinstance(error, ValidationError) and error.status_code == 400
    assert error.details and error.details[0].target == "uploadedImages[0].key"
    assert [i.sha256 for i in failed.value.saved] == [sha256_of(good[0]), sha256_of(good[1])]
    assert [i.sha256 for i in client.images(realty.id)] == [sha256_of(good[0]), sha256_of(good[1])]


def test_errors_carry_the_service_codes(stack: Stack, client: RealtyImageClient) -> None:
    with RealtyImageClient(stack.url, "rm_not-a-token") as stranger, pytest.raises(AuthenticationError) as denied:
        stranger.realties()
    assert denied.value.code == "UNAUTHORIZED" and denied.value.status_code == 401
    with pytest.raises(NotFound):
        client.images(str(uuid.uuid4()))
    with pytest.raises(ValidationError) as invalid:
        client.upload_grant("image/gif")
    assert invalid.value.code.startswith("BAD_REQUEST")


class LoseFirstAnswer(httpx.BaseTransport):
    """Lets the first save reach the service, then loses its answer, as a dropped connection would."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.request_ids: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/images"):
            self.request_ids.append(request.headers["Request-ID"])
            if len(self.request_ids) == 1:
                response.read()
                raise httpx.ReadTimeout("answer lost", request=request)
        return response


def test_a_retried_save_is_done_once(stack: Stack, account: NewUser, tmp_path: Path) -> None:
    transport = LoseFirstAnswer()
    with RealtyImageClient(stack.url, account.bearer_token, transport=transport) as client:
        realty = client.create_realty()
        saved = client.upload(realty.id, write_images(tmp_path, 1))
        assert len(transport.request_ids) == 2 and transport.request_ids[0] == transport.request_ids[1]
        assert [i.id for i in client.images(realty.id)] == [saved[0].id]


@pytest.fixture(scope="module")
def local_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    # The local backend enforces the signed policy as S3 does (moto does not): it can refuse a form.
    yield from start_stack("sqlite-local", request, tmp_path_factory)


def test_a_refused_storage_post_is_a_storage_error(local_stack: Stack, tmp_path: Path) -> None:
    account = accounts.create_user(local_stack.core, f"sdk{uuid.uuid4().hex[:10]}", "pw")
    [photo] = write_images(tmp_path, 1)
    with RealtyImageClient(local_stack.url, account.bearer_token) as client, httpx.Client() as http:
        grant = client.upload_grant("image/jpeg")
        tampered = {**grant.fields, "key": grant.key + "-elsewhere"}
        with pytest.raises(StorageError) as refused:
            post_to_storage(http, grant.url, tampered, photo, "image/jpeg")
    assert refused.value.status_code == 403 and refused.value.code == "AccessDenied"
    assert "Policy Condition failed" in refused.value.message
