"""What an image's own structure says decoding it will cost, read without decoding a pixel.

A decoder trusts the file: a GIF frame may be larger than the screen it declares (Pillow grows the
canvas to it), an animation may hold 600,000 frames, a progressive JPEG thousands of scans, each
of which walks every block of the image again. So before the decoder runs, the container is walked
(markers, blocks, chunks; compressed data is skipped, never inflated) and what it declares is
measured against the limits. A walk stops as soon as a limit is passed, so it is bounded too.

A file too damaged to walk is left to the decoder, which refuses it with its own reason.
"""

from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass

Buffer = bytes | memoryview | mmap.mmap


@dataclass(frozen=True)
class Shape:
    """The decoding work a file declares: the canvas every frame is decoded at, how many frames,
    and for JPEG how many scans (each one a pass over every block of the image)."""

    width: int
    height: int
    frames: int = 1
    scans: int = 1

    @property
    def pixels(self) -> int:
        return self.width * self.height


class TooCostly(Exception):
    """The structure passed a limit; the message says which, in words a client can act on."""


def shape(data: Buffer, fmt: str, max_frames: int, max_scans: int) -> Shape | None:
    """The shape of `data` (Pillow's format name), or None when the structure cannot be walked.

    Raises TooCostly as soon as the frames or scans pass their limit, before walking further.
    """
    walk = _WALKS.get(fmt)
    if walk is None:
        return None
    view = memoryview(data)
    try:
        return walk(view, max_frames, max_scans)
    except (IndexError, struct.error, ValueError):
        return None
    finally:
        view.release()  # the caller may close a mapped file at once, even after TooCostly


def _too_many_frames(max_frames: int) -> TooCostly:
    return TooCostly(f"an animation of more than {max_frames} frames, the most allowed")


# -- JPEG -------------------------------------------------------------------------------------

# Start-of-frame markers that carry the dimensions (not DHT C4, JPG C8, DAC CC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# In entropy-coded data 0xFF is followed by 0x00 (a stuffed byte) or a restart marker; anything
# else (after fill bytes) is the next marker. Written without a repetition (`\xff+`) so that the
# regular expression engine searches for its literal first byte (see docs/benchmarks.md); a match
# ends where `\xff+` followed by the same class would, at the marker's byte after its last 0xFF.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _jpeg(data: memoryview, max_frames: int, max_scans: int) -> Shape | None:
    """Markers of the first image up to its EOI (what a JPEG reader shows; MPO extras are never decoded)."""
    raw = data
    position, end = 2, len(raw)
    width = height = scans = 0
    while position + 4 <= end:
        if raw[position] != 0xFF:
            return None
        marker = raw[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # EOI
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            position += 2
            continue
        (length,) = struct.unpack_from(">H", raw, position + 2)
        if marker in _SOF:
            height, width = struct.unpack_from(">HH", raw, position + 5)
        position += 2 + length
        if marker == 0xDA:  # start of scan: its entropy-coded data runs to the next marker
            scans += 1
            if scans > max_scans:
                raise TooCostly(f"a JPEG of more than {max_scans} scans, the most allowed")
            found = _NEXT_MARKER.search(raw, position)
            if found is None:
                break
            position = found.end() - 2
    if not width or not height:
        return None
    return Shape(width, height, 1, max(scans, 1))


# -- GIF --------------------------------------------------------------------------------------


def _skip_sub_blocks(data: memoryview, position: int) -> int:
    while True:
        size = data[position]
        position += 1
        if size == 0:
            return position
        position += size


def _gif(data: memoryview, max_frames: int, max_scans: int) -> Shape | None:
    """The logical screen, grown to every frame's extent (as Pillow grows its canvas), and the frames."""
    width, height, packed = struct.unpack_from("<HHB", data, 6)
    position = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    frames = 0
    while position < len(data):
        block = data[position]
        if block == 0x2C:  # image descriptor
            left, top, frame_width, frame_height, packed = struct.unpack_from("<HHHHB", data, position + 1)
            frames += 1
            if frames > max_frames:
                raise _too_many_frames(max_frames)
            width, height = max(width, left + frame_width), max(height, top + frame_height)
            position += 10 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
            position = _skip_sub_blocks(data, position + 1)  # after the LZW code size
        elif block == 0x21:  # extension
            position = _skip_sub_blocks(data, position + 2)
        else:  # 0x3B, the trailer, or damage the decoder will name
            break
    if not frames:
        return None
    return Shape(width, height, frames)


# -- PNG and APNG -----------------------------------------------------------------------------


def _png(data: memoryview, max_frames: int, max_scans: int) -> Shape | None:
    """IHDR's size, grown to every fcTL frame's extent; frames by acTL and by fcTL, the larger."""
    position, end = 8, len(data)
    width = height = declared = frames = 0
    while position + 8 <= end:
        length, kind = struct.unpack_from(">I4s", data, position)
        body = position + 8
        if kind == b"IHDR":
            width, height = struct.unpack_from(">II", data, body)
        elif kind == b"acTL":
            (declared,) = struct.unpack_from(">I", data, body)
            if declared > max_frames:
                raise _too_many_frames(max_frames)
        elif kind == b"fcTL":
            frames += 1
            if frames > max_frames:
                raise _too_many_frames(max_frames)
            frame_width, frame_height, left, top = struct.unpack_from(">IIII", data, body + 4)
            width, height = max(width, left + frame_width), max(height, top + frame_height)
        elif kind == b"IEND":
            break
        position = body + length + 4
    if not width or not height:
        return None
    return Shape(width, height, max(declared, frames, 1))


# -- WebP -------------------------------------------------------------------------------------


def _u24(data: memoryview, position: int) -> int:
    return int(data[position]) | int(data[position + 1]) << 8 | int(data[position + 2]) << 16


def _webp(data: memoryview, max_frames: int, max_scans: int) -> Shape | None:
    """An animation's canvas (VP8X) and its ANMF frames; a still image is left to the decoder's header."""
    position, end = 12, min(len(data), 8 + struct.unpack_from("<I", data, 4)[0])
    width = height = frames = 0
    while position + 8 <= end:
        kind, length = struct.unpack_from("<4sI", data, position)
        body = position + 8
        if kind == b"VP8X":
            width, height = _u24(data, body + 4) + 1, _u24(data, body + 7) + 1
        elif kind == b"ANMF":
            frames += 1
            if frames > max_frames:
                raise _too_many_frames(max_frames)
            left, top = 2 * _u24(data, body), 2 * _u24(data, body + 3)
            frame_width, frame_height = _u24(data, body + 6) + 1, _u24(data, body + 9) + 1
            width, height = max(width, left + frame_width), max(height, top + frame_height)
        position = body + length + (length & 1)
    if not frames:
        return None
    return Shape(width, height, frames)


_WALKS = {"JPEG": _jpeg, "GIF": _gif, "PNG": _png, "WEBP": _webp}
