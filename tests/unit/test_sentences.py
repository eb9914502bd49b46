"""The upload command's wording of the service's errors: a sentence naming the file, the code kept."""

from __future__ import annotations

from pathlib import Path

from realtymedia_client._errors import ErrorDetail, api_error
from realtymedia_client._sentences import sentence

PHOTO = Path("/home/agent/photos/p0.jpg")
VALIDATION = "ERROR_RESOURCE_VALIDATION"


def test_a_title_refused_by_the_is24_rules() -> None:
    message = "Error while validating input for the resource. [MESSAGE: title : p0 : LENGTH_EXCEEDED_OR_TOO_SMALL]"
    error = api_error(412, VALIDATION, message, [ErrorDetail(VALIDATION, message)], "r1")
    said = sentence(error, PHOTO)
    assert said.startswith("p0.jpg was not added: its title is too short or too long")
    assert said.endswith("[service: 412 ERROR_RESOURCE_VALIDATION, request r1]")


def test_a_damaged_photo_and_a_taken_logo_slot() -> None:
    found = "declared image/jpeg, found a damaged or truncated JPEG file"
    damaged = api_error(400, "BAD_REQUEST_BODY", "invalid", [ErrorDetail("INVALID_TYPE", found)])
    assert sentence(damaged, PHOTO).startswith("p0.jpg is damaged or truncated")
    assert "400 BAD_REQUEST_BODY INVALID_TYPE" in sentence(damaged, PHOTO)
    exceeded = "[MESSAGE: pictureType : COMPANY_LOGO : attachment.pictureType.numberOfItemsExceeded]"
    taken = api_error(412, VALIDATION, exceeded)
    assert sentence(taken, PHOTO).startswith("p0.jpg was not added: the project already has")
