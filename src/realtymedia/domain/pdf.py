"""What a brochure may not carry: encryption, scripts, actions that reach outside, embedded files.

A script hides anywhere an action may stand: the catalog's /OpenAction and /AA, a page's /AA, an
annotation's /A and /AA, a form field's, an outline item's, the /Names tree, and behind a harmless
action through /Next. So the refusal does not look in those places one by one: it walks every
object reachable from the document's root (pypdf resolves each name's #xx escapes, so
`/J#61vaScript` is `/JavaScript` here) and refuses any action of a refused type, any script, any
embedded file. A raw scan of the bytes backs it up for what a parser might skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

# Actions that run code, or send or fetch data, or start programs.
REFUSED_ACTIONS = {"/JavaScript": "JavaScript", "/Launch": "a Launch action", "/SubmitForm": "a SubmitForm action",
                   "/ImportData": "an ImportData action"}  # fmt: skip
_JS_TOKEN = re.compile(rb"/(JavaScript|JS)(?![A-Za-z0-9])")


class Refused(Exception):
    """The PDF carries something a brochure may not; the message names it."""


def check(stream: BinaryIO) -> None:
    """Raise Refused for an encrypted PDF or one with refused content; pypdf's errors for a damaged one."""
    from pypdf import PdfReader

    reader = PdfReader(stream, strict=False)
    if reader.is_encrypted:
        raise Refused("an encrypted (password-protected) PDF")
    found = refused_content(reader.trailer["/Root"])
    if found is None:
        stream.seek(0)
        if _mentions_javascript(stream):
            found = "JavaScript"
    if found is not None:
        raise Refused(f"a PDF with {found}")


def refused_content(root: Any) -> str | None:
    """What the document reachable from `root` carries that is refused, or None."""
    from pypdf.generic import DictionaryObject

    for item in _dictionaries(root):
        kind = _resolved(item.get("/S"))
        if kind in REFUSED_ACTIONS:
            return REFUSED_ACTIONS[str(kind)]
        if "/JS" in item:
            return "JavaScript"
        if "/EF" in item or _resolved(item.get("/Type")) == "/EmbeddedFile":
            return "an embedded file"
        if _resolved(item.get("/Subtype")) == "/FileAttachment":
            return "an embedded file"
        names = _resolved(item.get("/Names"))
        if isinstance(names, DictionaryObject) and "/JavaScript" in names:
            return "JavaScript"
        if isinstance(names, DictionaryObject) and "/EmbeddedFiles" in names:
            return "an embedded file"
    return None


def _resolved(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


def _dictionaries(root: Any) -> Iterator[Any]:
    """Every dictionary (and stream dictionary) reachable from `root`, each indirect object once."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    pending = [root]
    while pending:
        value = pending.pop()
        if isinstance(value, IndirectObject):
            ref = (value.idnum, value.generation)
            if ref in seen:
                continue
            seen.add(ref)
            value = value.get_object()
        if isinstance(value, DictionaryObject):  # StreamObject too: its dictionary, never its data
            yield value
            pending.extend(value.values())
        elif isinstance(value, ArrayObject):
            pending.extend(value)


def _mentions_javascript(stream: BinaryIO) -> bool:
    """A raw scan as well as the structural one: scripts hide in places a parser may skip."""
    tail = b""
    while chunk := stream.read(1024 * 1024):
        if _JS_TOKEN.search(tail + chunk):
            return True
        tail = chunk[-16:]
    return False
