"""The QR code printed on a certificate, carrying its verify URL (DESIGN §5, ``/v/{id}/qr.*``).

The code is made to be printed on A4 and read by a phone held at reading distance, so the module
size is fixed in print (``MODULE_PX`` dots at ``PRINT_DPI``, 0.68 mm) and the symbol grows with the
URL instead of shrinking its modules. A verify URL of 60-84 characters is version 4 or 5: 28-31 mm
square with its quiet zone, which a phone reads from 25-30 cm (about ten times the code's width).

The URL is one byte-mode segment at error correction level M (ISO/IEC 18004:2015), in the smallest
version that holds it. Byte mode alone makes the version a function of the URL's length, read off
the standard's capacity table, and costs nothing here: the lowercase hex of a credential UUID
fits neither numeric nor (uppercase-only) alphanumeric mode. Level M restores up to 15% of the
codewords, twice what L does, for the scuffs and folds of a paper certificate, in a smaller symbol
than Q or H. The 4-module quiet zone the standard requires is part of both images, drawn light, so
a coloured or patterned certificate background never touches the symbol.

The PNG and the SVG are drawn from the same symbol: same module grid, same printed size.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator, Sequence

import qrcode
from qrcode.image.pil import PilImage
from qrcode.util import MODE_8BIT_BYTE, QRData

from registry.errors import QrUrlRefused

__all__ = [
    "MAX_URL_LENGTH",
    "MODULE_PX",
    "PRINT_DPI",
    "QUIET_ZONE_MODULES",
    "qr_png",
    "qr_svg",
]

PRINT_DPI = 300
"""The resolution the PNG is drawn for and declares (its pHYs chunk): the usual resolution of
print artwork, so a layout program that places the image at its natural size prints each module
``MODULE_PX`` dots wide."""

MODULE_PX = 8
"""Pixels per module in the PNG: 0.68 mm at ``PRINT_DPI``. Phone cameras read modules down to about
0.4 mm held close; 0.68 mm leaves room for an office printer's dot gain and for a phone held at
reading distance. A whole number of printer dots keeps every module the same width when printed
at 300 or 600 dpi, where a fractional one would alternate between two widths."""

QUIET_ZONE_MODULES = 4
"""The light margin, in modules, around the symbol: the minimum ISO/IEC 18004 requires for a
reader to find the finder patterns against whatever surrounds the code."""

MAX_URL_LENGTH = 2331
"""The most characters one byte-mode segment holds at level M, in a version 40 symbol
(ISO/IEC 18004:2015 Table 7). Such a code prints 125 mm wide; a verify URL stays under 100."""

_MODULE_MM = MODULE_PX * 25.4 / PRINT_DPI


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as a 1-bit PNG declaring ``PRINT_DPI``, ``MODULE_PX`` pixels per
    module, quiet zone included.

    Raises ``QrUrlRefused`` for an empty or non-ASCII URL, or one over ``MAX_URL_LENGTH``.
    """
    out = io.BytesIO()
    _symbol(url).make_image().save(out, format="PNG", dpi=(PRINT_DPI, PRINT_DPI))
    return out.getvalue()


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as a standalone SVG document with the PNG's printed size in mm.

    The view box counts modules, so the dark modules are one path of whole-number rectangles
    that renders crisply at any scale; a light rectangle covers the quiet zone. There is no XML
    declaration, so the same text can also be inlined into an HTML page.

    Raises ``QrUrlRefused`` for an empty or non-ASCII URL, or one over ``MAX_URL_LENGTH``.
    """
    matrix = _symbol(url).get_matrix()
    side = len(matrix)
    printed = f"{side * _MODULE_MM:.3f}mm"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{printed}" height="{printed}" '
        f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(_dark_runs(matrix))}"/>'
        "</svg>"
    )


def _symbol(url: str) -> qrcode.QRCode:
    if not url:
        raise QrUrlRefused("the URL is empty")
    if not url.isascii():
        # Byte mode without an ECI is read in whichever character set the reader assumes;
        # ASCII is the same in all of them. A URI is ASCII anyway (RFC 3986 §2).
        raise QrUrlRefused("the URL is not ASCII; convert an IRI to a URI (RFC 3987 §3.1)")
    if len(url) > MAX_URL_LENGTH:
        raise QrUrlRefused(
            f"the URL is {len(url)} characters; a QR code at error correction level M "
            f"carries at most {MAX_URL_LENGTH}"
        )
    symbol = qrcode.QRCode(
        version=None,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=MODULE_PX,
        border=QUIET_ZONE_MODULES,
        image_factory=PilImage,
    )
    symbol.add_data(QRData(url.encode("ascii"), mode=MODE_8BIT_BYTE))
    symbol.make(fit=True)
    return symbol


def _dark_runs(matrix: Sequence[Sequence[bool]]) -> Iterator[str]:
    for y, row in enumerate(matrix):
        x = 0
        for dark, run in itertools.groupby(row):
            width = len(list(run))
            if dark:
                yield f"M{x} {y}h{width}v1h-{width}z"
            x += width
