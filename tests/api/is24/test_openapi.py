"""The IS24 dialect's OpenAPI 3.1 document: valid, served with an offline viewer, its examples the
documents' own and valid against its schemas, and the service's real answers valid against it too."""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from tests.api.realty_image.test_openapi_examples import examples_of
from tests.support import Stack, image_bytes
from tests.unit.test_images import phone_jpeg

from realtymedia.api.is24 import examples
from realtymedia.api.is24.openapi import ROOT, document

from .helpers import new_account, picture_xml

PREFIX = "/restapi"


def served(stack: Stack) -> dict[str, Any]:
    response = httpx.get(f"{stack.url}{PREFIX}/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        "urn:doc", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    anchored = json.loads(json.dumps(schema).replace('"#/components/', '"urn:doc#/components/'))
    return Draft202012Validator(anchored, registry=registry)


def test_the_document_is_valid_openapi_3_1(stack: Stack) -> None:
    doc = served(stack)
    assert doc == json.loads(json.dumps(document()))
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # openapi-spec-validator picks the 3.1 rules from the document's version
    assert doc["components"]["securitySchemes"]["OAuth1"] == {
        **doc["components"]["securitySchemes"]["OAuth1"],
        "type": "http",
        "scheme": "OAuth",
    }
    operations = [(method, path) for path, item in doc["paths"].items() for method in item]
    assert ("post", ROOT + "/{realestateprojectid}/attachment/upload-ticket") in operations
    assert ("put", ROOT + "/{realestateprojectid}/attachment/order") in operations
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if path.startswith(ROOT):
                assert operation["security"] == [{"OAuth1": []}], (method, path)
                assert {"401", "500"} <= set(operation["responses"]), (method, path)


def test_its_examples_are_the_documents(stack: Stack) -> None:
    doc = served(stack)
    given = {json.dumps(example, sort_keys=True) for _, _, example in examples_of(doc)}
    documents = [
        examples.TICKET_REQUEST,
        examples.TICKET,
        examples.TICKET_CONTENT_TYPE_MISSING,
        examples.PICTURE,
        examples.PDF,
        examples.LINK,
        examples.CREATED,
        examples.LINK_EXCEEDED,
        examples.NOT_UPLOADED,
        examples.INVALID_PAYLOAD,
        examples.ORDER_REQUEST,
        examples.ORDER_RESPONSE,
        examples.ORDER_INVALID,
    ]
    for pair in documents:
        assert json.dumps(pair["xml"], sort_keys=True) in given
        assert json.dumps(json.loads(pair["json"]), sort_keys=True) in given
    assert len(given) == 2 * len(documents)


def test_every_example_validates_against_its_schema(stack: Stack) -> None:
    doc = served(stack)
    failures = []
    xml_roots = 0
    for where, schema, example in examples_of(doc):
        if "application/xml" in where:
            # XML: the root element and namespace the schema names.
            target = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]["xml"]
            root = ET.fromstring(example.encode())
            if root.tag != f"{{{target['namespace']}}}{target['name']}":
                failures.append(f"{where}: root {root.tag}, not {target}")
            xml_roots += 1
        else:
            failures += [f"{where}: {error.message}" for error in validator(doc, schema).iter_errors(example)]
    assert failures == []
    assert xml_roots == 13


