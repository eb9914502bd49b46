"""Passwords under attack, over real HTTP on both stacks: floods of logins that need no account
(the password checks' own bounded pool), guessing (throttled per user and per address), and
sessions that end on the server (logout, a password change)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from requests_oauthlib import OAuth1Session

from realtymedia.services import accounts
from tests.conftest import STACKS, start_stack
from tests.support import Stack

LOGIN = "/web/login"


@pytest.fixture(scope="module", params=STACKS)
def narrow(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose password checks run one at a time with two waiting, so that a flood is
    larger than the pool on any machine."""
    yield from start_stack(request.param, request, tmp_path_factory, password_check_threads=1, password_check_queue=2)


def user(stack: Stack, name: str) -> dict[str, object]:
    return accounts.create_user(stack.core, f"{name}{threading.get_ident() % 10000}{id(stack) % 1000}", "right-pw")


def flood(stack: Stack, count: int, send: object) -> list[httpx.Response]:
    """`count` requests released together, each on its own connection."""
    barrier = threading.Barrier(count)

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=stack.url, timeout=120) as client:
            barrier.wait()
            return send(client)  # type: ignore[operator, no-any-return]

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_a_flood_of_wrong_logins_is_refused_early_and_reads_go_on(narrow: Stack) -> None:
    """60 concurrent wrong logins held every shared worker thread for seconds (a 10 ms read waited
    2-9 s). Now at most the pool and its queue are checked; the rest are 503 at once, and a read
    made during the flood is answered (without waiting for the flood: its deadline is far below
    what 60 checks one at a time take)."""
    owner = user(narrow, "flood")
    answers: list[httpx.Response] = []

    def flood_logins() -> None:
        answers.extend(
            flood(narrow, 60, lambda c: c.post(LOGIN, json={"username": f"nobody{id(c)}", "password": "wrong"}))
        )

    flooding = threading.Thread(target=flood_logins)
    flooding.start()
    with httpx.Client(base_url=narrow.url, timeout=120) as client:
        read = client.get(
            "/realty-image/v2/realty", headers={"Authorization": f"Bearer {owner['bearer_token']}"}, timeout=120
        )
    flooding.join()
    assert read.status_code == 200
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {401, 503}, statuses
    refused = [a for a in answers if a.status_code == 503]
    assert refused, "every login was checked: the flood was awaited, not refused"
    assert all(a.headers["retry-after"] == "1" and a.json()["errorCode"] == "SERVICE_UNAVAILABLE" for a in refused)
    # Once the flood is over, the right password works at once.
    ok = httpx.post(f"{narrow.url}{LOGIN}", json={"username": owner["username"], "password": "right-pw"}, timeout=60)
    assert ok.status_code == 200


def confirm_access_form(stack: Stack, owner: dict[str, object]) -> tuple[httpx.Client, str, dict[str, str]]:
    """A browser on the confirm_access page of a fresh request token: its client (with the page's
    CSRF cookie), the form's action and fields."""
    oauth: dict[str, str] = owner["oauth"]  # type: ignore[assignment]
    consumer = OAuth1Session(oauth["consumer_key"], oauth["consumer_secret"], callback_uri="oob")
    token = consumer.fetch_request_token(f"{stack.url}/restapi/security/oauth/request_token")["oauth_token"]
    browser = httpx.Client(base_url=stack.url, timeout=120)
    page = browser.get("/restapi/security/oauth/confirm_access", params={"oauth_token": token})
    assert page.status_code == 200
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return browser, action, {"oauth_token": token, "csrf_token": csrf, "decision": "allow"}


def test_a_flood_on_the_confirm_access_page_is_refused_early(narrow: Stack) -> None:
    owner = user(narrow, "page")
    browser, action, fields = confirm_access_form(narrow, owner)
    cookies = dict(browser.cookies)
    answers = flood(
        narrow,
        40,
        lambda c: c.post(action, data={**fields, "username": f"x{id(c)}", "password": "wrong"}, cookies=cookies),
    )
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {401, 503}, statuses
    assert 503 in statuses
    refused = next(a for a in answers if a.status_code == 503)
    assert refused.headers["retry-after"] == "1" and "try again" in refused.text
    allowed = browser.post(action, data={**fields, "username": owner["username"], "password": "right-pw"})
    assert allowed.status_code == 200 and "oauth_verifier" in allowed.text
    browser.close()
