"""What "consistent" means after any fault, checked on the database and the storage directly."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from realtymedia.persistence.models import Media, Ticket
from realtymedia.services.core import Core
from realtymedia.storage.keys import ticket_id_of


@dataclass
class Report:
    media: int = 0
    owners: int = 0
    consumed_tickets: int = 0
    problems: list[str] = field(default_factory=list)


def check(
    core: Core,
    *,
    sent: dict[str, bytes] | None = None,
    copies_allowed: bool = False,
    owners: list[tuple[str, str]] | None = None,
) -> Report:
    """Every media row's object is there, whole; orders have no gap or duplicate; no ticket was used twice.

    `sent` maps object keys to the bytes a client posted: every object visible under such a key
    must be exactly those bytes (a half-written file would differ). `owners` limits the check to
    some projects ("project", id) and realties ("realty", id), for a stack that other tests share.
    """
    report = Report()
    with core.unit_of_work(write=False) as uow:
        session = uow.session
        items = [
            item
            for item in session.scalars(select(Media)).all()
            if owners is None or (item.owner_kind, item.owner_id) in owners
        ]
        by_id = {t.id: t for t in session.scalars(select(Ticket)).all()}
        by_key = {t.key: t for t in by_id.values()}
    # A confirmed file is kept under a key of its own (media/{owner}/{ticket}.{attempt}.{ext}),
    # which names its ticket; older rows kept the upload's key itself.
    ticket_of = {item.id: by_id.get(ticket_id_of(item.key) or "") or by_key.get(item.key) for item in items if item.key}
    tickets = {t.id: t for t in by_id.values() if owners is None or t in ticket_of.values()}
    report.media = len(items)
    positions: dict[tuple[str, str], list[int]] = defaultdict(list)
    keys: dict[str, int] = defaultdict(int)
    uses: dict[str, int] = defaultdict(int)
    for item in items:
        positions[(item.owner_kind, item.owner_id)].append(item.position)
        if item.key is None:
            continue
        keys[item.key] += 1
        info = core.storage.head(item.key)
        if info is None:
            report.problems.append(f"media {item.id} points at a missing object {item.key}")
            continue
        if info.size != item.size:
            report.problems.append(f"object {item.key} has {info.size} bytes, its media row says {item.size}")
            continue
        with core.storage.open(item.key) as stream:
            digest = hashlib.file_digest(stream, "sha256").hexdigest()  # type: ignore[arg-type]
        if digest != item.sha256:
            report.problems.append(f"object {item.key} is not the file that was checked (sha256 differs)")
        ticket = ticket_of.get(item.id)
        if ticket is not None:
            uses[ticket.id] += 1
            if sent and ticket.key in sent:
                with core.storage.open(item.key) as stream:
                    if stream.read() != sent[ticket.key]:
                        report.problems.append(f"media {item.id} keeps other bytes than were posted for it")
        if ticket is None:
            if not copies_allowed:
                report.problems.append(f"media {item.id} ({item.key}) came from no ticket")
        elif ticket.consumed_at is None:
            report.problems.append(f"media {item.id} uses ticket {ticket.id}, which is not marked used")
    report.owners = len(positions)
    for owner, found in positions.items():
        if sorted(found) != list(range(len(found))):
            report.problems.append(f"order of {owner} is {sorted(found)}: gaps or duplicates")
    for key, count in keys.items():
        if count > 1:
            report.problems.append(f"object {key} is used by {count} media rows")
    for ticket in tickets.values():
        if ticket.consumed_at is not None:
            report.consumed_tickets += 1
        if uses.get(ticket.id, 0) > 1:
            report.problems.append(f"ticket {ticket.id} was used by {uses[ticket.id]} media rows")
    for key, content in (sent or {}).items():
        if core.storage.head(key) is None:
            continue  # never arrived (killed in flight): invisible, which is right
        with core.storage.open(key) as stream:
            if stream.read() != content:
                report.problems.append(f"object {key} is visible but is not the whole file that was sent")
    return report
