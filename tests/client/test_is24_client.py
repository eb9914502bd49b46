"""The IS24 SDK against the real service over real HTTP: OAuth 1.0a signing, XML and JSON alike."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import httpx
import pytest

from realtymedia.services import accounts, projects
from realtymedia.services.results import NewUser
from realtymedia_client import AuthenticationError, IS24Client, NotFound, PermissionDenied, ValidationError
from tests.client.conftest import write_images
from tests.support import Stack, pdf_bytes

TOUR = "https://virtualtours.immobilienscout24.de/portal/tour/1234"


def is24(stack: Stack, account: NewUser, fmt: str, **overrides: str) -> IS24Client:
    oauth = {**dataclasses.asdict(account.oauth), **overrides}
    return IS24Client(
        stack.url,
        oauth["consumer_key"],
        oauth["consumer_secret"],
        oauth["access_token"],
        oauth["access_token_secret"],
        format=fmt,
    )


def new_project(stack: Stack, account: NewUser, product: str = "PROFESSIONAL") -> str:
    return str(projects.create(stack.core, account.username, product, "Riverside").id)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_pictures_brochure_and_tour(stack: Stack, account: NewUser, tmp_path: Path, fmt: str) -> None:
    project_id = new_project(stack, account)
    photo, logo = write_images(tmp_path, 2)
    brochure = tmp_path / "brochure.pdf"
    brochure.write_bytes(pdf_bytes())
    with is24(stack, account, fmt) as client:
        assert project_id in [p.id for p in client.projects()]
        assert client.project(project_id).product == "PROFESSIONAL"

        sent: list[int] = []
        picture = client.upload_picture(project_id, photo, "IMAGE", "Garden view", progress=lambda s, t: sent.append(s))
        logo_id = client.upload_picture(project_id, logo, "PROJECT_LOGO")
        pdf = client.upload_brochure(project_id, brochure)
        tour = client.add_virtual_tour(project_id, TOUR)

        found = {a.id: a for a in client.attachments(project_id)}
        assert (found[picture].kind, found[picture].type, found[picture].title) == ("Picture", "IMAGE", "Garden view")
        assert (found[logo_id].kind, found[logo_id].type) == ("Picture", "PROJECT_LOGO")
        assert (found[pdf].kind, found[pdf].type) == ("PDFDocument", "BROCHURE")
        assert (found[tour].kind, found[tour].type, found[tour].url) == ("Link", "VIRTUAL_TOUR", TOUR)
        assert sent and sent[-1] == photo.stat().st_size
        with httpx.Client(follow_redirects=True) as http:
            assert http.get(str(found[picture].url)).content == photo.read_bytes()

        assert client.order(project_id, [pdf, picture]) == [pdf, picture, logo_id]
        client.delete(project_id, logo_id)
        assert {a.id for a in client.attachments(project_id)} == {picture, pdf, tour}
        with pytest.raises(NotFound) as gone:
            client.delete(project_id, logo_id)
        assert gone.value.code == "ERROR_RESOURCE_NOT_FOUND"
        assert gone.value.message == f"Resource [attachment] with id [{logo_id}] was not found."


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_contract_rules_come_back_as_the_service_says_them(
    stack: Stack, account: NewUser, tmp_path: Path, fmt: str
) -> None:
    project_id = new_project(stack, account, "BASIC")
    brochure = tmp_path / "brochure.pdf"
    brochure.write_bytes(pdf_bytes())
    with is24(stack, account, fmt) as client:
        with pytest.raises(ValidationError) as denied:
            client.upload_brochure(project_id, brochure)
        assert denied.value.status_code == 412
        assert denied.value.code == "ERROR_RESOURCE_VALIDATION"
        assert denied.value.message == (
            "Error while validating input for the resource. "
            "[MESSAGE: pdfDocumentType : BROCHURE : attachment.pdfDocumentType.deniedForProduct]"
        )
        client.add_virtual_tour(project_id, TOUR)
        with pytest.raises(ValidationError) as exceeded:
            client.add_virtual_tour(project_id, TOUR)
        assert exceeded.value.details[0].message.endswith("attachment.linkType.numberOfItemsExceeded]")


def test_credentials_and_ownership(stack: Stack, account: NewUser) -> None:
    project_id = new_project(stack, account)
    with is24(stack, account, "json", consumer_secret="wrong") as forged, pytest.raises(AuthenticationError) as denied:
        forged.attachments(project_id)
    assert denied.value.code == "ERROR_COMMON_AUTHENTICATION_REQUIRED"

    other = accounts.create_user(stack.core, f"sdk{uuid.uuid4().hex[:10]}", "pw")
    with is24(stack, other, "xml") as stranger, pytest.raises(PermissionDenied) as refused:
        stranger.attachments(project_id)
    assert refused.value.status_code == 403 and refused.value.code == "ERROR_COMMON_ACCESS_DENIED"
