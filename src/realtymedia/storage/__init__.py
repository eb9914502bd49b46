"""Object storage: one small interface, a local-disk and an S3 backend."""

from typing import TYPE_CHECKING

from realtymedia.storage.base import ObjectInfo, Storage, StorageError, UploadForm, usable_cores

if TYPE_CHECKING:
    from realtymedia.settings import Settings

__all__ = ["ObjectInfo", "Storage", "StorageError", "UploadForm", "make_storage", "usable_cores"]


def make_storage(settings: "Settings") -> Storage:
    if settings.storage == "s3":
        from realtymedia.storage.s3 import S3Storage

        return S3Storage(settings)
    from realtymedia.storage.local import LocalStorage

    return LocalStorage(settings)
