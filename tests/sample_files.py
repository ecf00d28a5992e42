"""Files for upload tests, made on the spot: good ones of each kind and the bad ones Atrium must refuse."""
from __future__ import annotations

import io

from PIL import Image

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXECUTABLE = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200  # a Linux program, whatever its name says
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def image(kind: str = "PNG", size=(64, 48), color=(30, 90, 200)) -> bytes:
    """A small image of ``kind`` (PNG, JPEG or HEIF)."""
    if kind == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind)
    return out.getvalue()


def png() -> bytes:
    return image("PNG")


def jpeg() -> bytes:
    return image("JPEG", (200, 150))


def heic() -> bytes:
    return image("HEIF")


def truncated_jpeg() -> bytes:
    whole = image("JPEG", (400, 300), (120, 40, 10))
    return whole[: len(whole) // 2]


def bomb_png() -> bytes:
    """A few kilobytes that open into 80 million pixels."""
    out = io.BytesIO()
    Image.new("1", (10_000, 8_000)).save(out, "PNG")
    return out.getvalue()


def pdf_of_size(size: int) -> bytes:
    """A PDF of exactly ``size`` bytes."""
    return PDF + b"%" * (size - len(PDF))
