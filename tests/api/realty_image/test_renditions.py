"""Renditions and originals of realty images over real HTTP, on both databases and storage backends."""

from __future__ import annotations

import asyncio
import io
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send
from tests.api.realty_image.conftest import Api, new_api
from tests.conftest import start_stack
from tests.support import Stack
from tests.unit.test_images import BLUE, GREEN, RED, SECRET, WHITE, colour, near, phone_jpeg

from realtymedia.api.pictures import StoredRenditions
from realtymedia.api.realty_image.errors import echoed
from realtymedia.storage.keys import rendition_prefix

ALL_SECRETS = (SECRET.encode(), b"PhoneMaker", b"http://ns.adobe.com/xap", b"GPS")


def filled(template: str, width: int, height: int, ext: str = "jpg") -> str:
    url = template.replace("%WIDTH%", str(width)).replace("%HEIGHT%", str(height))
    return url[: -len(".jpg")] + "." + ext


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def clean(data: bytes) -> None:
    for needle in ALL_SECRETS:
        assert needle not in data, needle
    image = decoded(data)
    assert not image.getexif().get_ifd(0x8825)  # no GPS
    assert not set(image.getexif()) - {0x0112}, dict(image.getexif())  # at most the orientation


def saved(api: Api, *contents: bytes) -> tuple[str, list[dict[str, Any]]]:
    realty = api.realty()
    response = api.save(realty, [api.upload(content) for content in contents])
    assert response.status_code == 200, response.text
    return realty, response.json()["realtyImages"]


def rendition_keys(stack: Stack, image_id: str) -> list[str]:
    return stack.core.storage.list_keys(rendition_prefix(image_id))


def test_the_three_modes_give_exact_sizes_upright(api: Api) -> None:
    # A portrait phone photo: stored 600x400 with EXIF orientation 6, upright 400x600.
    _, (image,) = saved(api, phone_jpeg(6, 400, 600))
    assert (image["width"], image["height"]) == (400, 600)
    templates = image["renditions"]
    assert set(templates) == {"SCALE", "SCALE_AND_CROP", "WHITE_FILLING"}
    cropped = decoded(httpx.get(filled(templates["SCALE_AND_CROP"], 400, 300), timeout=30).content)
    assert cropped.format == "JPEG" and cropped.size == (400, 300)
    padded = decoded(httpx.get(filled(templates["WHITE_FILLING"], 400, 300), timeout=30).content)
    assert padded.size == (400, 300)
    assert near(colour(padded, 0.05, 0.5), WHITE, 8) and near(colour(padded, 0.95, 0.5), WHITE, 8)
    assert near(colour(padded, 0.45, 0.5), RED) and near(colour(padded, 0.55, 0.5), BLUE)
    scaled = decoded(httpx.get(filled(templates["SCALE"], 400, 300), timeout=30).content)
    assert scaled.size == (200, 300)
    larger = decoded(httpx.get(filled(templates["SCALE"], 2000, 2000), timeout=30).content)
    assert larger.size == (400, 600)  # never enlarged


def test_every_orientation_is_upright_in_sizes_and_pixels(api: Api) -> None:
    _, images = saved(api, *[phone_jpeg(o, 300, 200) for o in range(1, 9)])
    for image in images:
        assert (image["width"], image["height"]) == (300, 200)
        out = decoded(httpx.get(filled(image["renditions"]["SCALE"], 150, 150), timeout=30).content)
        assert out.size == (150, 100)
        assert near(colour(out, 0.03, 0.05), GREEN) and near(colour(out, 0.3, 0.7), RED)
        assert near(colour(out, 0.8, 0.5), BLUE)


