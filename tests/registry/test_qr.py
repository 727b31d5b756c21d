"""Certificate QR codes, read back by a real decoder (zxing-cpp) the way a phone would."""

from __future__ import annotations

import io
import re
import string
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from registry.errors import QrUrlRefused
from registry.qr import MAX_URL_LENGTH, MODULE_PX, PRINT_DPI, QUIET_ZONE_MODULES, qr_png, qr_svg

# Byte-mode data capacity at error correction level M, in characters, of versions 1-10 and 40:
# ISO/IEC 18004:2015 Table 7, "Number of symbol characters and input data capacity for QR Code".
BYTE_CAPACITY_M = {1: 14, 2: 26, 3: 42, 4: 62, 5: 84, 6: 106, 7: 122, 8: 152, 9: 180, 10: 213}
VERSION_40_CAPACITY_M = 2331

VERIFY_URL = "http://127.0.0.1:8000/v/6f1c2b9e-4d3a-4b8e-9f21-0c7d5e6a8b14"
# RFC 3986 §2.2 reserved and §2.3 unreserved characters, and "%" for percent-encoding.
URI_CHARACTERS = string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%"
SVG = "{http://www.w3.org/2000/svg}"
RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\3z")


def url_of_length(length: int) -> str:
    return ("https://verify.example.org/v/" + "6f1c2b9e-4d3a-4b8e-9f21-0c7d5e6a8b14" * 70)[:length]


def smallest_version(length: int) -> int:
    return min(version for version, capacity in BYTE_CAPACITY_M.items() if capacity >= length)


def side_in_modules(version: int) -> int:
    return 17 + 4 * version + 2 * QUIET_ZONE_MODULES  # a version V symbol is 4V + 17 modules


def decode(image: Image.Image) -> zxingcpp.Barcode:
    barcodes = zxingcpp.read_barcodes(image)
    assert len(barcodes) == 1
    return barcodes[0]


def decode_png(png: bytes) -> zxingcpp.Barcode:
    return decode(Image.open(io.BytesIO(png)))


def symbol_version(barcode: zxingcpp.Barcode) -> int:
    extra = barcode.extra
    assert isinstance(extra, dict)
    return int(extra["Version"])


def png_modules(png: bytes) -> Image.Image:
    """One pixel per module, sampled at each module's centre."""
    image = Image.open(io.BytesIO(png))
    side = image.width // MODULE_PX
    return image.resize((side, side), Image.Resampling.NEAREST)


def parse_svg(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, with no DTD or entities)


def svg_modules(svg: str) -> Image.Image:
    """The SVG drawn at one pixel per module: the light rectangle, then the path's runs."""
    root = parse_svg(svg)
    side = int(root.get("viewBox", "").split()[2])
    rect, path = list(root)
    assert rect.tag == f"{SVG}rect"
    assert [rect.get(name) for name in ("width", "height", "fill")] == [str(side)] * 2 + ["#fff"]
    assert path.tag == f"{SVG}path"
    assert path.get("fill") == "#000"
    d = path.get("d", "")
    runs = list(RUN.finditer(d))
    assert "".join(run.group(0) for run in runs) == d, "path is not only whole-module runs"
    image = Image.new("1", (side, side), 1)
    for run in runs:
        x, y, width = (int(group) for group in run.groups())
        for column in range(x, x + width):
            image.putpixel((column, y), 0)
    return image


@pytest.mark.parametrize(
    "url",
    [
        "https://q.cn/v/1",
        VERIFY_URL,
        "https://verify.example.org/v/6f1c2b9e-4d3a-4b8e-9f21-0c7d5e6a8b14?lang=zh-Hans",
        url_of_length(BYTE_CAPACITY_M[10]),
        url_of_length(MAX_URL_LENGTH),
    ],
    ids=["short", "verify", "verify-lang", "version-10-full", "version-40-full"],
)
def test_png_decodes_to_the_url_in_the_smallest_version(url: str) -> None:
    png = qr_png(url)
    barcode = decode_png(png)
    version = smallest_version(len(url)) if len(url) <= BYTE_CAPACITY_M[10] else 40
    assert barcode.text == url
    assert barcode.bytes == url.encode("ascii")
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.ec_level == "M"
    assert symbol_version(barcode) == version
    assert Image.open(io.BytesIO(png)).size == (side_in_modules(version) * MODULE_PX,) * 2


