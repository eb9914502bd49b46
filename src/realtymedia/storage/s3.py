"""AWS S3, MinIO or Ceph, through boto3. botocore's errors become the interface's own."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC
from email.utils import format_datetime
from typing import TYPE_CHECKING, BinaryIO

import boto3
from botocore.config import Config
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError
from starlette.responses import RedirectResponse, Response

from realtymedia.settings import Settings
from realtymedia.storage.base import ObjectInfo, StorageError, UploadForm
from realtymedia.storage.conditional import KEPT_BY_304, not_modified
from realtymedia.storage.presign import PostSigner

if TYPE_CHECKING:
    from starlette.routing import BaseRoute


class S3Storage:
    name = "s3"
    parallel = 16

    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.s3_bucket
        self.public_url = settings.s3_public_url.rstrip("/")
        session = boto3.session.Session()
        self.client = session.client(
            "s3",
            region_name=settings.s3_region,
            endpoint_url=settings.s3_endpoint_url or None,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key or None,
            aws_session_token=settings.s3_session_token or None,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": settings.s3_addressing_style},
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=50,
            ),
        )
        credentials = (
            Credentials(settings.s3_access_key_id, settings.s3_secret_access_key, settings.s3_session_token or None)
            if settings.s3_access_key_id
            else session.get_credentials()  # the default chain (environment, profile, instance role)
        )
        if credentials is not None and credentials.get_frozen_credentials().token is None and settings.s3_form_sessions:
            credentials = _session_credentials(session, settings, credentials)
        self._signer = PostSigner(self.client, self.bucket, credentials)

    def presign_post(
        self, key: str, content_type: str | None, max_size: int, expires_in: int, base_url: str, extra: dict[str, str]
    ) -> UploadForm:
        post = self._signer.sign(key, content_type, max_size, expires_in, extra)
        return UploadForm(url=str(post["url"]), fields=post["fields"])

    def head(self, key: str) -> ObjectInfo | None:
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageError(str(error)) from error
        except BotoCoreError as error:
            raise StorageError(str(error)) from error
        return ObjectInfo(size=int(response["ContentLength"]))

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        # Spooled: small files stay in memory, large ones go to a temporary file, never whole in memory.
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            try:
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
                shutil.copyfileobj(body, spool, 1024 * 1024)
            except (ClientError, BotoCoreError) as error:
                raise StorageError(str(error)) from error
            spool.seek(0)
            yield spool  # type: ignore[misc]

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        except (ClientError, BotoCoreError) as error:
            raise StorageError(str(error)) from error

    def copy(self, source: str, target: str, content_type: str | None = None) -> None:
        typed: dict[str, str] = {"MetadataDirective": "REPLACE", "ContentType": content_type} if content_type else {}
        try:
            self.client.copy_object(
                Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}, **typed
            )
        except (ClientError, BotoCoreError) as error:
            raise StorageError(str(error)) from error

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as error:
            raise StorageError(str(error)) from error

    def list_keys(self, prefix: str) -> list[str]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
        except (ClientError, BotoCoreError) as error:
            raise StorageError(str(error)) from error

    def file_url(self, key: str, base_url: str) -> str:
        if self.public_url:
            return f"{self.public_url}/{key}"
        return f"{base_url}/files/{key}"

    def serve(
        self,
        key: str,
        content_type: str,
        headers: Mapping[str, str],
        request_headers: Mapping[str, str],
        method: str = "GET",
    ) -> Response | None:
        # A conditional request is answered here, against the object's own validators (those the
        # bucket sends with its 200): S3-compatible servers differ in which condition wins (moto
        # lets If-Modified-Since win over If-None-Match, against RFC 9110 13.2.2).
        if "if-none-match" in request_headers or "if-modified-since" in request_headers:
            try:
                found = self.client.head_object(Bucket=self.bucket, Key=key)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise StorageError(str(error)) from error
            except BotoCoreError as error:
                raise StorageError(str(error)) from error
            etag, modified = str(found["ETag"]), found["LastModified"].astimezone(UTC)
            if not_modified(request_headers, etag, modified):
                validators = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
                kept = {name: value for name, value in headers.items() if name.lower() in KEPT_BY_304}
                return Response(status_code=304, headers={**kept, **validators})
        # Otherwise the bucket serves the bytes at a short-lived signed URL that sets the type and
        # disposition the service checked; the redirect is not cached long. A URL is signed for
        # one method: a HEAD goes to one signed for HEAD (head_object), which S3 requires.
        params = {"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type}
        disposition = headers.get("Content-Disposition")
        if disposition:
            params["ResponseContentDisposition"] = disposition
        operation = "head_object" if method == "HEAD" else "get_object"
        try:
            url = self.client.generate_presigned_url(operation, Params=params, ExpiresIn=300)
        except (ClientError, BotoCoreError) as error:
            raise StorageError(str(error)) from error
        return RedirectResponse(str(url), status_code=302, headers={"Cache-Control": "private, max-age=60"})

    def routes(self) -> list[BaseRoute]:
        return []

    def remove_abandoned(self, older_than_seconds: float) -> int:
        return 0  # S3 makes a POSTed object visible only when complete, and keeps no part of a failed one


def _session_credentials(session: boto3.session.Session, settings: Settings, static: Credentials) -> Credentials:
    """Temporary credentials from STS (GetSessionToken) for signing forms, as the vendors sign theirs:
    a form then carries an X-Amz-Security-Token and outlives no session. botocore renews them before
    they expire (the PostSigner's thread asks it to)."""
    frozen = static.get_frozen_credentials()
    sts = session.client(
        "sts",
        region_name=settings.s3_region,
        endpoint_url=settings.s3_sts_endpoint_url or None,
        aws_access_key_id=frozen.access_key,
        aws_secret_access_key=frozen.secret_key,
    )

    def fetch() -> dict[str, str]:
        issued = sts.get_session_token(DurationSeconds=settings.s3_form_session_seconds)["Credentials"]
        return {
            "access_key": issued["AccessKeyId"],
            "secret_key": issued["SecretAccessKey"],
            "token": issued["SessionToken"],
            "expiry_time": issued["Expiration"].isoformat(),
        }

    try:
        return RefreshableCredentials.create_from_metadata(fetch(), fetch, "sts-get-session-token")
    except (ClientError, BotoCoreError) as error:
        raise StorageError(
            f"cannot get temporary credentials from STS for signing upload forms ({error}); "
            "set REALTYMEDIA_S3_FORM_SESSIONS=false where the S3 service has no STS"
        ) from error
