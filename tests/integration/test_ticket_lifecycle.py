"""A ticket end to end over real HTTP, on every database and storage: issue, POST the form as a
browser would, confirm the bytes, consume once, clean up."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from realtymedia.domain.errors import Invalid, NotFound
from realtymedia.services import accounts, projects, tickets
from realtymedia.services.core import now
from realtymedia.storage.local import LocalStorage
from tests.support import Stack, image_bytes, pdf_bytes, pixel_bomb_png, post_form

IS24_TYPES = ("image/jpeg", "image/gif", "image/png", "application/pdf")


def new_project(stack: Stack) -> tuple[int, int]:
    user = accounts.create_user(stack.core, f"u{uuid.uuid4().hex[:10]}", "pw")
    project = projects.create(stack.core, user.username, "PROFESSIONAL", "P")
    return user.id, int(project.id)


def issue(stack: Stack, user_id: int, project_id: int, content_type: str) -> tickets.IssuedTicket:
    with stack.core.unit_of_work() as uow:
        issued = tickets.issue(
            stack.core,
            uow,
            user_id=user_id,
            owner_kind=tickets.PROJECT,
            owner_id=str(project_id),
            content_type=content_type,
            allowed=IS24_TYPES,
            base_url=stack.url,
        )
        uow.commit()
    return issued


def usable(stack: Stack, issued: tickets.IssuedTicket, user_id: int, project_id: int) -> object:
    with stack.core.unit_of_work(write=False) as uow:
        return tickets.find_usable(
            stack.core,
            uow.tickets.get(issued.id),
            user_id=user_id,
            owner_kind=tickets.PROJECT,
            owner_id=str(project_id),
            resource="attachment",
            ref=issued.id,
        )


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("image/jpeg", image_bytes("JPEG")),
        ("image/png", image_bytes("PNG")),
        ("image/gif", image_bytes("GIF")),
        ("application/pdf", pdf_bytes()),
    ],
)
def test_upload_and_confirm(any_stack: Stack, content_type: str, content: bytes) -> None:
    user_id, project_id = new_project(any_stack)
    issued = issue(any_stack, user_id, project_id, content_type)
    assert issued.key.startswith(f"{project_id}/{issued.id}.")
    response = post_form(issued.form.url, issued.form.fields, content, "upload", content_type)
    assert response.status_code in (200, 201, 204), response.text
    ticket = usable(any_stack, issued, user_id, project_id)
    info = tickets.confirm(any_stack.core, ticket, resource="attachment", ref=issued.id)
    assert info.content_type == content_type
    assert info.size == len(content)
    with any_stack.core.unit_of_work() as uow:
        tickets.consume(uow, issued.id, issued.id)
        uow.commit()
    with any_stack.core.unit_of_work() as uow, pytest.raises(Invalid, match="already been used"):
        tickets.consume(uow, issued.id, issued.id)


def test_not_uploaded_is_not_found(any_stack: Stack) -> None:
    user_id, project_id = new_project(any_stack)
    issued = issue(any_stack, user_id, project_id, "image/jpeg")
    ticket = usable(any_stack, issued, user_id, project_id)
    with pytest.raises(NotFound, match=f"Resource \\[attachment\\] with id \\[{issued.id}\\] was not found."):
        tickets.confirm(any_stack.core, ticket, resource="attachment", ref=issued.id)


def test_other_users_ticket_is_not_found(any_stack: Stack) -> None:
    user_id, project_id = new_project(any_stack)
    other_id, _ = new_project(any_stack)
    issued = issue(any_stack, user_id, project_id, "image/jpeg")
    with pytest.raises(NotFound):
        usable(any_stack, issued, other_id, project_id)


@pytest.mark.parametrize(
    ("declared", "content", "found"),
    [
        ("image/jpeg", image_bytes("PNG"), "found image/png"),
        ("image/jpeg", image_bytes("JPEG", (400, 300))[:-400], "truncated"),
        ("image/png", pixel_bomb_png(), "30000x30000"),
        ("application/pdf", pdf_bytes(encrypted=True), "encrypted"),
        ("application/pdf", pdf_bytes(javascript=True), "JavaScript"),
        ("image/png", b"<html><script>alert(1)</script></html>", "markup"),
    ],
)
def test_refused_at_confirmation(any_stack: Stack, declared: str, content: bytes, found: str) -> None:
    user_id, project_id = new_project(any_stack)
    issued = issue(any_stack, user_id, project_id, declared)
    assert post_form(issued.form.url, issued.form.fields, content).status_code in (200, 201, 204)
    ticket = usable(any_stack, issued, user_id, project_id)
    with pytest.raises(Invalid) as refused:
        tickets.confirm(any_stack.core, ticket, resource="attachment", ref=issued.id)
    message = str(refused.value)
    assert f"declared {declared}" in message
    assert found in message


def test_disallowed_or_missing_content_type(any_stack: Stack) -> None:
    user_id, project_id = new_project(any_stack)
    with pytest.raises(Invalid) as missing:
        issue(any_stack, user_id, project_id, "")
    assert missing.value.violations[0].code == "MANDATORY_FIELD_EMPTY"
    with pytest.raises(Invalid) as wrong:
        issue(any_stack, user_id, project_id, "text/html")
    assert wrong.value.violations[0].code == "INVALID_VALUE"


def test_cleanup_deletes_only_long_expired_unused(any_stack: Stack) -> None:
    core = any_stack.core
    user_id, project_id = new_project(any_stack)
    stale = issue(any_stack, user_id, project_id, "image/jpeg")
    fresh = issue(any_stack, user_id, project_id, "image/jpeg")
    for issued in (stale, fresh):
        assert post_form(issued.form.url, issued.form.fields, image_bytes()).status_code in (200, 201, 204)
    with core.unit_of_work() as uow:
        uow.tickets.get(stale.id).expires_at = now() - timedelta(
            seconds=core.settings.cleanup_grace_seconds + 60
        )
        uow.commit()
    in_progress = None
    if isinstance(core.storage, LocalStorage):
        in_progress = core.storage.new_incoming()  # an upload still streaming in: never touched
        in_progress.write_bytes(b"\xff\xd8\xff")
    try:
        tickets.cleanup(core)
        assert in_progress is None or in_progress.exists()
    finally:
        if in_progress is not None:
            in_progress.unlink(missing_ok=True)
    assert core.storage.head(stale.key) is None
    assert core.storage.head(fresh.key) is not None
    with core.unit_of_work(write=False) as uow:
        assert uow.tickets.get(stale.id) is None
        assert uow.tickets.get(fresh.id) is not None


def test_a_confirmed_file_cannot_be_replaced_through_its_form(any_stack: Stack) -> None:
    """The form stays valid until the ticket expires; what was checked and kept must not change."""
    from realtymedia.services import media

    core = any_stack.core
    user_id, project_id = new_project(any_stack)
    issued = issue(any_stack, user_id, project_id, "image/jpeg")
    original = image_bytes("JPEG")
    assert post_form(issued.form.url, issued.form.fields, original).status_code in (200, 201, 204)
    ticket = usable(any_stack, issued, user_id, project_id)
    info = tickets.confirm(core, ticket, resource="attachment", ref=issued.id)
    assert info.key and info.key != issued.key
    # Replaced between the check and the commit, and again after: neither reaches the kept copy.
    assert post_form(issued.form.url, issued.form.fields, b"<html>swapped</html>").status_code in (200, 201, 204)
    with core.unit_of_work() as uow:
        added = media.append_file(
            uow, owner_kind=tickets.PROJECT, owner_id=str(project_id), ticket=ticket, info=info, kind="Picture"
        )  # type: ignore[arg-type]
        item = uow.media.item(tickets.PROJECT, str(project_id), added)
        assert item is not None
        kept = item.key
        uow.commit()
    tickets.release(core, [ticket])  # type: ignore[list-item]
    assert post_form(issued.form.url, issued.form.fields, b"<html>swapped again</html>").status_code in (200, 201, 204)
    assert kept == info.key
    with core.storage.open(kept) as stream:
        assert stream.read() == original


def test_refused_confirmation_keeps_no_copy(any_stack: Stack) -> None:
    core = any_stack.core
    user_id, project_id = new_project(any_stack)
    issued = issue(any_stack, user_id, project_id, "image/jpeg")
    assert post_form(issued.form.url, issued.form.fields, image_bytes("PNG")).status_code in (200, 201, 204)
    ticket = usable(any_stack, issued, user_id, project_id)
    copies: list[str] = []
    real_copy = core.storage.copy

    def recording_copy(source: str, target: str, *rest: str) -> None:
        copies.append(target)
        real_copy(source, target, *rest)

    core.storage.copy = recording_copy  # type: ignore[method-assign]
    try:
        with pytest.raises(Invalid):
            tickets.confirm(core, ticket, resource="attachment", ref=issued.id)
    finally:
        del core.storage.copy
    assert len(copies) == 1
    assert core.storage.head(copies[0]) is None


def test_consume_all_is_all_or_none_and_names_what_cannot_be_used(any_stack: Stack) -> None:
    from sqlalchemy import delete as sql_delete

    from realtymedia.persistence.models import Ticket

    user_id, project_id = new_project(any_stack)
    fresh, used, gone = (issue(any_stack, user_id, project_id, "image/jpeg") for _ in range(3))
    core = any_stack.core
    with core.unit_of_work() as uow:
        tickets.consume_all(uow, {used.id: (("items", 0), used.key)})
        uow.commit()
    with core.unit_of_work() as uow:  # removed by cleanup since the request looked it up
        uow.session.execute(sql_delete(Ticket).where(Ticket.id == gone.id))
        uow.commit()
    refs = {fresh.id: (("items", 0), fresh.key), used.id: (("items", 1), used.key), gone.id: (("items", 2), gone.key)}
    with pytest.raises(Invalid) as refused, core.unit_of_work() as uow:
        tickets.consume_all(uow, refs)
        uow.commit()
    assert [(v.parts, v.code) for v in refused.value.violations] == [
        (("items", 1), "TICKET_USED"),
        (("items", 2), "TICKET_EXPIRED"),
    ]
    with core.unit_of_work(write=False) as uow:  # all or none: the usable one was not consumed either
        ticket = uow.tickets.by_key(fresh.key)
        assert ticket is not None and ticket.consumed_at is None