@pytest.mark.parametrize(
    ("length", "version"),
    [(capacity, version) for version, capacity in BYTE_CAPACITY_M.items()]
    + [(BYTE_CAPACITY_M.get(version - 1, 0) + 1, version) for version in BYTE_CAPACITY_M],
)
def test_each_version_is_used_up_to_its_capacity_and_no_further(length: int, version: int) -> None:
    url = url_of_length(length)
    barcode = decode_png(qr_png(url))
    assert barcode.text == url
    assert symbol_version(barcode) == version


def test_the_limit_is_the_capacity_of_version_40() -> None:
    assert MAX_URL_LENGTH == VERSION_40_CAPACITY_M
    with pytest.raises(QrUrlRefused, match=f"at most {MAX_URL_LENGTH}"):
        qr_png(url_of_length(MAX_URL_LENGTH + 1))


@pytest.mark.parametrize("render", [qr_png, qr_svg])
@pytest.mark.parametrize(
    "url",
    ["", "https://例子.中国/v/1", "https://q.cn/v/é", url_of_length(MAX_URL_LENGTH + 1)],
    ids=["empty", "idn-host", "non-ascii-path", "too-long"],
)
def test_urls_no_qr_code_can_carry_are_refused(render: Callable[[str], object], url: str) -> None:
    with pytest.raises(QrUrlRefused) as refused:
        render(url)
    assert refused.value.code == "qr_url_refused"


def test_png_is_one_bit_at_print_resolution() -> None:
    image = Image.open(io.BytesIO(qr_png(VERIFY_URL)))
    assert image.format == "PNG"
    assert image.mode == "1"
    assert image.info["dpi"] == pytest.approx((PRINT_DPI, PRINT_DPI), abs=0.01)
    # 0.68 mm modules: 41 modules of version 4 print about 28 mm square.
    assert image.width / PRINT_DPI * 25.4 == pytest.approx(27.77, abs=0.01)


def test_quiet_zone_is_four_light_modules_on_every_side() -> None:
    image = Image.open(io.BytesIO(qr_png(VERIFY_URL)))
    side, margin = image.width, QUIET_ZONE_MODULES * MODULE_PX
    for band in [(0, 0, side, margin), (0, side - margin, side, side)]:
        assert image.crop(band).getextrema() == (255, 255)
        assert image.transpose(Image.Transpose.TRANSPOSE).crop(band).getextrema() == (255, 255)
    # The three finder patterns' outer corners are dark right at the margin: the zone is
    # exactly four modules, not more.
    inner = side - margin - 1
    for corner in [(margin, margin), (inner, margin), (margin, inner)]:
        assert image.getpixel(corner) == 0


@pytest.mark.parametrize(
    "url", ["https://q.cn/v/1", VERIFY_URL, url_of_length(BYTE_CAPACITY_M[10])], ids=str.__len__
)
def test_svg_is_the_png_as_a_vector_at_the_same_printed_size(url: str) -> None:
    png, svg = qr_png(url), qr_svg(url)
    grid = png_modules(png)
    root = parse_svg(svg)
    side = grid.width
    printed = f"{side * MODULE_PX * 25.4 / PRINT_DPI:.3f}mm"
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == (printed, printed)
    assert root.get("viewBox") == f"0 0 {side} {side}"
    assert svg_modules(svg).tobytes() == grid.convert("1").tobytes()
    drawn = svg_modules(svg).resize((side * MODULE_PX,) * 2, Image.Resampling.NEAREST)
    assert decode(drawn).text == url


def test_svg_is_standalone() -> None:
    svg = qr_svg(VERIFY_URL)
    root = parse_svg(svg)
    assert [element.tag for element in root.iter()] == [f"{SVG}svg", f"{SVG}rect", f"{SVG}path"]
    assert "href" not in svg
    assert "url(" not in svg


@given(st.text(alphabet=URI_CHARACTERS, min_size=1, max_size=150))
def test_any_uri_characters_round_trip_through_the_png(url: str) -> None:
    barcode = decode_png(qr_png(url))
    assert barcode.text == url
    assert symbol_version(barcode) == smallest_version(len(url))
