"""Rendition URL templates, as both dialects hand them out."""

from __future__ import annotations

FORMATS = ("jpg", "webp", "avif")


def fill_template(template: str, width: int, height: int, format: str = "jpg") -> str:
    """The URL of one rendition: the template's `%WIDTH%` and `%HEIGHT%` replaced, and its `.jpg`
    suffix by `format` (jpg, webp or avif).

        fill_template(image.renditions["SCALE_AND_CROP"], 400, 300, "webp")
    """
    if width < 1 or height < 1:
        raise ValueError(f"width and height must be positive, not {width}x{height}")
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    url = template.replace("%WIDTH%", str(width)).replace("%HEIGHT%", str(height))
    if url.endswith(".jpg"):
        url = url[: -len(".jpg")] + "." + format
    return url
