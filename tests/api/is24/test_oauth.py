"""Authentication and access: OAuth 1.0a 3-legged end to end and 2-legged (requests-oauthlib and
oauthlib's Client on the client side), refusals of unsigned, badly signed, replayed and stale
requests, other users' projects, and the web page's session as an alternative."""

from __future__ import annotations

import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import requests
from oauthlib.oauth1 import Client
from requests_oauthlib import OAuth1, OAuth1Session
from tests.support import Stack

from realtymedia.api.is24 import examples
from realtymedia.auth import web_sessions

from .helpers import Account, messages_of, new_account

CALLBACK = "https://client.example/callback"


def _oauth(stack: Stack, step: str) -> str:
    return f"{stack.url}/restapi/security/oauth/{step}"


def _allow(stack: Stack, account: Account, request_token: str, password: str | None = None) -> httpx.Response:
    """The user's part: open the page, log in, allow. Returns the answer to the form."""
    with httpx.Client(base_url=stack.url, timeout=30) as browser:
        page = browser.get("/restapi/security/oauth/confirm_access", params={"oauth_token": request_token})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["x-frame-options"] == "DENY"
        action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        return browser.post(
            action,
            data={
                "oauth_token": request_token,
                "csrf_token": csrf,
                "username": account.username,
                "password": password or account.password,
                "decision": "allow",
            },
        )


def test_three_legged_end_to_end(stack: Stack) -> None:
    account = new_account(stack, fresh=True)
    consumer = OAuth1Session(account.oauth["consumer_key"], account.oauth["consumer_secret"], callback_uri=CALLBACK)
    request_token = consumer.fetch_request_token(_oauth(stack, "request_token"))
    assert set(request_token) >= {"oauth_token", "oauth_token_secret"}
    assert request_token["oauth_callback_confirmed"] == "true"
    authorize_url = consumer.authorization_url(_oauth(stack, "confirm_access"))
    assert urlsplit(authorize_url).path == "/restapi/security/oauth/confirm_access"

    allowed = _allow(stack, account, request_token["oauth_token"])
    assert allowed.status_code == 303
    location = allowed.headers["location"]
    assert location.startswith(CALLBACK + "?")
    assert parse_qs(urlsplit(location).query)["oauth_token"] == [request_token["oauth_token"]]
    consumer.parse_authorization_response(location)
    access = consumer.fetch_access_token(_oauth(stack, "access_token"))
    assert set(access) >= {"oauth_token", "oauth_token_secret"}

    signed = OAuth1(
        account.oauth["consumer_key"],
        account.oauth["consumer_secret"],
        access["oauth_token"],
        access["oauth_token_secret"],
    )
    response = requests.get(account.base("me"), headers={"Accept": "application/json"}, auth=signed, timeout=30)
    assert response.status_code == 200
    projects = response.json()["realestateproject.realEstateProjects"][0]["realEstateProject"]
    assert [p["@id"] for p in projects] == [str(account.project_id)]
    created = requests.post(
        account.url(account.project_id, "attachment", username="me"),
        data=examples.LINK["xml"].encode(),
        headers={"Content-Type": "application/xml", "Accept": "application/xml"},
        auth=signed,
        timeout=30,
    )
    assert created.status_code == 201
    # The request token is spent: it buys no second access token.
    again = requests.post(
        _oauth(stack, "access_token"),
        auth=OAuth1(
            account.oauth["consumer_key"],
            account.oauth["consumer_secret"],
            request_token["oauth_token"],
            request_token["oauth_token_secret"],
            verifier=parse_qs(urlsplit(location).query)["oauth_verifier"][0],
        ),
        timeout=30,
    )
    assert again.status_code == 401


def test_three_legged_out_of_band(stack: Stack) -> None:
    account = new_account(stack, fresh=True)
    consumer = OAuth1Session(account.oauth["consumer_key"], account.oauth["consumer_secret"], callback_uri="oob")
    request_token = consumer.fetch_request_token(_oauth(stack, "request_token"))
    allowed = _allow(stack, account, request_token["oauth_token"])
    assert allowed.status_code == 200
    verifier = re.search(r"<code id='oauth_verifier'>([^<]+)</code>", allowed.text).group(1)  # type: ignore[union-attr]
    access = consumer.fetch_access_token(_oauth(stack, "access_token"), verifier=verifier)
    signed = OAuth1(
        account.oauth["consumer_key"],
        account.oauth["consumer_secret"],
        access["oauth_token"],
        access["oauth_token_secret"],
    )
    assert requests.get(account.base(), auth=signed, timeout=30).status_code == 200


