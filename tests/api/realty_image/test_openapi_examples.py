"""Every example in the served OpenAPI document validates against its own schema (the `Realty`
example once lacked the required `publishedAt`): schema examples and media-type examples alike."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from tests.api.realty_image.conftest import BASE, Api


def examples_of(document: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for each example the document gives."""
    found = []
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        for index, example in enumerate(schema.get("examples", [])):
            found.append((f"schemas.{name}[{index}]", {"$ref": f"#/components/schemas/{name}"}, example))
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(f"response {status}", answer) for status, answer in operation.get("responses", {}).items()]
            for label, body in bodies:
                for media, content in body.get("content", {}).items():
                    given = [content["example"]] if "example" in content else []
                    given += [item.get("value") for item in content.get("examples", {}).values()]
                    for example in given:
                        found.append((f"{method.upper()} {path} {label} {media}", content.get("schema", {}), example))
    return found


def test_every_example_validates_against_its_schema(api: Api) -> None:
    document = api.http.get(f"{BASE}/openapi.json").json()
    registry: Registry[Any] = Registry().with_resource(
        "urn:doc", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    found = examples_of(document)
    assert len(found) >= 5
    failures = []
    for where, schema, example in found:
        # The schema's references point into the document, held in the registry as urn:doc.
        anchored = json.loads(json.dumps(schema).replace('"#/components/', '"urn:doc#/components/'))
        validator = Draft202012Validator(anchored, registry=registry)
        failures += [f"{where}: {error.message}" for error in validator.iter_errors(example)]
    assert failures == []
