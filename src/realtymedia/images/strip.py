"""Metadata out of an original, pixels untouched: the container is rewritten, the image data copied.

A phone photo carries its GPS position, the camera's serial number and maker notes (EXIF), editing
history (XMP), captions and names (IPTC), comments, and sometimes a second picture after the end
of the first (MPF previews, with their own EXIF). What stays is what drawing the picture needs:
the coded image, its colour profile and, when the picture is turned, a new EXIF block holding the
orientation alone, so that it still displays upright. No decoder runs: nothing is re-encoded.
"""

from __future__ import annotations

import struct

from PIL import Image

ORIENTATION = 0x0112


class StripFailed(ValueError):
    """The container is damaged where it was parsed."""


def strip(data: bytes, content_type: str) -> bytes:
    """`data` without its metadata (JPEG, PNG, WebP, GIF); anything else is returned as it is."""
    try:
        if content_type == "image/jpeg":
            return _jpeg(data)
        if content_type == "image/png":
            return _png(data)
        if content_type == "image/webp":
            return _webp(data)
        if content_type == "image/gif":
            return _gif(data)
    except StripFailed:
        raise
    except (IndexError, ValueError, struct.error) as error:
        raise StripFailed(f"the {content_type} container is damaged ({type(error).__name__})") from None
    return data


def _orientation(exif: bytes) -> int:
    """The orientation an EXIF block (TIFF bytes, with or without the `Exif\\0\\0` prefix) holds."""
    try:
        parsed = Image.Exif()
        parsed.load(exif if exif.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + exif)
        value = int(parsed.get(ORIENTATION, 1))
    except Exception:  # a damaged block names no orientation
        return 1
    return value if 2 <= value <= 8 else 1


