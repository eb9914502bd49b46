"""Reads of a project and its attachments are rendered once per worker and project version
(protocol.kept). Every change must show on the very next read, through this worker or another,
conditional GETs must keep working, and no user may ever get another's rendering."""

from __future__ import annotations

from typing import Any

import pytest
from tests.support import Stack, image_bytes

from realtymedia.api.is24.codec import to_json
from realtymedia.services import attachments
from realtymedia.services.core import Core

from .helpers import Account, new_account, picture_xml

FORMATS = ["xml", "json"]


def _listed(account: Account, fmt: str, username: str | None = None) -> list[tuple[str, str | None]]:
    """(id, title) of the listed attachments, in order, read in `fmt`; the project's own refs agree."""
    url = account.url(account.project_id, "attachment", username=username)
    response = account.request("GET", url, fmt)
    assert response.status_code == 200, response.text
    if fmt == "json":
        items: list[dict[str, Any]] = response.json()["realestateproject.attachments"][0].get("attachment", [])
        listed = [(i["@id"], i.get("title")) for i in items]
        assert all(i["@xlink.href"].startswith(account.base(username)) for i in items)
    else:
        import xml.etree.ElementTree as ET

        root = ET.fromstring(response.content)
        elements = root.findall("attachment")
        listed = [(e.get("id") or "", e.findtext("title")) for e in elements]
        href = "{http://www.w3.org/1999/xlink}href"
        assert all((e.get(href) or "").startswith(account.base(username)) for e in elements)
    project = account.request("GET", account.project_url(), fmt)
    assert project.status_code == 200
    refs = [i for i, _ in listed]
    if fmt == "json":
        shown = project.json()["realestateproject.realEstateProject"]["attachments"].get("attachment", [])
        assert [a["@id"] for a in shown] == refs
    else:
        assert all(ident.encode() in project.content for ident in refs)
    return listed


def _read_all(account: Account) -> list[tuple[str, str | None]]:
    """Read (and so keep) both representations; they must agree."""
    listed = _listed(account, "xml")
    assert _listed(account, "json") == listed
    return listed


def _upload_and_assign(account: Account) -> str:
    picture = account.upload("image/jpeg", image_bytes("JPEG"))
    assert account.assign(picture_xml(picture, title="first")).status_code == 201
    return picture


def test_every_kind_of_change_shows_on_the_next_read(stack: Stack) -> None:
    account = new_account(stack)
    assert _read_all(account) == []
    first = _upload_and_assign(account)
    assert _read_all(account) == [(first, "first")]
    updated = account.request("PUT", account.project_url(None, "attachment"), "xml", picture_xml(first, title="again"))
    assert updated.status_code == 200, updated.text
    assert _read_all(account) == [(first, "again")]
    second = _upload_and_assign(account)
    assert _read_all(account) == [(first, "again"), (second, "first")]
    order = f'{{"realestateproject.attachmentsOrder": {{"attachmentId": ["{second}", "{first}"]}}}}'
    ordered = account.request("PUT", account.project_url(None, "attachment", "order"), "json", order)
    assert ordered.status_code == 200, ordered.text
    assert _read_all(account) == [(second, "first"), (first, "again")]
    deleted = account.request("DELETE", account.project_url(None, "attachment", second))
    assert deleted.status_code == 200, deleted.text
    assert _read_all(account) == [(first, "again")]


def test_a_change_through_another_worker_shows(stack: Stack) -> None:
    """Another worker has its own renderings: what moves this one's is the version in the database."""
    account = new_account(stack)
    first = _upload_and_assign(account)
    assert _read_all(account) == [(first, "first")]
    other = Core.from_settings(stack.settings)
    try:
        attachments.delete(other, account.user_id, account.project_id, first)
    finally:
        other.close()
    assert _read_all(account) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_conditional_reads_of_kept_renderings(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    url = account.project_url(None, "attachment")
    first = account.request("GET", url, fmt)
    etag = first.headers["ETag"]
    again = account.request("GET", url, fmt)
    assert again.content == first.content and again.headers["ETag"] == etag
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert account.request("GET", url, fmt, If_None_Match=etag).status_code == 304
    assert account.request("GET", url, fmt, If_Modified_Since=first.headers["Last-Modified"]).status_code == 304
    _upload_and_assign(account)  # within the same second, often
    changed = account.request("GET", url, fmt, If_None_Match=etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert account.request("GET", url, fmt, If_Modified_Since=first.headers["Last-Modified"]).status_code == 200
    assert account.request("GET", url, fmt, If_None_Match=changed.headers["ETag"]).status_code == 304


def test_renderings_are_never_shared_between_users(stack: Stack) -> None:
    owner = new_account(stack, fresh=True)
    stranger = new_account(stack, fresh=True)
    first = _upload_and_assign(owner)
    assert _read_all(owner) == [(first, "first")]
    # The stranger names the owner's project, as themselves and as the owner: refused, kept or not.
    for username in (None, "me", owner.username):
        url = stranger.url(owner.project_id, "attachment", username=username)
        for fmt in FORMATS:
            assert stranger.request("GET", url, fmt).status_code == 403
            assert stranger.request("GET", stranger.url(owner.project_id, username=username), fmt).status_code == 403
    assert _read_all(stranger) == []


def test_the_user_as_named_in_the_path_is_kept_apart(stack: Stack) -> None:
    account = new_account(stack)
    _upload_and_assign(account)
    by_name = _listed(account, "json")
    by_me = _listed(account, "json", username="me")  # the hrefs say "me", as the request did
    assert by_me == by_name


def test_json_is_compact_and_escapes_the_solidus() -> None:
    from realtymedia.api.is24.codec import REALESTATEPROJECT, Document, Node

    root = Node("attachmentsOrder", arrays=("attachmentId",))
    root.add("attachmentId", "a/b")
    assert (
        to_json(Document(REALESTATEPROJECT, root))
        == b'{"realestateproject.attachmentsOrder":{"attachmentId":["a\\/b"]}}'
    )
