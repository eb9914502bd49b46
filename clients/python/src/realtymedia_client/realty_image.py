"""Client of the Realty Image API 2.0 dialect (bearer token, JSON, a Request-ID on every change)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from realtymedia_client._errors import (
    ErrorDetail,
    NotFound,
    RealtyMediaError,
    UploadFailed,
    UploadInterrupted,
    ValidationError,
    api_error,
)
from realtymedia_client._http import Connections, content_type_of, post_to_storage, with_retries
from realtymedia_client._models import Realty, RealtyImage, UploadForm

DEFAULT_PATH = "/realty-image/v2"


@dataclass(frozen=True)
class UploadEvent:
    """Progress of one file of a bulk upload. ``stage`` is

    - ``sending``: ``sent`` of ``total`` bytes went to storage;
    - ``sent``: all of it is in storage under ``form.key``, waiting for its turn to be saved
      (``form.expires_at`` says until when it can be saved: pass it back as ``reuse`` after an
      interruption);
    - ``saved``: ``image`` is the saved image (``reused``: saved from an earlier run's upload);
    - ``failed``: ``error`` says why;
    - ``interrupted``: the upload was stopped before this file was saved.
    """

    path: Path
    stage: str
    sent: int = 0
    total: int = 0
    image: RealtyImage | None = None
    error: Exception | None = None
    form: UploadForm | None = None
    reused: bool = False


class _Stopped(Exception):
    """Raised inside a storage POST to abort it when the upload is stopped."""


Descriptions = Sequence[str | None] | Mapping[str, str] | Callable[[Path], str | None] | None


class RealtyImageClient(Connections):
    """``RealtyImageClient("https://media.example.com", token)``; use it as a context manager or ``close()`` it.

    Every change carries its own Request-ID, which the service treats as an idempotency key: a
    retried call (after a timeout, a reset connection, 502-504, or a 429 after the wait its
    Retry-After names) is answered as the first was and changes nothing twice. That is what makes
    the retries here safe.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        path: str = DEFAULT_PATH,
        timeout: float = 60.0,
        retries: int = 3,
        parallel: int = 4,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/" + path.strip("/")
        self.parallel = max(1, parallel)
        super().__init__(
            timeout,
            retries,
            transport,
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    # -- plumbing -------------------------------------------------------------------------

    def _call(self, method: str, url: str, *, json: Any = None, params: Any = None, change: bool = True) -> Any:
        headers = {"Request-ID": str(uuid.uuid4())} if change else {}
        response = with_retries(
            lambda: self._http.request(method, url, json=json, params=params, headers=headers), self.retries
        )
        if response.status_code >= 400:
            raise _error(response)
        if not response.content:
            return {}
        return response.json()

    # -- realties -------------------------------------------------------------------------

    def create_realty(self, name: str = "") -> Realty:
        return Realty.from_json(self._call("POST", "/realty", json={"name": name} if name else {}))

    def realties(self) -> list[Realty]:
        return [Realty.from_json(item) for item in _list(self._call("GET", "/realty", change=False), "realties")]

    def realty(self, realty_id: str) -> Realty:
        return Realty.from_json(self._call("GET", f"/realty/{realty_id}", change=False))

    def rename(self, realty_id: str, name: str) -> Realty:
        """Give the realty a new name (one line, at most 200 characters); our addition to the dialect."""
        return Realty.from_json(self._call("PATCH", f"/realty/{realty_id}", json={"name": name}))

    def publish(self, realty_id: str) -> Realty:
        """Publish the realty and every image it holds now: those images can no longer be deleted."""
        return Realty.from_json(self._call("POST", f"/realty/{realty_id}/publish"))

    # -- images ---------------------------------------------------------------------------

    def images(self, realty_id: str) -> list[RealtyImage]:
        data = self._call("GET", f"/realty/{realty_id}/images", change=False)
        return [RealtyImage.from_json(item) for item in _list(data, "realtyImages")]

    def upload_grant(self, content_type: str) -> UploadForm:
        data = self._call("GET", "/uploadGrants", params={"type": content_type})
        return UploadForm(url=data["url"], fields=dict(data["fields"]), method=data.get("method", "POST"))

    def save(self, realty_id: str, uploaded: Sequence[tuple[str, str | None]]) -> list[RealtyImage]:
        """Save uploaded files, ``(key, description)`` each, after the realty's images, in this order."""
        body = {"uploadedImages": [_without_none({"key": key, "description": d}) for key, d in uploaded]}
        data = self._call("POST", f"/realty/{realty_id}/images", json=body)
        return [RealtyImage.from_json(item) for item in _list(data, "realtyImages")]

    def put_images(self, realty_id: str, items: Sequence[tuple[str, str | None]]) -> list[RealtyImage]:
        """The PUT itself: every image of the realty as ``(id, description)``, in the new order."""
        body = {"realtyImages": [_without_none({"id": image_id, "description": d}) for image_id, d in items]}
        self._call("PUT", f"/realty/{realty_id}/images", json=body)
        return self.images(realty_id)

    def reorder(self, realty_id: str, image_ids: Sequence[str]) -> list[RealtyImage]:
        """Put the images in this order (every image of the realty, each once); descriptions stay."""
        current = {image.id: image for image in self.images(realty_id)}
        return self.put_images(realty_id, [(i, current[i].description if i in current else None) for i in image_ids])

    def update(self, realty_id: str, descriptions: Mapping[str, str]) -> list[RealtyImage]:
        """Change the descriptions of some images (``{image id: description}``), one image at a time
        (``update_image``), so images another client adds or removes meanwhile never make it fail;
        the order stays. Returns every image of the realty as it is then."""
        for image_id, description in descriptions.items():
            self.update_image(realty_id, image_id, description=description)
        return self.images(realty_id)

    def update_image(
        self, realty_id: str, image_id: str, *, description: str | None = None, position: int | None = None
    ) -> RealtyImage:
        """Change one image on its own (our addition to the dialect): its ``description``, its
        ``position`` (from 0; the other images keep their order; past the end is last), or both.
        What is not given stays. Unlike ``update`` and ``reorder``, it does not need the whole list
        to be current, so images added or removed meanwhile (another client) never make it fail."""
        body = _without_none({"description": description, "position": position})
        if not body:
            raise ValueError("give a description, a position or both")
        return RealtyImage.from_json(self._call("PATCH", f"/realty/{realty_id}/images/{image_id}", json=body))

    def delete(self, realty_id: str, image_id: str) -> None:
        """Delete an image; a published one is refused with ``Conflict``."""
        self._call("DELETE", f"/realty/{realty_id}/images/{image_id}")

    def copy(self, realty_id: str, source_realty_id: str) -> list[RealtyImage]:
        """Copy every image of another realty of yours after this one's images."""
        self._call("POST", f"/realty/{realty_id}/images/copy", json={"sourceRealtyId": source_realty_id})
        return self.images(realty_id)

    # -- bulk upload ----------------------------------------------------------------------

    def upload_file(self, path: Path, on_bytes: Callable[[int, int], None] | None = None) -> str:
        """Get a grant and post one file straight to storage; returns the key to save."""
        return self.send_file(path, on_bytes).key

    def send_file(self, path: Path, on_bytes: Callable[[int, int], None] | None = None) -> UploadForm:
        """Get a grant and post one file straight to storage; returns the grant (its ``key`` to save,
        its ``expires_at``)."""
        content_type = content_type_of(path)
        grant = self.upload_grant(content_type)
        post_to_storage(self._storage, grant.url, grant.fields, path, content_type, on_bytes, self.retries)
        return grant

    def upload(
        self,
        realty_id: str,
        paths: Iterable[str | Path],
        descriptions: Descriptions = None,
        *,
        parallel: int | None = None,
        progress: Callable[[UploadEvent], None] | None = None,
        stop: threading.Event | None = None,
        reuse: Mapping[Path, str] | None = None,
    ) -> list[RealtyImage]:
        """Upload many files and save them after the realty's images, in the given order.

        Files go to storage in parallel (at most ``parallel`` at once); each is saved as soon as it
        and every file before it are done, so an interrupted upload leaves a prefix of the files
        saved, in order. A file that fails does not stop the others; if any failed, ``UploadFailed``
        is raised at the end with the saved images and the reason of each failure.

        Setting ``stop`` (from a signal handler, another thread) stops the upload cleanly: a save on
        its way is finished, nothing more is saved, storage POSTs under way are aborted, and
        ``UploadInterrupted`` says what was saved and what was not. ``reuse`` maps files to the key of
        an earlier upload of theirs (a ``sent`` event's ``form.key``) whose grant is still valid: they
        are saved without being sent again, or sent again if the service no longer has that upload.
        """
        files = [Path(p) for p in paths]
        describe = _describer(files, descriptions)
        notify = progress or (lambda event: None)
        stopping = stop or threading.Event()
        earlier = dict(reuse or {})
        saved: list[RealtyImage] = []
        failures: dict[Path, Exception] = {}
        interrupted: list[Path] = []

        def on_bytes(path: Path) -> Callable[[int, int], None]:
            def report(sent: int, total: int) -> None:
                if stopping.is_set():
                    raise _Stopped
                notify(UploadEvent(path, "sending", sent, total))

            return report

        def store(path: Path) -> str:
            if stopping.is_set():
                raise _Stopped
            form = self.send_file(path, on_bytes(path))
            size = path.stat().st_size
            notify(UploadEvent(path, "sent", size, size, form=form))
            return form.key

        def save_earlier(path: Path) -> tuple[RealtyImage, bool]:
            try:
                return self.save(realty_id, [(earlier[path], describe(path))])[-1], True
            except (ValidationError, NotFound):
                # That upload is gone (expired, cleaned up, or saved meanwhile from elsewhere): send again.
                return self.save(realty_id, [(store(path), describe(path))])[-1], False

        with ThreadPoolExecutor(max_workers=parallel or self.parallel, thread_name_prefix="realty-upload") as pool:
            futures: dict[Path, Future[str]] = {p: pool.submit(store, p) for p in files if p not in earlier}
            try:
                for path in files:
                    if stopping.is_set():
                        interrupted.append(path)
                        continue
                    try:
                        if path in earlier:
                            image, reused = save_earlier(path)
                        else:
                            key = futures[path].result()
                            if stopping.is_set():
                                interrupted.append(path)
                                continue
                            image, reused = self.save(realty_id, [(key, describe(path))])[-1], False
                    except _Stopped:
                        interrupted.append(path)
                        continue
                    except (RealtyMediaError, OSError) as error:
                        failures[path] = error
                        notify(UploadEvent(path, "failed", error=error))
                        continue
                    saved.append(image)
                    size = path.stat().st_size
                    notify(UploadEvent(path, "saved", size, size, image=image, reused=reused))
            finally:
                for future in futures.values():
                    future.cancel()
        for path in interrupted:
            notify(UploadEvent(path, "interrupted"))
        if interrupted:
            raise UploadInterrupted(saved, failures, interrupted)
        if failures:
            raise UploadFailed(saved, failures)
        return saved


def _describer(files: list[Path], descriptions: Descriptions) -> Callable[[Path], str | None]:
    if descriptions is None:
        return lambda path: None
    if callable(descriptions):
        return descriptions
    if isinstance(descriptions, Mapping):
        table = descriptions
        return lambda path: table.get(str(path), table.get(path.name))
    by_path = dict(zip(files, descriptions, strict=True))
    return lambda path: by_path.get(path)


def _without_none(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None}


def _list(data: Any, name: str) -> list[Any]:
    """The list a response carries, under its name or as the body itself."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get(name), list):
            return list(data[name])
        for value in data.values():
            if isinstance(value, list):
                return value
    return []


def _error(response: httpx.Response) -> Exception:
    request_id = response.headers.get("Request-ID")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return api_error(response.status_code, f"HTTP_{response.status_code}", response.text[:300], (), request_id)
    details = [
        ErrorDetail(code=str(e.get("errorCode", "")), message=str(e.get("message", "")), target=e.get("target"))
        for e in body.get("errors") or []
        if isinstance(e, dict)
    ]
    code = str(body.get("errorCode") or f"HTTP_{response.status_code}")
    return api_error(response.status_code, code, str(body.get("message") or ""), details, request_id)