def response_schema(doc: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    answer = doc["paths"][path][method]["responses"][str(status)]
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema: dict[str, Any] = answer["content"]["application/json"]["schema"]
    return schema


def test_the_services_answers_validate_against_the_document(stack: Stack) -> None:
    doc = served(stack)
    account = new_account(stack)
    project = ROOT + "/{realestateprojectid}"
    checked: list[tuple[str, str, int]] = []

    def check(method: str, path: str, response: Any) -> Any:
        errors = [
            e.message
            for e in validator(doc, response_schema(doc, method, path, response.status_code)).iter_errors(
                response.json()
            )
        ]
        assert errors == [], (method, path, response.status_code, response.text)
        checked.append((method, path, response.status_code))
        return response.json()

    ticket_url = account.project_url(None, "attachment", "upload-ticket")
    check(
        "post",
        project + "/attachment/upload-ticket",
        account.request("POST", ticket_url, "json", examples.TICKET_REQUEST["json"]),
    )
    check("post", project + "/attachment/upload-ticket", account.request("POST", ticket_url, "json", "{}"))
    picture = account.upload("image/jpeg", image_bytes("JPEG"))
    assign = account.assign(examples.PICTURE["json"].replace(examples.PICTURE_ID, picture), fmt="json")
    check("post", project + "/attachment", assign)
    check("post", project + "/attachment", account.assign(examples.LINK["json"], fmt="json"))
    check("post", project + "/attachment", account.assign(examples.LINK["json"], fmt="json"))  # 412: one tour
    check(
        "post",
        project + "/attachment",
        account.assign(examples.PDF["json"].replace(examples.PDF_ID, str(uuid.uuid4())), fmt="json"),
    )
    check("get", project + "/attachment", account.request("GET", account.project_url(None, "attachment"), "json"))
    one = account.project_url(None, "attachment", picture)
    check("get", project + "/attachment/{attachmentid}", account.request("GET", one, "json"))
    update = json.dumps(
        {
            "realestateproject.attachment": {
                "@xsi.type": "realestateproject:Picture",
                "@id": picture,
                "pictureType": "IMAGE",
                "title": "Garden view",
            }
        }
    )
    check(
        "put", project + "/attachment", account.request("PUT", account.project_url(None, "attachment"), "json", update)
    )
    order = json.dumps({"realestateproject.attachmentsOrder": {"attachmentId": [picture]}})
    check(
        "put",
        project + "/attachment/order",
        account.request("PUT", account.project_url(None, "attachment", "order"), "json", order),
    )
    check("get", project, account.request("GET", account.project_url(None), "json"))
    check("get", ROOT, account.request("GET", account.base(), "json"))
    check(
        "get",
        project + "/attachment",
        account.request("GET", account.project_url(None, "attachment"), "json", auth=None),
    )
    check("delete", project + "/attachment/{attachmentid}", account.request("DELETE", one, "json"))
    statuses = {status for _, _, status in checked}
    assert statuses == {200, 201, 400, 401, 404, 412}


def test_the_viewer_is_served_without_a_cdn(stack: Stack) -> None:
    page = httpx.get(f"{stack.url}{PREFIX}/docs")
    assert page.status_code == 200
    assert f"{PREFIX}/docs-assets/swagger-ui-bundle.js" in page.text
    assert f"'{PREFIX}/openapi.json'" in page.text or f'"{PREFIX}/openapi.json"' in page.text
    assert "cdn" not in page.text.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert httpx.get(f"{stack.url}{PREFIX}/docs-assets/{asset}").status_code == 200


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_xml_answers_have_the_root_the_document_names(stack: Stack, fmt: str) -> None:
    doc = served(stack)
    account = new_account(stack)
    response = account.request("GET", account.project_url(None, "attachment"), fmt)
    assert response.status_code == 200
    content = doc["paths"][ROOT + "/{realestateprojectid}/attachment"]["get"]["responses"]["200"]["content"]
    if fmt == "xml":
        target = doc["components"]["schemas"][content["application/xml"]["schema"]["$ref"].rsplit("/", 1)[1]]["xml"]
        assert ET.fromstring(response.content).tag == f"{{{target['namespace']}}}{target['name']}"
    else:
        assert validator(doc, content["application/json"]["schema"]).is_valid(response.json())


def test_the_rendition_route_is_described_as_the_service_answers_it(stack: Stack) -> None:
    """A Picture's template URLs are the documented path, and a rendition's answers are documented."""
    doc = served(stack)
    path = "/pictures/{pictureid}/{version}/{mode}/{size}"
    item = doc["paths"][path]
    assert set(item) == {"get", "head"}
    assert item["get"]["security"] == [] and item["head"]["security"] == []  # public, as the files are
    schemas = {p["name"]: p["schema"] for p in item["get"]["parameters"]}
    account = new_account(stack)
    picture = account.upload("image/jpeg", phone_jpeg(1))
    assert account.assign(picture_xml(picture, "IMAGE", "Blick")).status_code == 201
    one = account.request("GET", account.project_url(None, "attachment", picture), "json").json()
    urls = {u["@scale"]: u["@href"] for u in one["realestateproject.attachment"]["urls"][0]["url"]}
    for mode in schemas["mode"]["enum"]:
        url = urls[mode].replace("%WIDTH%", "40").replace("%HEIGHT%", "30")
        below = url.split(PREFIX, 1)[1]
        _, _, picture_id, version, named_mode, size = below.split("/")
        assert below == path.format(pictureid=picture_id, version=version, mode=named_mode, size=size)
        assert (picture_id, named_mode) == (picture, mode)
        assert re.fullmatch(schemas["version"]["pattern"], version)
        assert re.fullmatch(schemas["size"]["pattern"], size) and re.fullmatch(schemas["size"]["pattern"], "40x30.webp")
        for method in ("get", "head"):
            response = httpx.request(method.upper(), url, timeout=30)
            answer = item[method]["responses"][str(response.status_code)]
            assert {name.lower() for name in answer["headers"]} <= set(response.headers.keys())
            if method == "get":
                assert response.headers["content-type"] in answer["content"]
    missing = httpx.get(
        urls["SCALE"].replace(picture, str(uuid.uuid4())).replace("%WIDTH%", "4").replace("%HEIGHT%", "3")
    )
    assert missing.status_code == 404 and "404" in item["get"]["responses"]
    errors = [e.message for e in validator(doc, response_schema(doc, "get", path, 404)).iter_errors(
        httpx.get(missing.url, headers={"Accept": "application/json"}).json())]  # fmt: skip
    assert errors == []
