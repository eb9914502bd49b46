"""The OAuth header pre-read (auth.signatures.header_params) reads signed headers as oauthlib does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header

from realtymedia.auth.signatures import header_params as _header_params

credentials = st.text(st.characters(min_codepoint=33, max_codepoint=0x24F), min_size=1, max_size=40)
# oauthlib writes the realm as it is: one with a quote or a backslash makes a header no parser reads
# as meant (the request is refused whatever this pre-read makes of it).
realms = st.text(st.characters(min_codepoint=32, max_codepoint=0x24F, exclude_characters='"\\'), max_size=20)


@settings(max_examples=200, deadline=None)
@given(credentials, st.none() | credentials, st.none() | realms, st.booleans())
def test_signed_headers_read_as_oauthlib_reads_them(key: str, token: str | None, realm: str | None, body: bool) -> None:
    client = Client(key, client_secret="secret", resource_owner_key=token, resource_owner_secret="s", realm=realm)
    _, headers, _ = client.sign(
        "http://host/restapi/x?y=1",
        "POST" if body else "GET",
        body="a=1" if body else None,
        headers={"Content-Type": "application/x-www-form-urlencoded"} if body else None,
    )
    header = headers["Authorization"]
    assert _header_params(header) == dict(parse_authorization_header(header))


def test_unquoted_values_and_commas_in_quotes() -> None:
    header = 'OAuth oauth_consumer_key=ck, oauth_nonce="n,1", oauth_token=""'
    assert _header_params(header) == dict(parse_authorization_header(header))
