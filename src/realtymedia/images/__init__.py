"""The image engine port: renditions of stored pictures, placeholders, metadata removal.

`engine` names what a rendition is (mode, size, format) and the interface an image library
implements; `pillow` is that implementation. `strip` removes metadata from an original without
touching its pixels, and `placeholder` makes the tiny preview a gallery draws before any picture.
Nothing here knows of HTTP, the database or storage: bytes in, bytes out.
"""

from realtymedia.images.engine import (
    FORMATS,
    Engine,
    Format,
    Mode,
    Rendered,
    RenditionFailed,
    Spec,
)

__all__ = ["FORMATS", "Engine", "Format", "Mode", "Rendered", "RenditionFailed", "Spec", "make_engine"]


def make_engine(quality: int = 82, max_pixels: int = 100_000_000) -> Engine:
    """The engine in use (one library today; the port lets it change without touching callers)."""
    from realtymedia.images.pillow import PillowEngine

    return PillowEngine(quality=quality, max_pixels=max_pixels)