def test_confirm_access_refusals(stack: Stack) -> None:
    account = new_account(stack)
    consumer = OAuth1Session(account.oauth["consumer_key"], account.oauth["consumer_secret"], callback_uri=CALLBACK)
    token = consumer.fetch_request_token(_oauth(stack, "request_token"))["oauth_token"]
    # A wrong password shows the form again.
    wrong = _allow(stack, account, token, password="wrong")
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    # A form posted from elsewhere (no CSRF cookie) is refused, even with the right password.
    forged = httpx.post(
        f"{stack.url}/restapi/security/oauth/confirm_access",
        data={
            "oauth_token": token,
            "csrf_token": "guess",
            "username": account.username,
            "password": account.password,
            "decision": "allow",
        },
        timeout=30,
    )
    assert forged.status_code == 403
    # An unknown token has no page.
    assert (
        httpx.get(
            f"{stack.url}/restapi/security/oauth/confirm_access", params={"oauth_token": "nope"}, timeout=30
        ).status_code
        == 404
    )
    # A wrong verifier buys no access token.
    consumer._client.client.verifier = "not-the-verifier"
    response = consumer.post(_oauth(stack, "access_token"))
    assert response.status_code == 401
    # A request token not signed by its consumer is refused.
    stranger = requests.post(
        _oauth(stack, "request_token"), auth=OAuth1("unknown-consumer", "x", callback_uri="oob"), timeout=30
    )
    assert stranger.status_code == 401


def test_two_legged_acts_for_the_consumers_owner(stack: Stack) -> None:
    account = new_account(stack, fresh=True)
    for username in (account.username, "me"):
        response = requests.get(
            account.base(username),
            headers={"Accept": "application/json"},
            auth=account.auth(two_legged=True),
            timeout=30,
        )
        assert response.status_code == 200
        projects = response.json()["realestateproject.realEstateProjects"][0]["realEstateProject"]
        assert [p["@id"] for p in projects] == [str(account.project_id)]
    created = account.request(
        "POST", account.project_url(None, "attachment"), "xml", examples.LINK["xml"], auth=account.auth(two_legged=True)
    )
    assert created.status_code == 201


