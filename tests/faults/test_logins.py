"""Passwords under attack, over real HTTP on both stacks: floods of logins that need no account
(the password checks' own bounded pool), guessing (throttled per user and per address), and
sessions that end on the server (logout, a password change)."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from requests_oauthlib import OAuth1Session

from realtymedia.services import accounts
from realtymedia.services.results import NewUser
from tests.conftest import STACKS, start_stack
from tests.support import Stack

LOGIN = "/web/login"


@pytest.fixture(scope="module", params=STACKS)
def narrow(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose password checks run one at a time with two waiting, so that a flood is
    larger than the pool on any machine."""
    yield from start_stack(
        request.param,
        request,
        tmp_path_factory,
        password_check_threads=1,
        password_check_queue=2,
        login_failures_per_address=1000,  # 60 unknown users from one address: a flood, not guessing
    )


def user(stack: Stack, name: str) -> NewUser:
    return accounts.create_user(stack.core, f"{name}-{uuid.uuid4().hex[:8]}", "right-pw")


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
            "/realty-image/v2/realty", headers={"Authorization": f"Bearer {owner.bearer_token}"}, timeout=120
        )
    flooding.join()
    assert read.status_code == 200
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {401, 503}, statuses
    refused = [a for a in answers if a.status_code == 503]
    assert refused, "every login was checked: the flood was awaited, not refused"
    assert all(a.headers["retry-after"] == "1" and a.json()["errorCode"] == "SERVICE_UNAVAILABLE" for a in refused)
    # Once the flood is over, the right password works at once.
    ok = httpx.post(f"{narrow.url}{LOGIN}", json={"username": owner.username, "password": "right-pw"}, timeout=60)
    assert ok.status_code == 200


def confirm_access_form(stack: Stack, owner: NewUser) -> tuple[httpx.Client, str, dict[str, str]]:
    """A browser on the confirm_access page of a fresh request token: its client (with the page's
    CSRF cookie), the form's action and fields."""
    oauth = owner.oauth
    consumer = OAuth1Session(oauth.consumer_key, oauth.consumer_secret, callback_uri="oob")
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
    allowed = browser.post(action, data={**fields, "username": owner.username, "password": "right-pw"})
    assert allowed.status_code == 200 and "oauth_verifier" in allowed.text
    browser.close()


# -- guessing: throttled per user and per address ---------------------------------------------


