"""The image engine, metadata removal and placeholders, on pictures built here."""

from __future__ import annotations

import base64
import io
import struct

import pytest
from PIL import Image, ImageChops, ImageCms

from realtymedia.images import FORMATS, Mode, RenditionFailed, Spec, make_engine
from realtymedia.images.placeholder import placeholder
from realtymedia.images.strip import strip

RED, BLUE, GREEN, WHITE = (255, 0, 0), (0, 0, 255), (0, 160, 0), (255, 255, 255)
# How to store an upright picture so that EXIF orientation N turns it back (the inverse of N's turn).
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
SECRET = "Lat 60.1699 secret-serial-4711"


def upright_picture(width: int = 300, height: int = 200) -> Image.Image:
    """Left half red, right half blue, a green block at the top-left corner: every turn shows."""
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    image.paste(GREEN, (0, 0, width // 10, height // 5))
    return image


def exif_block(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0xA431] = SECRET  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (60.0, 10.0, 11.6)
    return exif


def phone_jpeg(orientation: int = 1, width: int = 300, height: int = 200, *, trailer: bool = False) -> bytes:
    image = upright_picture(width, height)
    turn = STORED_AS[orientation]
    if turn is not None:
        image = image.transpose(turn)
    buffer = io.BytesIO()
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>{SECRET}</rdf:Description></x:xmpmeta>'
    image.save(buffer, "JPEG", quality=95, exif=exif_block(orientation), comment=SECRET, xmp=xmp.encode())
    data = buffer.getvalue()
    if trailer:  # a second picture after the first, as MPF previews are, with its own EXIF
        data += phone_jpeg(1, 32, 32)
    return data


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def colour(image: Image.Image, x: float, y: float) -> tuple[int, ...]:
    pixel = image.convert("RGB").getpixel((int(x * (image.width - 1)), int(y * (image.height - 1))))
    assert isinstance(pixel, tuple)
    return pixel


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def no_metadata(data: bytes) -> None:
    for needle in (SECRET.encode(), b"PhoneMaker", b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"ICC_PROFILE"):
        assert needle not in data, needle
    image = decoded(data)
    assert not image.getexif(), dict(image.getexif())
    assert not {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & set(image.info), image.info


engine = make_engine(quality=80)


def render(data: bytes, mode: Mode, width: int, height: int, ext: str = "jpg") -> Image.Image:
    rendered = engine.render(io.BytesIO(data), Spec(mode, width, height, FORMATS[ext]))
    no_metadata(rendered.data)
    image = decoded(rendered.data)
    assert image.size == (rendered.width, rendered.height)
    assert rendered.content_type == FORMATS[ext].content_type
    return image


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation: int) -> None:
    image = render(phone_jpeg(orientation), Mode.SCALE, 150, 150)
    assert image.size == (150, 100)
    assert near(colour(image, 0.03, 0.05), GREEN)
    assert near(colour(image, 0.3, 0.7), RED)
    assert near(colour(image, 0.8, 0.5), BLUE)


def test_scale_fits_inside_and_never_enlarges() -> None:
    source = phone_jpeg(6, 300, 200)  # stored 200x300, upright 300x200
    assert render(source, Mode.SCALE, 100, 100).size == (100, 67)
    assert render(source, Mode.SCALE, 1000, 1000).size == (300, 200)
    assert render(source, Mode.SCALE, 60, 2000).size == (60, 40)


def test_scale_and_crop_fills_exactly_from_the_centre() -> None:
    image = render(phone_jpeg(1, 300, 200), Mode.SCALE_AND_CROP, 100, 100)
    assert image.size == (100, 100)
    # 300x200 cropped to its centre 200x200: the green corner block (the first 30 pixels) is cut off.
    assert near(colour(image, 0.02, 0.02), RED)
    assert near(colour(image, 0.98, 0.5), BLUE)
    assert render(phone_jpeg(1, 300, 200), Mode.SCALE_AND_CROP, 400, 300).size == (400, 300)


def test_white_filling_pads_the_fitted_picture_with_white() -> None:
    image = render(phone_jpeg(1, 300, 100), Mode.WHITE_FILLING, 200, 200)
    assert image.size == (200, 200)
    assert near(colour(image, 0.5, 0.05), WHITE, 8)  # above the 200x67 picture
    assert near(colour(image, 0.5, 0.95), WHITE, 8)  # below it
    assert near(colour(image, 0.25, 0.5), RED)
    # Never enlarged: a small picture sits in the middle of a large box.
    small = render(phone_jpeg(1, 30, 20), Mode.WHITE_FILLING, 400, 300)
    assert small.size == (400, 300)
    assert near(colour(small, 0.1, 0.5), WHITE, 8)


@pytest.mark.parametrize("ext", ["webp", "avif"])
def test_webp_and_avif_decode(ext: str) -> None:
    image = render(phone_jpeg(8), Mode.SCALE_AND_CROP, 120, 90, ext)
    assert image.format == ext.upper() and image.size == (120, 90)
    assert near(colour(image, 0.8, 0.5), BLUE, 60)


def test_jpeg_is_progressive() -> None:
    rendered = engine.render(io.BytesIO(phone_jpeg()), Spec(Mode.SCALE, 200, 200))
    assert decoded(rendered.data).info.get("progressive") or decoded(rendered.data).info.get("progression")


def test_transparent_png_gets_white_behind_it_in_jpeg() -> None:
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (50, 0, 100, 100))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    out = render(buffer.getvalue(), Mode.SCALE, 50, 50)
    assert near(colour(out, 0.1, 0.5), WHITE, 8) and near(colour(out, 0.9, 0.5), BLUE)


def test_a_damaged_picture_is_refused() -> None:
    with pytest.raises(RenditionFailed):
        engine.render(io.BytesIO(phone_jpeg()[:300]), Spec(Mode.SCALE, 100, 100))
    with pytest.raises(RenditionFailed):
        engine.render(io.BytesIO(b"<svg/>"), Spec(Mode.SCALE, 100, 100))


def test_a_picture_beyond_the_pixel_bound_is_refused() -> None:
    small = make_engine(max_pixels=1000)
    with pytest.raises(RenditionFailed, match="more than the 1000"):
        small.render(io.BytesIO(phone_jpeg()), Spec(Mode.SCALE, 10, 10))


# -- metadata out of originals --------------------------------------------------------------


def same_pixels(a: bytes, b: bytes) -> bool:
    first, second = decoded(a), decoded(b)
    return (
        first.size == second.size
        and ImageChops.difference(first.convert("RGBA"), second.convert("RGBA")).getbbox() is None
    )


@pytest.mark.parametrize("orientation", [1, 6])
def test_jpeg_loses_its_metadata_and_keeps_its_pixels_and_orientation(orientation: int) -> None:
    original = phone_jpeg(orientation, trailer=True)
    stripped = strip(original, "image/jpeg")
    assert SECRET.encode() not in stripped and b"PhoneMaker" not in stripped and b"adobe" not in stripped
    assert stripped.count(b"\xff\xd8") == 1  # the second picture after the first is gone
    assert same_pixels(original, stripped)
    exif = decoded(stripped).getexif()
    assert dict(exif) == ({0x0112: orientation} if orientation != 1 else {})
    assert not exif.get_ifd(0x8825)
    # The coded image is the same bytes: nothing was re-encoded.
    scan = original.index(b"\xff\xda")
    assert original[scan : original.index(b"\xff\xd9", scan)] in stripped


def test_progressive_jpeg_keeps_every_scan() -> None:
    buffer = io.BytesIO()
    upright_picture().save(buffer, "JPEG", progressive=True, exif=exif_block(3), comment=SECRET)
    stripped = strip(buffer.getvalue(), "image/jpeg")
    assert SECRET.encode() not in stripped and same_pixels(buffer.getvalue(), stripped)
    assert decoded(stripped).getexif()[0x0112] == 3


def test_png_loses_text_and_exif_and_keeps_its_pixels() -> None:
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SECRET)
    text.add_itxt("XML:com.adobe.xmp", SECRET)
    buffer = io.BytesIO()
    upright_picture().transpose(Image.Transpose.ROTATE_90).save(buffer, "PNG", pnginfo=text, exif=exif_block(6))
    stripped = strip(buffer.getvalue(), "image/png")
    assert SECRET.encode() not in stripped and b"PhoneMaker" not in stripped
    assert same_pixels(buffer.getvalue(), stripped)
    assert dict(decoded(stripped).getexif()) == {0x0112: 6}


