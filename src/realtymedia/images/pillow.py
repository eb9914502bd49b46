"""The engine on Pillow.

Decoding is the cost of a rendition: a JPEG is decoded at the smallest DCT scale (1/2, 1/4, 1/8)
that still covers the box (`draft`), so a 400x300 of a 12-megapixel photo decodes 1/8 of its
pixels; then the box, the crop and the resampling run on that, with `reducing_gap` doing most of
the shrinking by cheap box reduction before the final filter.
"""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO

from PIL import Image, ImageCms

from realtymedia.images.engine import JPEG, Mode, Rendered, RenditionFailed, Spec, fitted

# The decoders a stored picture may need; no other is ever tried on its bytes.
SOURCE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ORIENTATION = 0x0112
# Orientations 5-8 turn the stored pixels by a quarter: upright width and height swap.
TRANSPOSED = (5, 6, 7, 8)
WHITE = (255, 255, 255)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def orientation_of(image: Image.Image) -> int:
    try:
        value = int(image.getexif().get(ORIENTATION, 1))
    except Exception:  # a damaged EXIF block is no orientation
        return 1
    return value if 1 <= value <= 8 else 1


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """The pixels turned as the EXIF orientation says."""
    method = _TRANSPOSE.get(orientation)
    return image if method is None else image.transpose(method)


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def upright_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    return (height, width) if orientation_of(image) in TRANSPOSED else (width, height)


class PillowEngine:
    def __init__(self, quality: int = 82, max_pixels: int = 100_000_000) -> None:
        self.quality = quality
        self.max_pixels = max_pixels

    def render(self, source: BinaryIO, spec: Spec) -> Rendered:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                picture = self._upright(source, spec)
                picture = _to_srgb(picture)
                out = _shape(picture, spec)
                data = self._encode(out, spec)
        except RenditionFailed:
            raise
        except Exception as error:  # Pillow raises many types for broken files
            raise RenditionFailed(f"the picture cannot be rendered ({type(error).__name__})") from None
        return Rendered(data, spec.format.content_type, out.width, out.height)

    def _upright(self, source: BinaryIO, spec: Spec) -> Image.Image:
        image = Image.open(source, formats=SOURCE_FORMATS)
        width, height = image.size
        if width * height > self.max_pixels:
            raise RenditionFailed(f"the picture has {width}x{height} pixels, more than the {self.max_pixels} allowed")
        orientation = orientation_of(image)
        box = (height, width) if orientation in TRANSPOSED else (width, height)
        if image.format == "JPEG":
            # The smallest DCT scale whose pixels still cover what the box needs, in stored orientation.
            need_w, need_h = _needed(box, spec)
            if orientation in TRANSPOSED:
                need_w, need_h = need_h, need_w
            image.draft("RGB" if image.mode in ("RGB", "YCbCr") else image.mode, (need_w, need_h))
        image.load()  # the first frame of an animation only
        icc = image.info.get("icc_profile")
        turned = upright(image, orientation)
        if icc:
            turned.info["icc_profile"] = icc
        return turned

    def _encode(self, image: Image.Image, spec: Spec) -> bytes:
        image.info.clear()  # nothing of the source's metadata travels (AVIF would take its ICC profile)
        buffer = io.BytesIO()
        fmt = spec.format
        if fmt is JPEG:
            image = _flatten(image)
            image.save(buffer, "JPEG", quality=self.quality, progressive=True, optimize=True, exif=b"")
        elif fmt.name == "WEBP":
            image.save(buffer, "WEBP", quality=self.quality, method=4, exif=b"", xmp=b"")
        else:
            image.save(buffer, "AVIF", quality=max(1, self.quality - 20), speed=8, exif=b"", xmp=b"")
        return buffer.getvalue()


def _needed(upright: tuple[int, int], spec: Spec) -> tuple[int, int]:
    """The pixels of the upright picture that the rendition draws from, at its output scale."""
    width, height = upright
    if spec.mode is Mode.SCALE_AND_CROP:
        scale = max(spec.width / width, spec.height / height)
        return max(1, round(width * scale)), max(1, round(height * scale))
    return fitted(width, height, spec.width, spec.height)


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels in sRGB (a photo in Adobe RGB or Display P3 keeps its colours), in RGB or RGBA."""
    icc = image.info.get("icc_profile")
    if image.mode not in ("RGB", "RGBA"):
        has_alpha = image.mode in ("LA", "PA") or (image.mode == "P" and "transparency" in image.info)
        if icc and image.mode == "CMYK":
            image = _convert_profile(image, icc, "RGB")
            icc = None
        else:
            image = image.convert("RGBA" if has_alpha else "RGB")
    if icc:
        image = _convert_profile(image, icc, image.mode)
    return image


def _convert_profile(image: Image.Image, icc: bytes, mode: str) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image.convert(mode)  # an unreadable profile: the pixels as they are
    assert converted is not None
    return converted


def _shape(image: Image.Image, spec: Spec) -> Image.Image:
    width, height = image.size
    if spec.mode is Mode.SCALE_AND_CROP:
        # The centred part of the picture with the box's aspect ratio, resampled to the box.
        scale = max(spec.width / width, spec.height / height)
        crop_w, crop_h = spec.width / scale, spec.height / scale
        left, top = (width - crop_w) / 2, (height - crop_h) / 2
        box = (left, top, left + crop_w, top + crop_h)
        return image.resize((spec.width, spec.height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    size = fitted(width, height, spec.width, spec.height)
    fitted_image = image if size == image.size else image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if spec.mode is Mode.SCALE:
        return fitted_image
    canvas = Image.new("RGB", (spec.width, spec.height), WHITE)
    offset = ((spec.width - size[0]) // 2, (spec.height - size[1]) // 2)
    canvas.paste(fitted_image, offset, fitted_image if fitted_image.mode == "RGBA" else None)
    return canvas


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: transparent parts become white."""
    if image.mode != "RGBA":
        return image
    canvas = Image.new("RGB", image.size, WHITE)
    canvas.paste(image, (0, 0), image)
    return canvas