def _orientation_only(orientation: int) -> bytes:
    """An EXIF block holding nothing but the orientation, with the `Exif\\0\\0` prefix."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return bytes(exif.tobytes())


# -- JPEG -----------------------------------------------------------------------------------

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_APP0, _APP1, _APP2, _APP14, _APP15, _COM = 0xE0, 0xE1, 0xE2, 0xEE, 0xEF, 0xFE
_NO_LENGTH = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7


def _jpeg_keeps(marker: int, payload: bytes) -> bool:
    if marker == _COM:
        return False
    if _APP0 <= marker <= _APP15:
        # JFIF (its size and density), the ICC profile (colours), Adobe's (how to read CMYK/YCCK).
        return (
            (marker == _APP0 and payload.startswith(b"JFIF\x00"))
            or (marker == _APP2 and payload.startswith(b"ICC_PROFILE\x00"))
            or (marker == _APP14 and payload.startswith(b"Adobe"))
        )
    return True


def _jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise StripFailed("not a JPEG")
    out = bytearray(b"\xff\xd8")
    orientation = 1
    insert_at = 2
    pos, end = 2, len(data)
    in_scan = scanned = False
    while pos < end:
        if in_scan:
            # Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte), a restart marker or
            # fill bytes; anything else is the next marker.
            start = pos
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= end:  # no end marker: the scan runs to the end of the file
                    pos = end
                    break
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos += 2
                    continue
                if following == 0xFF:
                    pos += 1
                    continue
                break
            out += data[start:pos]
            in_scan = False
            if pos == end:
                break
        if data[pos] != 0xFF:
            raise StripFailed("a JPEG segment does not start with a marker")
        while data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            break  # what follows the picture (MPF previews, trailers) stays behind
        if marker in _NO_LENGTH or marker == _SOI:
            out += bytes((0xFF, marker))
            continue
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > end:
            raise StripFailed("a JPEG segment runs past the end of the file")
        payload = data[pos + 2 : pos + length]
        segment = data[pos - 2 : pos + length]
        pos += length
        if marker == _APP1 and payload.startswith(b"Exif\x00\x00") and orientation == 1:
            orientation = _orientation(payload)
        if marker == _APP0 and payload.startswith(b"JFIF\x00") and len(out) == 2:
            insert_at = 2 + len(segment)  # EXIF belongs after JFIF, before the rest
        if _jpeg_keeps(marker, payload):
            out += segment
        if marker == _SOS:
            in_scan = scanned = True
    if not scanned:
        raise StripFailed("the JPEG has no image data")
    out += b"\xff\xd9"
    if orientation != 1:
        exif = _orientation_only(orientation)
        out[insert_at:insert_at] = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    return bytes(out)


# -- PNG ------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Ancillary chunks that drawing the picture uses; any other ancillary chunk (text, times, EXIF,
# private chunks) goes. Critical chunks (upper-case first letter) always stay.
_PNG_KEEP = {b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP", b"mDCv", b"cLLi", b"sBIT", b"bKGD", b"pHYs",
             b"acTL", b"fcTL", b"fdAT"}  # fmt: skip


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    import zlib

    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise StripFailed("not a PNG")
    chunks: list[bytes] = []
    orientation = 1
    pos = len(_PNG_SIGNATURE)
    while True:
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if len(kind) < 4 or pos + 12 + length > len(data):
            raise StripFailed("a PNG chunk runs past the end of the file")
        chunk = data[pos : pos + 12 + length]
        payload = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"eXIf":
            orientation = _orientation(payload)
        if kind[0:1].isupper() or kind in _PNG_KEEP:
            if kind == b"IDAT" and orientation != 1 and not any(c[4:8] == b"eXIf" for c in chunks):
                chunks.append(_png_chunk(b"eXIf", _orientation_only(orientation)[6:]))
            chunks.append(chunk)
        if kind == b"IEND":
            return _PNG_SIGNATURE + b"".join(chunks)


# -- WebP -----------------------------------------------------------------------------------

_WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise StripFailed("not a WebP")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = min(len(data), 8 + riff_size)
    chunks: list[tuple[bytes, bytes]] = []
    orientation = 1
    pos = 12
    while pos + 8 <= end:
        kind = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if pos + 8 + size > end:
            raise StripFailed("a WebP chunk runs past the end of the file")
        payload = data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
        if kind == b"EXIF":
            orientation = _orientation(payload)
        if kind in _WEBP_KEEP:
            chunks.append((kind, payload))
    if orientation != 1:
        chunks.append((b"EXIF", _orientation_only(orientation)[6:]))
    body = bytearray(b"WEBP")
    for kind, payload in chunks:
        if kind == b"VP8X":
            flags = (payload[0] & ~(_VP8X_EXIF | _VP8X_XMP)) | (_VP8X_EXIF if orientation != 1 else 0)
            payload = bytes((flags,)) + payload[1:]
        body += kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")
    return b"RIFF" + struct.pack("<I", len(body)) + bytes(body)


# -- GIF ------------------------------------------------------------------------------------

_GIF_KEEP_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")  # the loop count


def _gif_sub_blocks(data: bytes, pos: int) -> int:
    """The position after a run of data sub-blocks starting at `pos`."""
    while True:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def _gif(data: bytes) -> bytes:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise StripFailed("not a GIF")
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    out = bytearray(data[:pos])
    while True:
        introducer = data[pos]
        if introducer == 0x3B:  # trailer
            out.append(0x3B)
            return bytes(out)
        if introducer == 0x2C:  # an image: descriptor, local colour table, LZW size, data
            local = data[pos + 9]
            start = pos
            pos += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            pos = _gif_sub_blocks(data, pos + 1)
            out += data[start:pos]
        elif introducer == 0x21:
            label = data[pos + 1]
            start = pos
            pos = _gif_sub_blocks(data, pos + 2)
            block = data[start:pos]
            comment = label == 0xFE
            application = label == 0xFF and block[3:14] not in _GIF_KEEP_APPLICATIONS
            if not (comment or application):
                out += block
        else:
            raise StripFailed("a GIF block of an unknown kind")
