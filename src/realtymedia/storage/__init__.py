"""Object storage: one small interface, a local-disk and an S3 backend."""

from realtymedia.storage.base import ObjectInfo, Storage, StorageError, UploadForm

__all__ = ["ObjectInfo", "Storage", "StorageError", "UploadForm", "make_storage"]


def make_storage(settings: "Settings") -> Storage:  # noqa: F821
    if settings.storage == "s3":
        from realtymedia.storage.s3 import S3Storage

        return S3Storage(settings)
    from realtymedia.storage.local import LocalStorage

    return LocalStorage(settings)