def _is_401(response: requests.Response | httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("OAuth")
    assert uuid.UUID(response.headers["L-IS24-RequestRefnum"])
    body = ET_messages(response.content)
    assert body == ["ERROR_COMMON_AUTHENTICATION_REQUIRED"]


def ET_messages(content: bytes) -> list[str]:  # noqa: N802
    import xml.etree.ElementTree as ET

    return [m.findtext("messageCode") or "" for m in ET.fromstring(content).findall("message")]


def test_unsigned_and_badly_signed_are_401(stack: Stack) -> None:
    account = new_account(stack)
    _is_401(requests.get(account.base(), timeout=30))
    o = account.oauth
    _is_401(
        requests.get(
            account.base(),
            auth=OAuth1(o["consumer_key"], "wrong", o["access_token"], o["access_token_secret"]),
            timeout=30,
        )
    )
    _is_401(
        requests.get(
            account.base(), auth=OAuth1(o["consumer_key"], o["consumer_secret"], o["access_token"], "wrong"), timeout=30
        )
    )
    _is_401(
        requests.get(
            account.base(), auth=OAuth1(o["consumer_key"], o["consumer_secret"], "no-such-token", "x"), timeout=30
        )
    )
    _is_401(requests.get(account.base(), headers={"Authorization": "Basic dXNlcjpwYXNz"}, timeout=30))
    # A signature made for another URL does not fit this one.
    client = Client(o["consumer_key"], o["consumer_secret"], o["access_token"], o["access_token_secret"])
    _, headers, _ = client.sign(account.project_url(None, "attachment"), "GET")
    _is_401(httpx.get(account.base(), headers=headers, timeout=30))


def test_replayed_nonce_and_stale_timestamp_are_401(stack: Stack) -> None:
    account = new_account(stack)
    o = account.oauth

    def signed(timestamp: int, nonce: str) -> dict[str, str]:
        client = Client(
            o["consumer_key"],
            o["consumer_secret"],
            o["access_token"],
            o["access_token_secret"],
            timestamp=str(timestamp),
            nonce=nonce,
        )
        _, headers, _ = client.sign(account.base(), "GET")
        return dict(headers)

    headers = signed(int(time.time()), uuid.uuid4().hex)
    assert httpx.get(account.base(), headers=headers, timeout=30).status_code == 200
    _is_401(httpx.get(account.base(), headers=headers, timeout=30))
    tolerance = stack.settings.oauth_timestamp_tolerance_seconds
    _is_401(httpx.get(account.base(), headers=signed(int(time.time()) - tolerance - 60, uuid.uuid4().hex), timeout=30))
    _is_401(httpx.get(account.base(), headers=signed(int(time.time()) + tolerance + 60, uuid.uuid4().hex), timeout=30))
    # 2-legged requests are protected the same way.
    client = Client(o["consumer_key"], o["consumer_secret"], timestamp=str(int(time.time())), nonce=uuid.uuid4().hex)
    _, two_legged, _ = client.sign(account.base(), "GET")
    assert httpx.get(account.base(), headers=two_legged, timeout=30).status_code == 200
    _is_401(httpx.get(account.base(), headers=two_legged, timeout=30))


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_other_users_projects_are_403(stack: Stack, fmt: str) -> None:
    owner = new_account(stack, fresh=True)
    intruder = new_account(stack)
    denied = [
        intruder.request("GET", intruder.url(owner.project_id), fmt),
        intruder.request("GET", intruder.url(owner.project_id, "attachment"), fmt),
        intruder.request("POST", intruder.url(owner.project_id, "attachment"), fmt, examples.LINK[fmt]),
        intruder.request(
            "POST", intruder.url(owner.project_id, "attachment", "upload-ticket"), fmt, examples.TICKET_REQUEST[fmt]
        ),
        intruder.request(
            "PUT", intruder.url(owner.project_id, "attachment", "order"), fmt, examples.ORDER_REQUEST[fmt]
        ),
        intruder.request("DELETE", intruder.url(owner.project_id, "attachment", examples.PICTURE_ID), fmt),
        # Naming the other user in the path does not help.
        intruder.request("GET", intruder.base(owner.username), fmt),
        intruder.request("GET", intruder.url(owner.project_id, username=owner.username), fmt),
    ]
    for response in denied:
        assert response.status_code == 403, response.request.url
        assert [c for c, _ in messages_of(response)] == ["ERROR_COMMON_ACCESS_DENIED"]
    assert owner.request("GET", owner.project_url(None, "attachment"), "json").json()[
        "realestateproject.attachments"
    ] == [{"attachment": []}]


@pytest.mark.parametrize("project", ["987654321", "not-a-number"])
def test_projects_that_do_not_exist_are_404(stack: Stack, project: str) -> None:
    account = new_account(stack)
    for response in [
        account.request("GET", account.url(project)),
        account.request("GET", account.url(project, "attachment")),
        account.request("POST", account.url(project, "attachment"), "xml", examples.LINK["xml"]),
    ]:
        assert response.status_code == 404
        assert messages_of(response) == [
            ("ERROR_RESOURCE_NOT_FOUND", f"Resource [realestateproject] with id [{project}] was not found.")
        ]


def test_the_web_pages_session_is_accepted(stack: Stack) -> None:
    account = new_account(stack)
    made = web_sessions.login(stack.core, account.username, account.password)
    assert made is not None
    cookie, csrf = made.cookie, made.csrf_token
    with httpx.Client(cookies={web_sessions.COOKIE: cookie}, timeout=30) as browser:
        read = browser.get(account.base("me"), headers={"Accept": "application/json"})
        assert read.status_code == 200
        link = {"content": examples.LINK["json"], "headers": {"Content-Type": "application/json"}}
        without_csrf = browser.post(account.project_url(None, "attachment"), **link)  # type: ignore[arg-type]
        assert without_csrf.status_code == 401
        link["headers"][web_sessions.CSRF_HEADER] = csrf  # type: ignore[index]
        with_csrf = browser.post(account.project_url(None, "attachment"), **link)  # type: ignore[arg-type]
        assert with_csrf.status_code == 201


def test_a_project_id_in_other_digits_names_no_project(stack: Stack) -> None:
    account = new_account(stack)
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in str(account.project_id))
    response = account.request("GET", account.url(fullwidth, "attachment"))
    assert response.status_code == 404
    assert messages_of(response)[0][0] == "ERROR_RESOURCE_NOT_FOUND"


def test_racing_exchanges_of_one_request_token_mint_one_access_token(stack: Stack) -> None:
    from concurrent.futures import ThreadPoolExecutor

    account = new_account(stack, fresh=True)
    consumer = OAuth1Session(account.oauth["consumer_key"], account.oauth["consumer_secret"], callback_uri=CALLBACK)
    request_token = consumer.fetch_request_token(_oauth(stack, "request_token"))
    allowed = _allow(stack, account, request_token["oauth_token"])
    verifier = parse_qs(urlsplit(allowed.headers["location"]).query)["oauth_verifier"][0]

    def exchange(_: int) -> int:
        auth = OAuth1(
            account.oauth["consumer_key"],
            account.oauth["consumer_secret"],
            request_token["oauth_token"],
            request_token["oauth_token_secret"],
            verifier=verifier,
        )
        return requests.post(_oauth(stack, "access_token"), auth=auth, timeout=30).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(exchange, range(8)))
    assert statuses.count(200) == 1, statuses
    assert all(status in (400, 401) for status in statuses if status != 200), statuses