@pytest.fixture(scope="module", params=STACKS)
def guarded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Small limits and a short window, so that the test need not wait the production ones."""
    yield from start_stack(
        request.param,
        request,
        tmp_path_factory,
        login_failures_per_user=3,
        login_failures_per_address=6,
        login_window_seconds=30,  # far longer than the few checks of a test take on a busy machine
    )


def from_address(stack: Stack, address: str) -> httpx.Client:
    """A client whose connections come from `address` (any of 127.0.0.0/8 is this machine)."""
    return httpx.Client(base_url=stack.url, timeout=60, transport=httpx.HTTPTransport(local_address=address))


def log_in(client: httpx.Client, username: object, password: str) -> httpx.Response:
    return client.post(LOGIN, json={"username": username, "password": password})


def test_guessing_a_users_password_is_throttled_but_not_for_the_users_own_browser(guarded: Stack) -> None:
    """30 wrong passwords in 10 s were all 401, then the right one worked."""
    victim = user(guarded, "victim")
    name = victim.username
    with from_address(guarded, "127.0.0.4") as usual, from_address(guarded, "127.0.0.2") as attacker:
        assert log_in(usual, name, "right-pw").status_code == 200  # where the user logs in
        assert [log_in(attacker, name, f"guess{i}").status_code for i in range(3)] == [401, 401, 401]
        refused = log_in(attacker, name, "right-pw")  # refused without a check, even the right one
        assert refused.status_code == 429
        assert refused.json()["errorCode"] == "TOO_MANY_REQUESTS"
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 30
        with from_address(guarded, "127.0.0.3") as elsewhere:  # any address the user has not used
            assert log_in(elsewhere, name, "right-pw").status_code == 429
            # The user's own browser is not locked out by the attack.
            assert log_in(usual, name, "right-pw").status_code == 200
            # And the lock ends with the window once the guessing stops.
            time.sleep(wait + 1)
            assert log_in(elsewhere, name, "right-pw").status_code == 200


def test_guessing_from_one_address_is_throttled_across_users(guarded: Stack) -> None:
    names = [user(guarded, f"many{i}").username for i in range(4)]
    with from_address(guarded, "127.0.0.5") as attacker:
        statuses = [log_in(attacker, name, f"guess{i}").status_code for name in names for i in range(2)]
        assert statuses[:6] == [401] * 6 and statuses[6:] == [429, 429]
    with from_address(guarded, "127.0.0.6") as other:  # another address is not affected
        assert log_in(other, names[3], "right-pw").status_code == 200


def test_guessing_on_the_confirm_access_page_is_throttled(guarded: Stack) -> None:
    owner = user(guarded, "consent")
    browser, action, fields = confirm_access_form(guarded, owner)

    def attempt(password: str) -> httpx.Response:
        answer = browser.post(action, data={**fields, "username": owner.username, "password": password})
        renewed = re.search(r'name="csrf_token" value="([^"]+)"', answer.text)  # each page has its own
        if renewed:
            fields["csrf_token"] = renewed.group(1)
        return answer

    assert [attempt(f"guess{i}").status_code for i in range(4)] == [401, 401, 401, 429]
    refused = attempt("right-pw")
    assert refused.status_code == 429 and "try again" in refused.text and refused.headers["retry-after"]
    browser.close()


# -- sessions end on the server ------------------------------------------------------------------


def session_works(stack: Stack, cookie: str) -> list[int]:
    """What three front doors answer to a copy of the session cookie: the page's own endpoint, the
    Realty Image dialect and the IS24 dialect."""
    jar = {"rm_session": cookie}
    return [
        httpx.get(f"{stack.url}/web/session", cookies=jar, timeout=60).status_code,
        httpx.get(f"{stack.url}/realty-image/v2/realty", cookies=jar, timeout=60).status_code,
        httpx.get(f"{stack.url}/restapi/api/offer/v1.0/user/me/realestateproject", cookies=jar, timeout=60).status_code,
    ]


def test_logout_ends_the_session_on_the_server(stack: Stack) -> None:
    """After logout the old cookie still worked for 8 hours."""
    owner = user(stack, "leaving")
    with httpx.Client(base_url=stack.url, timeout=60) as browser:
        answer = log_in(browser, owner.username, "right-pw")
        cookie = browser.cookies["rm_session"]
        assert session_works(stack, cookie) == [200, 200, 200]
        assert browser.post("/web/logout", headers={"X-CSRF-Token": answer.json()["csrfToken"]}).status_code == 204
    assert session_works(stack, cookie) == [401, 401, 401]  # a copy kept by anyone is worth nothing now


def test_a_password_change_ends_every_session(stack: Stack) -> None:
    owner = user(stack, "changing")
    cookies = []
    for _ in range(2):  # two browsers
        with httpx.Client(base_url=stack.url, timeout=60) as browser:
            assert log_in(browser, owner.username, "right-pw").status_code == 200
            cookies.append(browser.cookies["rm_session"])
    assert all(session_works(stack, cookie) == [200, 200, 200] for cookie in cookies)
    accounts.change_password(stack.core, owner.username, "new-pw")
    assert all(session_works(stack, cookie) == [401, 401, 401] for cookie in cookies)
    with httpx.Client(base_url=stack.url, timeout=60) as browser:
        assert log_in(browser, owner.username, "right-pw").status_code == 401
        assert log_in(browser, owner.username, "new-pw").status_code == 200
