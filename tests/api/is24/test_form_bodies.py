"""A form-urlencoded body whose parameters are signed (RFC 5849 3.4.1.3.1) is a media type the
dialect does not read: 415 as the basic principles say, not a 401 from a signature check."""

from __future__ import annotations

import requests
from tests.api.is24.helpers import messages_of, new_account
from tests.support import Stack


def test_signed_form_bodies_are_415(stack: Stack) -> None:
    account = new_account(stack)
    url = account.project_url(None, "attachment", "upload-ticket")
    # requests-oauthlib signs the form's parameters along with the oauth_* ones, as RFC 5849 asks.
    response = requests.post(url, data={"attachmentContentType": "image/jpeg"}, auth=account.auth(), timeout=30)
    assert response.request.headers["Content-Type"] in (
        "application/x-www-form-urlencoded",
        b"application/x-www-form-urlencoded",
    )
    assert response.status_code == 415, response.text
    assert [code for code, _ in messages_of(response)] == ["ERROR_COMMON_MEDIA_TYPE_UNSUPPORTED"]
    assert account.ticket("image/jpeg")["url"]  # the account works otherwise