def test_no_metadata_survives_in_any_served_byte(api: Api, other: Api) -> None:
    uploaded = phone_jpeg(6, 300, 200, trailer=True)
    realty, (image,) = saved(api, uploaded)
    original = httpx.get(image["url"], timeout=30, follow_redirects=True).content
    clean(original)
    assert decoded(original).getexif()[0x0112] == 6  # still shows upright
    # Its pixels as uploaded: the same decode, nothing re-encoded.
    assert ImageChops.difference(decoded(original), decoded(uploaded)).getbbox() is None
    assert image["size"] == len(original)
    for ext in ("jpg", "webp", "avif"):
        for mode in ("SCALE", "SCALE_AND_CROP", "WHITE_FILLING"):
            response = httpx.get(filled(image["renditions"][mode], 120, 90, ext), timeout=30)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == {"jpg": "image/jpeg"}.get(ext, f"image/{ext}")
            clean(response.content)
            assert decoded(response.content).format == {"jpg": "JPEG"}.get(ext, ext.upper())
    # A copy carries the stripped bytes too.
    target = api.realty("copy")
    assert api.call("POST", f"/realty/{target}/images/copy", json={"sourceRealtyId": realty}).status_code == 200
    (copied,) = api.images(target)
    assert httpx.get(copied["url"], timeout=30, follow_redirects=True).content == original


@pytest.fixture
def keeping_api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    for stack in start_stack("sqlite-local", request, tmp_path_factory, keep_metadata=True):
        yield from new_api(stack)


def test_metadata_is_kept_when_the_setting_says_so(keeping_api: Api) -> None:
    uploaded = phone_jpeg(1)
    _, (image,) = saved(keeping_api, uploaded)
    assert httpx.get(image["url"], timeout=30).content == uploaded


def validators(response: httpx.Response) -> dict[str, str]:
    return {"If-None-Match": response.headers["etag"], "If-Modified-Since": response.headers["last-modified"]}


def test_head_304_and_range_of_a_rendition(api: Api) -> None:
    _, (image,) = saved(api, phone_jpeg(1, 600, 400))
    url = filled(image["renditions"]["SCALE_AND_CROP"], 210, 210, "webp")
    with httpx.Client(timeout=30) as http:
        full = http.get(url)
        assert full.status_code == 200
        assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert full.headers["x-content-type-options"] == "nosniff"
        assert full.headers["content-length"] == str(len(full.content))
        assert full.headers["etag"].startswith('"') and "last-modified" in full.headers
        head = http.head(url)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(full.content))
        assert head.headers["etag"] == full.headers["etag"]
        for name, value in validators(full).items():
            again = http.get(url, headers={name: value})
            assert again.status_code == 304 and again.content == b"", name
            assert again.headers["etag"] == full.headers["etag"]
        assert http.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
        assert_ranges(http, url, full.content)