def test_webp_loses_exif_and_xmp_and_keeps_its_pixels() -> None:
    buffer = io.BytesIO()
    upright_picture().save(buffer, "WEBP", lossless=True, exif=exif_block(1), xmp=SECRET.encode())
    stripped = strip(buffer.getvalue(), "image/webp")
    assert SECRET.encode() not in stripped and b"PhoneMaker" not in stripped
    assert same_pixels(buffer.getvalue(), stripped)
    assert not decoded(stripped).getexif()


def test_gif_loses_its_comments() -> None:
    buffer = io.BytesIO()
    upright_picture().convert("P").save(buffer, "GIF", comment=SECRET.encode())
    stripped = strip(buffer.getvalue(), "image/gif")
    assert SECRET.encode() in buffer.getvalue() and SECRET.encode() not in stripped
    assert same_pixels(buffer.getvalue(), stripped)


# -- placeholders ---------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", [1, 6])
def test_placeholder_is_a_tiny_upright_webp(orientation: int) -> None:
    source = decoded(phone_jpeg(orientation))
    uri = placeholder(source)
    assert uri.startswith("data:image/webp;base64,") and len(uri) < 400
    image = decoded(base64.b64decode(uri.split(",", 1)[1]))
    assert image.size == (16, 11)
    assert near(colour(image, 0.1, 0.8), RED, 70) and near(colour(image, 0.9, 0.5), BLUE, 70)


