"""Files on local disk. The service answers the upload forms itself (see storage.endpoint).

A key of the service's layout is stored at its own path under the bucket's folder (keys.is_layout_shaped:
those never collide as paths). Any other key, which is any UTF-8 up to 1024 bytes as on S3, is stored
under `.keys/` by its SHA-256, with its name beside it in `<hash>.name`: so `a` and `a/b` coexist, and
no key, `../x` or `/etc/passwd` or `a\\..\\b` alike, names a path outside the bucket's folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import boto3
from botocore.config import Config
from botocore.credentials import Credentials
from starlette.responses import FileResponse, Response

from realtymedia.settings import Settings
from realtymedia.storage.base import ObjectInfo, StorageError, UploadForm, usable_cores
from realtymedia.storage.conditional import KEPT_BY_304, not_modified
from realtymedia.storage.keys import MAX_KEY_BYTES, is_layout_shaped
from realtymedia.storage.presign import PostSigner
from realtymedia.storage.sessions import SessionIssuer

if TYPE_CHECKING:
    from starlette.routing import BaseRoute


MAPPED = ".keys"  # the folder of keys outside the layout; no layout key starts with a dot
NAME_SUFFIX = ".name"


class LocalStorage:
    name = "local"
    parallel = max(2, usable_cores())

    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.local_bucket
        self.region = settings.local_region
        self.access_key = settings.local_access_key
        self.secret_key = settings.resolved_local_secret_key
        self.max_upload_bytes = settings.max_upload_bytes
        self.root = settings.resolved_data_dir / "objects" / self.bucket
        self.incoming = settings.resolved_data_dir / "objects" / ".incoming"
        self.root.mkdir(parents=True, exist_ok=True)
        self.incoming.mkdir(parents=True, exist_ok=True)
        self._root, self._incoming = str(self.root), str(self.incoming)
        self._mapped = f"{self._root}/{MAPPED}"
        # Tickets are signed by botocore exactly as for S3; only the URL is ours.
        client = boto3.session.Session().client(
            "s3",
            region_name=self.region,
            endpoint_url="http://127.0.0.1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )
        self._signer = PostSigner(client, self.bucket, Credentials(self.access_key, self.secret_key))
        self.sessions = SessionIssuer(self.secret_key, settings.ticket_lifetime_seconds)

    # -- the interface ----------------------------------------------------------------------

    def presign_post(
        self, key: str, content_type: str | None, max_size: int, expires_in: int, base_url: str, extra: dict[str, str]
    ) -> UploadForm:
        credentials = self.sessions.current().frozen()
        post = self._signer.sign(key, content_type, max_size, expires_in, extra, credentials)
        return UploadForm(url=f"{base_url}/storage/{self.bucket}", fields=post["fields"])

    def head(self, key: str) -> ObjectInfo | None:
        try:
            return ObjectInfo(size=os.stat(self._file(key)).st_size)
        except FileNotFoundError:
            return None

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        try:
            with open(self._file(key), "rb") as f:
                yield f
        except FileNotFoundError:
            raise StorageError(f"no object {key}") from None

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target_file = self._file(key)
        tmp = os.path.join(self._incoming, f"{uuid.uuid4().hex}.put")
        try:
            with open(tmp, "wb") as f:
                f.write(data)
            self._place(tmp, key, target_file)
        except OSError as error:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
            raise StorageError(f"cannot store {key}: {error.strerror}") from None

    def copy(self, source: str, target: str, content_type: str | None = None) -> None:
        source_file, target_file = self._file(source), self._file(target)
        tmp = os.path.join(self._incoming, f"{uuid.uuid4().hex}.copy")
        try:
            try:
                # A hard link is a copy on this disk at no cost: objects are never changed in place.
                os.link(source_file, tmp)
            except FileNotFoundError:
                raise
            except OSError:
                shutil.copyfile(source_file, tmp)
            self._place(tmp, key=target, target_file=target_file)
        except OSError as error:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
            raise StorageError(f"cannot copy {source} to {target}: {error.strerror}") from None

    def delete(self, key: str) -> None:
        path = self._file(key)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        if path.startswith(self._mapped):
            with suppress(FileNotFoundError):
                os.unlink(path + NAME_SUFFIX)

    def list_keys(self, prefix: str) -> list[str]:
        found = []
        # Of the layout's keys, only the folder that holds every match is walked, not the whole bucket.
        start = os.path.join(self._root, prefix.rsplit("/", 1)[0]) if "/" in prefix else self._root
        for folder, dirs, files in os.walk(start):
            if folder == self._root:
                dirs[:] = [name for name in dirs if name != MAPPED]
            relative = os.path.relpath(folder, self._root)
            for name in files:
                key = name if relative == "." else f"{relative}/{name}"
                if key.startswith(prefix) and is_layout_shaped(key):
                    found.append(key)
        # Keys outside the layout (none of the service's own) are found by their names.
        for folder, _dirs, files in os.walk(self._mapped):
            for name in files:
                if name.endswith(NAME_SUFFIX):
                    mapped = _read_name(os.path.join(folder, name))
                    if mapped is not None and mapped.startswith(prefix) and os.path.exists(self._file(mapped)):
                        found.append(mapped)
        return sorted(found)

    def file_url(self, key: str, base_url: str) -> str:
        return f"{base_url}/files/{key}"

    def serve(
        self,
        key: str,
        content_type: str,
        headers: Mapping[str, str],
        request_headers: Mapping[str, str],
        method: str = "GET",
    ) -> Response | None:
        try:
            path = self._file(key)
            stat = os.stat(path)
        except (FileNotFoundError, StorageError):
            return None
        # Objects are never changed in place, so FileResponse's ETag (of mtime and size) is stable.
        response = FileResponse(path, media_type=content_type, headers=dict(headers), stat_result=stat)
        modified = datetime.fromtimestamp(stat.st_mtime, UTC)  # what FileResponse's Last-Modified says
        if not_modified(request_headers, response.headers["etag"], modified):
            kept = {name: value for name, value in response.headers.items() if name in KEPT_BY_304}
            return Response(status_code=304, headers=kept)
        return response

    def routes(self) -> list[BaseRoute]:
        from realtymedia.storage.endpoint import post_routes

        return post_routes(self)

    def remove_abandoned(self, older_than_seconds: float) -> int:
        # An upload in progress writes to .incoming and renames when complete; a killed server
        # leaves its part files behind. None is younger than the longest upload may take.
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.incoming.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed

    # -- for the POST endpoint --------------------------------------------------------------

    def path(self, key: str) -> Path:
        return Path(self._file(key))

    def _file(self, key: str) -> str:
        """The file of a key, as a string: pathlib's joins cost a byte-checked image a tenth of its time."""
        if is_layout_shaped(key):
            return f"{self._root}/{key}"
        try:
            encoded = key.encode()
        except UnicodeEncodeError:
            raise StorageError(f"key is not UTF-8: {key!r}") from None
        if not encoded or len(encoded) > MAX_KEY_BYTES:
            raise StorageError(f"key of {len(encoded)} bytes (1 to {MAX_KEY_BYTES} allowed)")
        digest = hashlib.sha256(encoded).hexdigest()
        return f"{self._mapped}/{digest[:2]}/{digest}"

    def _place(self, tmp: str, key: str, target_file: str) -> None:
        """Move a complete file to its key's path, atomically; a mapped key's name is written first,
        so that a key is listed once its object is there (a name without its object is not)."""
        if target_file.startswith(self._mapped):
            name_tmp = os.path.join(self._incoming, f"{uuid.uuid4().hex}.name")
            with open(name_tmp, "wb") as f:
                f.write(key.encode())
            self._replace(name_tmp, target_file + NAME_SUFFIX)
        self._replace(tmp, target_file)

    @staticmethod
    def _replace(tmp: str, target_file: str) -> None:
        try:
            os.replace(tmp, target_file)
        except FileNotFoundError:  # the target's folder is new
            os.makedirs(os.path.dirname(target_file), exist_ok=True)
            os.replace(tmp, target_file)

    def secret_for(self, access_key: str, token: str | None) -> str | None:
        """The secret of an access key: the long-lived one's, or a temporary one's with its token."""
        if access_key == self.access_key:
            return self.secret_key
        return self.sessions.secret_for(access_key, token)

    def new_incoming(self) -> Path:
        return self.incoming / f"{uuid.uuid4()}.part"

    def commit(self, incoming: Path, key: str) -> None:
        """Make a fully written file visible under its key, atomically."""
        self._place(str(incoming), key, self._file(key))


def _read_name(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read().decode()
    except FileNotFoundError:  # deleted meanwhile
        return None
