"""What a rendition is, and the interface an image library implements to make one."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import BinaryIO, Protocol


class Mode(enum.Enum):
    """The scale modes, named as IS24 names them."""

    SCALE = "SCALE"  # fit inside WIDTHxHEIGHT keeping the aspect ratio, never enlarged
    SCALE_AND_CROP = "SCALE_AND_CROP"  # exactly WIDTHxHEIGHT, filled and centre-cropped
    WHITE_FILLING = "WHITE_FILLING"  # exactly WIDTHxHEIGHT, the fitted picture centred on white


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    content_type: str


JPEG = Format("JPEG", "jpg", "image/jpeg")
WEBP = Format("WEBP", "webp", "image/webp")
AVIF = Format("AVIF", "avif", "image/avif")
# By the suffix a rendition URL ends with.
FORMATS = {f.extension: f for f in (JPEG, WEBP, AVIF)}


@dataclass(frozen=True)
class Spec:
    """One rendition of a picture: mode, the requested box, output format."""

    mode: Mode
    width: int
    height: int
    format: Format = JPEG

    @property
    def name(self) -> str:
        """As it appears in URLs and keys: `SCALE_AND_CROP/400x300.jpg`."""
        return f"{self.mode.value}/{self.width}x{self.height}.{self.format.extension}"


@dataclass(frozen=True)
class Rendered:
    data: bytes
    content_type: str
    width: int
    height: int


class RenditionFailed(Exception):
    """The source cannot be rendered (damaged, of a kind the engine refuses, too large)."""


class Engine(Protocol):
    def render(self, source: BinaryIO, spec: Spec) -> Rendered:
        """The rendition of the picture in `source`: upright (EXIF orientation applied), in sRGB,
        without any metadata. Raises RenditionFailed for a source it cannot render.

        Blocking and CPU-bound: call it off the event loop, within the caller's bounds."""
        ...


def fitted(width: int, height: int, box_width: int, box_height: int) -> tuple[int, int]:
    """The size of a width x height picture fitted inside the box, never enlarged."""
    scale = min(box_width / width, box_height / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def output_size(width: int, height: int, spec: Spec) -> tuple[int, int]:
    """The size of the rendition of an upright picture of width x height."""
    if spec.mode is Mode.SCALE:
        return fitted(width, height, spec.width, spec.height)
    return spec.width, spec.height