# A wide-gamut profile as cameras and phones tag photos with: Display P3's primaries (adapted to
# D50, as ICC profiles hold them) and a gamma of 2.2 (563/256 as the profile stores it). Written
# here as bytes (an ICC v2 matrix/TRC display profile): Pillow can only create sRGB, LAB and XYZ.
P3_COLORANTS = ((0.5151, 0.2412, -0.0011), (0.2920, 0.6922, 0.0419), (0.1571, 0.0666, 0.7841))
P3_GAMMA = 563 / 256
# XYZ (D50) to linear sRGB: the inverse of sRGB's D50-adapted colorants (what littlecms' sRGB uses).
XYZ_TO_SRGB = ((3.1338561, -1.6168667, -0.4906146), (-0.9787684, 1.9161415, 0.0334540),
               (0.0719453, -0.2289914, 1.4052427))  # fmt: skip


def display_p3_profile() -> bytes:
    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(values: tuple[float, ...]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(v) for v in values)

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(P3_GAMMA * 256)) + b"\0\0"
    name = b"Display P3 (test)\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(name)) + name + b"\0" * (8 + 3 + 67)
    desc += b"\0" * (-len(desc) % 4)
    d50 = (0.9642, 1.0, 0.8249)
    (rx, ry, rz), (gx, gy, gz), (bx, by, bz) = P3_COLORANTS
    tags = [
        (b"desc", desc), (b"cprt", b"text\0\0\0\0none\0\0\0\0"), (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz((rx, ry, rz))), (b"gXYZ", xyz((gx, gy, gz))), (b"bXYZ", xyz((bx, by, bz))),
        (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve),
    ]  # fmt: skip
    start = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, content in tags:
        table += signature + struct.pack(">II", start + len(body), len(content))
        body += content
    header = struct.pack(">I", start + len(body)) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
    header += struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 28 + b"".join(s15(v) for v in d50)
    return header.ljust(128, b"\0") + struct.pack(">I", len(tags)) + table + body


def p3_to_srgb(rgb: tuple[int, ...]) -> tuple[int, ...]:
    """The reference conversion, by the formulas: decode the gamma, P3 -> XYZ -> linear sRGB, encode."""
    linear = [(v / 255) ** P3_GAMMA for v in rgb]
    xyz = [sum(c[i] * v for c, v in zip(P3_COLORANTS, linear, strict=True)) for i in range(3)]
    srgb = [min(1.0, max(0.0, sum(m * v for m, v in zip(row, xyz, strict=True)))) for row in XYZ_TO_SRGB]
    return tuple(round(255 * (12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055)) for v in srgb)


@pytest.mark.parametrize("ext", ["jpg", "webp"])
def test_a_wide_gamut_photo_is_converted_to_srgb(ext: str) -> None:
    """A photo tagged Display P3 comes out in sRGB, untagged, with the colours the conversion gives
    (not the P3 numbers read as sRGB, which would look dull)."""
    bands = [(180, 120, 80), (200, 60, 40), (90, 140, 200)]  # inside sRGB's gamut: no clipping
    picture = Image.new("RGB", (300, 100))
    for index, band in enumerate(bands):
        picture.paste(band, (index * 100, 0, index * 100 + 100, 100))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=98, subsampling=0, icc_profile=display_p3_profile())
    source = decoded(buffer.getvalue())
    assert ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(source.info["icc_profile"]))).strip()
    image = render(buffer.getvalue(), Mode.SCALE, 150, 50, ext)  # no_metadata: no ICC profile either
    for index in range(3):
        stored = colour(source, (index + 0.5) / 3, 0.5)
        expected = p3_to_srgb(stored)
        assert max(abs(a - b) for a, b in zip(stored, expected, strict=True)) >= 12  # the test can tell
        assert near(colour(image, (index + 0.5) / 3, 0.5), expected, tolerance=4), (stored, expected)
