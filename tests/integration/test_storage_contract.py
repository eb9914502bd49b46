"""One contract, both backends: what the use cases may rely on from any Storage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from realtymedia.domain.media import MediaInfo
from realtymedia.services import accounts, media, projects, tickets
from realtymedia.storage import StorageError
from tests.support import Stack, image_bytes, pdf_bytes, post_form

JPEG = image_bytes("JPEG")


def stored(stack: Stack, content: bytes = JPEG, content_type: str = "image/jpeg") -> str:
    key = f"contract/{uuid.uuid4()}.bin"
    upload = stack.core.storage.presign_post(key, content_type, 10 * 1024 * 1024, 600, stack.url, {})
    assert set(upload.fields) >= {
        "key",
        "policy",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-algorithm",
        "x-amz-date",
        "Content-Type",
    }
    response = post_form(upload.url, upload.fields, content, "f", content_type)
    assert response.status_code in (200, 201, 204), response.text
    return key


def test_tickets_look_the_same_on_both_backends(any_stack: Stack) -> None:
    upload = any_stack.core.storage.presign_post("a/b.jpg", "image/jpeg", 100, 600, any_stack.url, {"acl": "private"})
    assert upload.fields["key"] == "a/b.jpg"
    assert upload.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert upload.fields["x-amz-credential"].endswith("/s3/aws4_request")
    assert upload.fields["acl"] == "private"
    assert upload.url.endswith("/" + any_stack.core.storage.bucket)


def test_head_open_copy_delete(any_stack: Stack) -> None:
    storage = any_stack.core.storage
    key = stored(any_stack)
    info = storage.head(key)
    assert info is not None and info.size == len(JPEG)
    with storage.open(key) as stream:
        assert stream.read() == JPEG
        stream.seek(0)
        assert stream.read(3) == JPEG[:3]
    copy = f"contract/{uuid.uuid4()}.bin"
    storage.copy(key, copy)
    storage.delete(key)
    assert storage.head(key) is None
    with storage.open(copy) as stream:
        assert stream.read() == JPEG
    storage.delete(copy)
    storage.delete(copy)  # deleting what is gone is not an error
    assert storage.head(copy) is None


def test_put_replaces_atomically(any_stack: Stack) -> None:
    storage = any_stack.core.storage
    folder = f"contract/{uuid.uuid4()}/"
    assert storage.list_keys(folder) == []
    storage.put(folder + "a/1.jpg", JPEG, "image/jpeg")
    storage.put(folder + "b.webp", b"RIFF", "image/webp")
    storage.put(folder + "b.webp", b"RIFF2", "image/webp")  # replaced, not added
    storage.put(f"contract/{uuid.uuid4()}/other.jpg", JPEG, "image/jpeg")
    assert storage.list_keys(folder) == [folder + "a/1.jpg", folder + "b.webp"]
    with storage.open(folder + "b.webp") as stream:
        assert stream.read() == b"RIFF2"
    for key in storage.list_keys(folder):
        storage.delete(key)
    assert storage.list_keys(folder) == []


def test_missing_object(any_stack: Stack) -> None:
    storage = any_stack.core.storage
    assert storage.head("contract/never-there.bin") is None
    with pytest.raises(StorageError), storage.open("contract/never-there.bin"):
        pass
    with pytest.raises(StorageError):
        storage.copy("contract/never-there.bin", "contract/copy-of-nothing.bin")
    assert storage.head("contract/copy-of-nothing.bin") is None


def confirmed_file_url(stack: Stack, content_type: str, content: bytes) -> str:
    """The file URL of a file uploaded with a ticket and confirmed, as clients get it."""
    core = stack.core
    user = accounts.create_user(core, f"s{uuid.uuid4().hex[:10]}", "pw")
    project = projects.create(core, user.username, "BASIC", "P")
    with core.unit_of_work() as uow:
        issued = tickets.issue(
            core,
            uow,
            user_id=user.id,
            owner_kind=tickets.PROJECT,  # type: ignore[call-overload]
            owner_id=str(project.id),
            content_type=content_type,
            allowed=(content_type,),
            base_url=stack.url,
        )
        uow.commit()
    assert post_form(issued.form.url, issued.form.fields, content).status_code in (200, 201, 204)
    with core.unit_of_work(write=False) as uow:
        ticket = uow.tickets.get(issued.id)
    info: MediaInfo = tickets.confirm(core, ticket, resource="attachment", ref=issued.id)
    with core.unit_of_work() as uow:
        added = media.append_file(
            uow, owner_kind=tickets.PROJECT, owner_id=str(project.id), ticket=ticket, info=info, kind="Picture"
        )  # type: ignore[arg-type]
        item = uow.media.item(tickets.PROJECT, str(project.id), added)
        assert item is not None
        url = media.file_url(core, item.key, stack.url)
        uow.commit()
    assert url is not None
    return url


@pytest.mark.parametrize(
    ("content_type", "content"), [("image/png", image_bytes("PNG")), ("application/pdf", pdf_bytes())]
)
def test_confirmed_files_are_served_safely(any_stack: Stack, content_type: str, content: bytes) -> None:
    url = confirmed_file_url(any_stack, content_type, content)
    response = httpx.get(url, follow_redirects=True)
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"].startswith(content_type)
    if any_stack.core.storage.name == "local":
        assert response.headers["x-content-type-options"] == "nosniff"
    if content_type == "application/pdf":
        assert response.headers["content-disposition"].startswith("attachment")


def test_list_by_prefix(any_stack: Stack) -> None:
    storage = any_stack.core.storage
    folder = f"contract/{uuid.uuid4()}"
    assert storage.list_keys(folder) == []
    for name in ("b.bin", "a.bin", "sub/c.bin"):
        storage.copy(stored(any_stack), f"{folder}/{name}")
    storage.copy(stored(any_stack), f"{folder}-other/x.bin")
    assert storage.list_keys(f"{folder}/") == [f"{folder}/a.bin", f"{folder}/b.bin", f"{folder}/sub/c.bin"]
    assert storage.list_keys(f"{folder}/s") == [f"{folder}/sub/c.bin"]
    assert storage.list_keys(folder) == sorted([*storage.list_keys(f"{folder}/"), f"{folder}-other/x.bin"])
    for key in storage.list_keys(folder):
        storage.delete(key)
    assert storage.list_keys(folder) == []


def test_files_answer_head_and_conditional_gets(any_stack: Stack) -> None:
    """HEAD wherever GET works, and If-None-Match with the served ETag gives 304 (wherever the bytes
    come from: the service on local disk, the bucket after a redirect on S3)."""
    url = confirmed_file_url(any_stack, "image/png", image_bytes("PNG"))
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        full = client.get(url)
        assert full.status_code == 200
        head = client.head(url)
        assert head.status_code == 200, head.text
        assert head.content == b""
        assert head.headers["etag"] == full.headers["etag"]
        assert head.headers["content-length"] == str(len(full.content))
        assert head.headers["content-type"].startswith("image/png")
        again = client.get(url, headers={"If-None-Match": full.headers["etag"]})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == full.headers["etag"]
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
        assert client.head(url.rsplit("/", 1)[0] + "/missing.png").status_code == 404


def test_files_answer_if_modified_since(any_stack: Stack) -> None:
    """If-Modified-Since with the served Last-Modified (or later) gives 304, an earlier date 200, and
    If-None-Match wins when both are sent (RFC 9110 13.2.2): through the service on local disk, and
    after the redirect on S3."""
    url = confirmed_file_url(any_stack, "image/png", image_bytes("PNG"))
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        full = client.get(url)
        assert full.status_code == 200
        modified = full.headers["last-modified"]
        earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(hours=1), usegmt=True)
        for method in (client.get, client.head):
            again = method(url, headers={"If-Modified-Since": modified})
            assert again.status_code == 304, again.text
            assert again.headers["etag"] == full.headers["etag"]
            assert again.headers["last-modified"] == modified
            assert method(url, headers={"If-Modified-Since": earlier}).status_code == 200
    # Both: If-None-Match decides, whatever If-Modified-Since says. Seen at the service, not after
    # the redirect: moto (unlike S3) lets If-Modified-Since win when the client sends both again.
    whole = 302 if any_stack.core.storage.name == "s3" else 200
    with httpx.Client(timeout=30) as client:
        both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
        assert client.get(url, headers=both).status_code == whole
        both = {"If-None-Match": full.headers["etag"], "If-Modified-Since": earlier}
        assert client.get(url, headers=both).status_code == 304
        # A date that is not one, or later than now, is ignored.
        assert client.get(url, headers={"If-Modified-Since": "yesterday"}).status_code == whole
        future = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)
        assert client.get(url, headers={"If-Modified-Since": future}).status_code == whole


def _signed_for(url: str, method: str, credentials: Credentials, region: str) -> bool:
    """Whether a SigV4 query-signed URL's signature is the one `method` gets: botocore's signer
    signs the same URL, at the URL's own X-Amz-Date, for that method. (Its steps, not `add_auth`,
    which takes the clock's time: patching the clock missed botocore's `get_current_datetime`, so
    the check held only when it ran in the second the URL was signed.)"""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(query)["X-Amz-Signature"]
    unsigned = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if not k.startswith("X-Amz-")])))
    request = AWSRequest(method=method, url=unsigned)
    auth = S3SigV4QueryAuth(credentials, "s3", region, expires=int(dict(query)["X-Amz-Expires"]))
    request.context["timestamp"] = dict(query)["X-Amz-Date"]
    auth._modify_request_before_signing(request)
    signature = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    return bool(signature == given)


@pytest.mark.parametrize("any_stack", ["postgresql-s3"], indirect=True)
def test_s3_redirects_a_head_to_a_url_signed_for_head(any_stack: Stack) -> None:
    """Real S3 refuses a HEAD at a URL signed for GET (moto does not): the redirect of a HEAD is
    signed for HEAD, that of a GET for GET."""
    stack = any_stack
    url = confirmed_file_url(stack, "image/png", image_bytes("PNG"))
    storage = stack.core.storage
    client = storage.client  # type: ignore[attr-defined]
    credentials = client._request_signer._credentials.get_frozen_credentials()
    region = client.meta.region_name
    with httpx.Client(timeout=30) as http:
        for method in ("HEAD", "GET"):
            redirect = http.request(method, url)
            assert redirect.status_code == 302, redirect.text
            location = redirect.headers["location"]
            assert _signed_for(location, method, credentials, region), (method, location)
            other = "GET" if method == "HEAD" else "HEAD"
            assert not _signed_for(location, other, credentials, region)
            followed = http.request(method, location)
            assert followed.status_code == 200


def test_no_caller_looks_at_a_backends_class() -> None:
    """What differs between backends is behind the interface: outside storage/, nothing imports a
    backend's module (only make_storage chooses one)."""
    import ast
    from pathlib import Path

    import realtymedia

    root = Path(realtymedia.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.parent.name == "storage":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            backends = ("realtymedia.storage.local", "realtymedia.storage.s3")
            if isinstance(node, ast.ImportFrom) and node.module in backends:
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
            if isinstance(node, ast.Name) and node.id in ("LocalStorage", "S3Storage"):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
    endpoint = (root / "storage" / "endpoint.py").read_text()
    assert "isinstance" not in endpoint and "type: ignore" not in endpoint


def test_any_utf8_key_is_a_key(any_stack: Stack) -> None:
    """S3's keys are any UTF-8 of up to 1024 bytes, and `/` means nothing to S3: `a` and `a/b` are two
    keys, `../x` is a key. Every backend stores each as itself (the local one maps them onto disk)."""
    storage = any_stack.core.storage
    folder = f"contract/{uuid.uuid4()}/"
    names = ["a", "a/b", "a/b/c", "../../escaped", "/abs", "a\\..\\..\\b", "Küche €.jpg", "x" * 900, "sp ace/", "a//b"]
    for number, name in enumerate(names):
        storage.put(folder + name, f"{number}".encode(), "application/octet-stream")
    longest = "k" * (1024 - 3 * len("€".encode())) + "€" * 3  # 1024 bytes of UTF-8
    storage.put(longest, b"long", "application/octet-stream")
    for number, name in enumerate(names):
        with storage.open(folder + name) as stream:
            assert stream.read() == f"{number}".encode(), name
    with storage.open(longest) as stream:
        assert stream.read() == b"long"
    assert storage.list_keys(folder) == sorted(folder + name for name in names)
    assert storage.list_keys(folder + "a/") == sorted(folder + name for name in ("a/b", "a/b/c", "a//b"))
    storage.copy(folder + "a/b", folder + "a/b/c/d")
    with storage.open(folder + "a/b/c/d") as stream:
        assert stream.read() == b"1"
    for key in [*storage.list_keys(folder), longest]:
        storage.delete(key)
    assert storage.list_keys(folder) == []
    assert storage.head(longest) is None