def assert_ranges(http: httpx.Client, url: str, content: bytes) -> None:
    part = http.get(url, headers={"Range": "bytes=10-99"})
    assert part.status_code == 206 and part.content == content[10:100]
    assert part.headers["content-range"] == f"bytes 10-99/{len(content)}"
    tail = http.get(url, headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == content[-5:]
    beyond = http.get(url, headers={"Range": f"bytes={len(content) + 10}-"})
    assert beyond.status_code == 416


def test_head_304_and_range_of_an_original(api: Api) -> None:
    _, (image,) = saved(api, phone_jpeg(1, 600, 400))
    with httpx.Client(timeout=30, follow_redirects=True) as http:  # on S3 the bucket serves the bytes
        full = http.get(image["url"])
        assert full.status_code == 200 and len(full.content) == image["size"]
        head = http.head(image["url"])
        assert head.status_code == 200 and head.headers["content-length"] == str(image["size"])
        again = http.get(image["url"], headers={"If-None-Match": full.headers["etag"]})
        assert again.status_code == 304
        assert_ranges(http, image["url"], full.content)


def test_concurrent_first_requests_make_one_rendition(api: Api) -> None:
    _, (image,) = saved(api, phone_jpeg(1, 1200, 800))
    renditions = api.stack.core.renditions
    url = filled(image["renditions"]["SCALE_AND_CROP"], 400, 300, "webp")
    barrier = threading.Barrier(16)
    answers: list[httpx.Response] = []

    def fetch() -> None:
        barrier.wait()
        answers.append(httpx.get(url, timeout=60))

    threads = [threading.Thread(target=fetch) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 16
    assert len({a.content for a in answers}) == 1
    stored = [k for k in rendition_keys(api.stack, image["id"]) if "SCALE_AND_CROP-400x300" in k]
    assert len(stored) == 1 and stored[0].endswith(".webp")
    assert renditions.made[stored[0]] == 1


def test_a_delete_makes_every_url_404(api: Api) -> None:
    realty, (image,) = saved(api, phone_jpeg(1))
    urls = [filled(image["renditions"][mode], 240, 180, ext) for mode in image["renditions"] for ext in ("jpg", "webp")]
    assert all(httpx.get(url, timeout=30).status_code == 200 for url in urls)
    assert rendition_keys(api.stack, image["id"])
    assert api.call("DELETE", f"/realty/{realty}/images/{image['id']}").status_code == 200
    for url in [*urls, image["url"]]:
        response = httpx.get(url, timeout=30)
        assert response.status_code == 404, url
    gone = httpx.get(urls[0], timeout=30).json()
    assert gone["errorCode"] == "NOT_FOUND"
    assert rendition_keys(api.stack, image["id"]) == []


def test_bad_rendition_urls_are_refused_in_the_dialects_format(api: Api) -> None:
    _, (image,) = saved(api, phone_jpeg(1))
    template = image["renditions"]["SCALE"]
    for url, target in [
        (filled(template, 0, 100), "size"),
        (filled(template, 5000, 100), "size"),
        (filled(template, 100, 100, "gif"), "format"),
        (filled(template.replace("/SCALE/", "/STRETCH/"), 100, 100), "mode"),
    ]:
        response = httpx.get(url, timeout=30)
        assert response.status_code == 400, url
        body = response.json()
        assert body["errorCode"] == "BAD_REQUEST_PARAMETERS" and body["errors"][0]["target"] == target
    wrong_version = template.replace(f"/{image['sha256'][:12]}/", "/000000000000/")
    assert httpx.get(filled(wrong_version, 100, 100), timeout=30).status_code == 404
    unknown = template.replace(image["id"], str(uuid.uuid4()))
    assert httpx.get(filled(unknown, 100, 100), timeout=30).json()["errorCode"] == "NOT_FOUND"


def test_a_picture_that_cannot_be_rendered_is_a_clear_500(api: Api) -> None:
    _, (image,) = saved(api, phone_jpeg(1))
    core = api.stack.core
    from realtymedia.persistence.pictures import file_by_id

    with core.unit_of_work(write=False) as uow:
        stored = file_by_id(uow.connection, image["id"])
    assert stored is not None
    core.storage.put(stored.key, b"\xff\xd8\xff" + b"\x00" * 100, "image/jpeg")  # damaged behind our back
    response = httpx.get(filled(image["renditions"]["SCALE"], 111, 111), timeout=30)
    assert response.status_code == 500
    assert response.json()["errorCode"] == "TECHNICAL_ERROR" and "cannot be rendered" in response.json()["message"]


def test_unlisted_sizes_are_made_but_never_stored(api: Api) -> None:
    _, (image,) = saved(api, phone_jpeg(1, 600, 400))
    template = image["renditions"]["SCALE_AND_CROP"]
    listed = {tuple(map(int, s.split("x"))) for s in api.stack.settings.rendition_sizes}
    sizes = [(w, 100 + w % 7) for w in range(101, 131)]
    assert not listed & set(sizes)
    for width, height in sizes:
        response = httpx.get(filled(template, width, height), timeout=30)
        assert response.status_code == 200 and decoded(response.content).size == (width, height)
    kept = rendition_keys(api.stack, image["id"])  # the warm-up's, at most
    assert not [k for k in kept if any(f"-{w}x{h}-" in k for w, h in sizes)]
    assert all(any(f"-{w}x{h}-" in k for w, h in listed) for k in kept)


@pytest.fixture(scope="module")
def narrow(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One slot and no queue for sizes outside the list, as a worker under attack would have."""
    yield from start_stack(
        "sqlite-local", request, tmp_path_factory, rendition_unlisted_concurrency=1, rendition_unlisted_queue=1
    )


@pytest.fixture
def narrow_api(narrow: Stack) -> Iterator[Api]:
    yield from new_api(narrow)


def test_a_flood_of_unlisted_sizes_is_refused_and_starves_no_one(narrow_api: Api) -> None:
    api = narrow_api
    realty, (image,) = saved(api, phone_jpeg(1, 2400, 1600))
    template = image["renditions"]["SCALE_AND_CROP"]
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(12)

    def flood(index: int) -> None:
        barrier.wait()
        answers.append(httpx.get(filled(template, 1500 + index, 1000), timeout=60))

    threads = [threading.Thread(target=flood, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    # While the flood runs, a listed size and the API answer.
    listed = httpx.get(filled(template, 400, 300), timeout=60)
    listing = api.call("GET", f"/realty/{realty}/images")
    for thread in threads:
        thread.join()
    assert listed.status_code == 200 and decoded(listed.content).size == (400, 300)
    assert listing.status_code == 200
    refused = [a for a in answers if a.status_code == 503]
    assert refused and all(a.status_code in (200, 503) for a in answers)
    assert refused[0].headers["retry-after"] and refused[0].json()["errorCode"] == "TECHNICAL_ERROR"


def test_placeholders_and_warm_up(api: Api) -> None:
    realty, (image,) = saved(api, phone_jpeg(6, 300, 200))
    assert image["placeholder"].startswith("data:image/webp;base64,") and len(image["placeholder"]) < 400
    (listed,) = api.images(realty)
    assert listed["placeholder"] == image["placeholder"]
    # The warm-up sizes appear in storage without anyone asking for them.
    wanted = {name.replace("/", "-").split(".")[0] for name in api.stack.settings.rendition_warm}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        keys = rendition_keys(api.stack, image["id"])
        if all(any(w in k for k in keys) for w in wanted):
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"warm-up did not make {wanted}: {rendition_keys(api.stack, image['id'])}")


@pytest.mark.parametrize("stack", ["sqlite-local"], indirect=True)
def test_a_rendition_held_by_the_worker_is_answered_ahead_of_the_dialect(api: Api) -> None:
    """What makes a stored rendition cheap to serve (docs/renditions.md): once a worker has served it,
    GET, HEAD, Range and revalidations of it are answered by the layer ahead of the dialects' apps,
    after the one read that says the picture exists; a rendition not held, a bad URL and a deleted
    picture go on to the dialect. In process, over the stack's own Core (SQLite reads on any loop)."""
    realty, (image,) = saved(api, phone_jpeg(1, 600, 400))
    url = filled(image["renditions"]["SCALE_AND_CROP"], 400, 300, "webp")
    served = httpx.get(url, timeout=30)  # made (or fetched) by the dialect's route, then held
    assert served.status_code == 200
    core = api.stack.core
    prefix = core.settings.realty_image_base_path
    path = url[len(api.stack.url) :]
    reached: list[str] = []

    async def dialect(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["path"])
        await PlainTextResponse("the dialect", 599)(scope, receive, send)

    layer = StoredRenditions(dialect, core, [(prefix, "realty_image", echoed)])

    async def ask(*requests: tuple[str, str, dict[str, str]]) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=layer)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [await client.request(method, target, headers=headers) for method, target, headers in requests]

    before = core.renditions.made.total()
    full, head, part, again = asyncio.run(
        ask(
            ("GET", path, {"Request-ID": "r-1"}),
            ("HEAD", path, {}),
            ("GET", path, {"Range": "bytes=0-9"}),
            ("GET", path, {"If-None-Match": served.headers["etag"]}),
        )
    )
    assert reached == []
    assert full.status_code == 200 and full.content == served.content
    assert full.headers["request-id"] == "r-1"  # what the dialect puts on every answer
    for name in ("etag", "last-modified", "cache-control", "content-type", "content-length", "x-content-type-options"):
        assert full.headers[name] == served.headers[name], name
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == served.headers["etag"]
    assert part.status_code == 206 and part.content == served.content[:10]
    assert again.status_code == 304 and again.headers["etag"] == served.headers["etag"]
    assert core.renditions.made.total() == before  # nothing made, nothing fetched from storage

    not_held = path.replace("400x300", "401x300")
    bad = path.replace("SCALE_AND_CROP", "STRETCH")
    assert [r.status_code for r in asyncio.run(ask(("GET", not_held, {}), ("GET", bad, {})))] == [599, 599]
    assert reached == [not_held, bad]
    assert api.call("DELETE", f"/realty/{realty}/images/{image['id']}").status_code == 200
    (gone,) = asyncio.run(ask(("GET", path, {})))
    assert gone.status_code == 599 and reached[-1] == path  # the dialect's 404, never the held bytes


def _counted(text: str, series: str) -> float:
    """A series' value in Prometheus' text format (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


@pytest.mark.parametrize("stack", ["sqlite-local"], indirect=True)
@pytest.mark.parametrize("origins", [[], ["https://crm.example"]], ids=["no-cors", "cors"])
def test_a_held_rendition_answered_ahead_of_the_outer_layers_carries_the_same_headers_and_counts(
    api: Api, origins: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain GET of a rendition the worker holds is answered ahead of Dated, Observe, the security
    headers and CORS (api.pictures.Ahead): the same headers as the whole way gives (the first answer,
    made by the dialect's route, and a GET with a condition that does not hold, which goes the whole
    way), with the request counted in /metrics. In process, over the stack's own Core."""
    from realtymedia.app import create_app

    realty, (image,) = saved(api, phone_jpeg(1, 600, 400))
    core = api.stack.core
    settings = core.settings.model_copy(update={"cors_origins": origins, "metrics_token": "m-token"})
    monkeypatch.setattr(core, "settings", settings)
    app = create_app(core)
    monkeypatch.undo()
    path = filled(image["renditions"]["SCALE_AND_CROP"], 400, 300, "webp")[len(api.stack.url) :]
    route = core.settings.realty_image_base_path.rstrip("/") + "/pictures/{picture_id}/{version}/{mode}/{name}"
    series = f'realtymedia_requests_total{{dialect="realty_image",route="{route}",status="200"}}'

    async def ask() -> tuple[list[httpx.Response], list[str]]:
        transport = httpx.ASGITransport(app=app)
        answers, metrics = [], []
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for headers in (
                {"Request-ID": "r-1"},
                {"Request-ID": "r-2"},
                {"Request-ID": "r-3", "If-None-Match": '"another"'},
            ):
                metrics.append((await client.get("/metrics", headers={"Authorization": "Bearer m-token"})).text)
                answers.append(await client.get(path, headers=headers))
            metrics.append((await client.get("/metrics", headers={"Authorization": "Bearer m-token"})).text)
        return answers, metrics

    (first, later, whole_way), metrics = asyncio.run(ask())
    assert [a.status_code for a in (first, later, whole_way)] == [200, 200, 200]
    assert first.content == later.content == whole_way.content

    def comparable(answer: httpx.Response) -> list[tuple[str, str]]:
        return [(n, "" if n in ("date", "request-id") else v) for n, v in answer.headers.multi_items()]

    # Only the Date and the echoed Request-ID differ, and those are present on each.
    assert sorted(comparable(later)) == sorted(comparable(first))
    assert comparable(later) == comparable(whole_way)  # the very same list, in the same order
    assert later.headers["request-id"] == "r-2" and later.headers["date"]
    assert (
        later.headers["cache-control"] == first.headers["cache-control"]
        and "immutable" in later.headers["cache-control"]
    )
    assert ("vary" in later.headers) is bool(origins)
    counts = [_counted(text, series) for text in metrics]
    assert counts[1] - counts[0] == 1 and counts[2] - counts[1] == 1 and counts[3] - counts[2] == 1
    held = [_counted(text, "realtymedia_renditions_served_from_storage_total") for text in metrics]
    assert held[2] - held[1] == 1  # the later answer came from what the worker holds
    assert api.call("DELETE", f"/realty/{realty}/images/{image['id']}").status_code == 200
