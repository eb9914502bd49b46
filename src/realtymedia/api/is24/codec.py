"""One neutral tree per IS24 resource, rendered to XML (as ElementTree would) or to JSON in IS24's mapping.

IS24's JSON is the XML seen through Jettison-like rules: the root becomes `"<prefix>.<name>"`,
attributes become `"@name"` (`xsi:type` -> `"@xsi.type"`, namespace prefixes as `prefix:`),
an element repeated becomes an array, and some containers (message lists, field lists) are
wrapped in a one-element array. Input is parsed back into the same tree: XML with defusedxml
(no DTD, no entities, no network), JSON with the standard library.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 -- its types only; defusedxml parses
from dataclasses import dataclass, field

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

REALESTATEPROJECT = "realestateproject"
COMMON = "common"
# JSON prefix -> (XML prefix, namespace URI)
NAMESPACES = {
    REALESTATEPROJECT: ("ns2", "http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"),
    COMMON: ("common", "http://rest.immobilienscout24.de/schema/common/1.0"),
}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XLINK = "http://www.w3.org/1999/xlink"
GIS = "http://rest.immobilienscout24.de/schema/platform/gis/1.0"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# No IS24 payload nests deeper than a few levels; deeper input is refused before it can exhaust the stack.
MAX_DEPTH = 32


class MalformedBody(ValueError):
    """The body is not well-formed XML or JSON, or XML with a DTD or entities."""


@dataclass(frozen=True)
class TypeName:
    """An `xsi:type` value: a local name in one of our namespaces (`ns2:Picture`, `realestateproject:Picture`)."""

    namespace: str
    local: str


@dataclass
class Node:
    name: str
    attrs: dict[str, str | TypeName] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    text: str | None = None
    # Child names that JSON shows as arrays even when there is one or none.
    arrays: tuple[str, ...] = ()
    # JSON shows this element's object wrapped in a one-element array.
    wrapped: bool = False

    def add(self, name: str, text: object = None, **attrs: str) -> Node:
        child = Node(name, dict(attrs), text=None if text is None else str(text))
        self.children.append(child)
        return child

    def child(self, name: str) -> Node | None:
        return next((c for c in self.children if c.name == name), None)

    def child_text(self, name: str) -> str | None:
        found = self.child(name)
        return None if found is None else found.text

    def child_texts(self, name: str) -> list[str]:
        return [c.text or "" for c in self.children if c.name == name]

    def attr(self, name: str) -> str | None:
        value = self.attrs.get(name)
        return value.local if isinstance(value, TypeName) else value


@dataclass
class Document:
    namespace: str  # REALESTATEPROJECT or COMMON
    root: Node


# -- rendering ------------------------------------------------------------------------------


def to_xml(doc: Document) -> bytes:
    prefix, uri = NAMESPACES[doc.namespace]
    declared: dict[str, str | TypeName] = {f"xmlns:{prefix}": uri}
    if doc.namespace == COMMON:
        declared["xmlns:gis"] = GIS
    used = _attribute_names(doc.root)
    if any(name.startswith("xsi:") for name in used):
        declared["xmlns:xsi"] = XSI
    if any(name.startswith("xlink:") for name in used):
        declared["xmlns:xlink"] = XLINK
    out: list[str] = []
    _write_xml(out, doc.root, f"{prefix}:{doc.root.name}", {**declared, **doc.root.attrs}, "\n")
    text = "".join(out)
    # What XML 1.0 cannot carry at all, not even as a reference (a control character of a path an
    # error message names): replaced, so that every answer is well-formed. One scan of the text.
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("\ufffd", text)
    return XML_DECLARATION + text.encode()


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _write_xml(out: list[str], node: Node, tag: str, attrs: dict[str, str | TypeName], indentation: str) -> None:
    """What ElementTree writes for the tree after `ET.indent(element, "    ")`, byte for byte, without
    building the Element tree first (a list of 150 attachments is rendered in a third of the time)."""
    out.append("<" + tag)
    for name, value in attrs.items():
        out.append(f' {name}="{_escape_attribute(_xml_value(value))}"')
    if node.children:
        inner = indentation + "    "
        out.append(">" + (_escape_text(node.text) if node.text and node.text.strip() else inner))
        last = len(node.children) - 1
        for index, child in enumerate(node.children):
            _write_xml(out, child, child.name, child.attrs, inner)
            out.append(inner if index < last else indentation)
        out.append(f"</{tag}>")
    elif node.text:
        out.append(f">{_escape_text(node.text)}</{tag}>")
    else:
        out.append(" />")


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    escaped = _escape_text(value).replace('"', "&quot;")
    return escaped.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")


def _xml_value(value: str | TypeName) -> str:
    return f"{NAMESPACES[value.namespace][0]}:{value.local}" if isinstance(value, TypeName) else value


def _attribute_names(node: Node) -> set[str]:
    names = set(node.attrs)
    for child in node.children:
        names |= _attribute_names(child)
    return names


def to_json(doc: Document) -> bytes:
    # Compact, as IS24's Jettison writes it (the documents indent their examples for reading); it is
    # also what the standard library encodes in C: indentation takes its pure-Python path.
    value = {f"{doc.namespace}.{doc.root.name}": _json_value(doc.root)}
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # IS24 escapes the solidus; "/" occurs only inside strings in JSON, so this is safe.
    return text.replace("/", "\\/").encode()


def _json_value(node: Node) -> object:
    if not node.attrs and not node.children and not node.arrays:
        return node.text if node.text is not None else ""
    out: dict[str, object] = {}
    for name, value in node.attrs.items():
        key = "@" + name.replace(":", ".")
        out[key] = f"{value.namespace}:{value.local}" if isinstance(value, TypeName) else value
    if node.text is not None:
        out["$"] = node.text
    names = list(dict.fromkeys([c.name for c in node.children] + list(node.arrays)))
    for name in names:
        values = [_json_value(c) for c in node.children if c.name == name]
        out[name] = values if len(values) != 1 or name in node.arrays else values[0]
    return [out] if node.wrapped else out


# -- parsing --------------------------------------------------------------------------------


def from_xml(body: bytes) -> Node:
    try:
        element = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException, ValueError, LookupError, RecursionError) as error:
        # LookupError: an encoding declared that Python does not know.
        raise MalformedBody(f"the XML body could not be read ({type(error).__name__})") from None
    return _node_from_element(element, 0)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _too_deep(depth: int) -> None:
    if depth > MAX_DEPTH:
        raise MalformedBody(f"the body nests deeper than {MAX_DEPTH} levels")


def _node_from_element(element: ET.Element, depth: int) -> Node:
    _too_deep(depth)
    attrs: dict[str, str | TypeName] = {}
    for name, value in element.attrib.items():
        if name == f"{{{XSI}}}type":
            attrs["xsi:type"] = value.rsplit(":", 1)[-1]
        else:
            attrs[_local(name)] = value
    text = (element.text or "").strip() if len(element) == 0 else None
    return Node(_local(element.tag), attrs, [_node_from_element(c, depth + 1) for c in element], text=text)


def from_json(body: bytes) -> Node:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise MalformedBody(f"the JSON body could not be read ({type(error).__name__})") from None
    if not isinstance(data, dict) or len(data) != 1:
        raise MalformedBody("the JSON body must be one object with one member, the resource")
    # Only an escape (`\\ud800`) makes a lone surrogate: a body without a backslash holds none.
    if b"\\" in body and _has_lone_surrogate(data):
        raise MalformedBody("the JSON body holds a lone surrogate (\\ud800-\\udfff), which is no character")
    ((key, value),) = data.items()
    return _node_from_json(key.rsplit(".", 1)[-1], value, 0)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: object) -> bool:
    """Whether a parsed JSON value holds a string (or key) with a surrogate no pair made a character of."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _node_from_json(name: str, value: object, depth: int) -> Node:
    _too_deep(depth)
    if isinstance(value, list):  # a wrapped container: [ {...} ]
        value = value[0] if len(value) == 1 else {}
        if isinstance(value, list):
            raise MalformedBody("an array inside an array is no IS24 payload")
    if value is None:
        return Node(name)
    if not isinstance(value, dict):
        return Node(name, text=str(value) if not isinstance(value, bool) else str(value).lower())
    node = Node(name)
    for key, item in value.items():
        if key.startswith("@"):
            attr = key[1:].replace(".", ":")
            text = "" if item is None else str(item)
            node.attrs[attr] = text.rsplit(":", 1)[-1] if attr == "xsi:type" else text
        elif key == "$":
            node.text = None if item is None else str(item)
        elif isinstance(item, list):
            node.children += [_node_from_json(key, i, depth + 1) for i in item]
        else:
            node.children.append(_node_from_json(key, item, depth + 1))
    return node
