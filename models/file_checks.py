"""What an uploaded file is, read from its content: PDF, JPEG, PNG or HEIC, or refused.

``check_upload`` never trusts the name or the browser's content type: it reads
the first bytes (``filetype``), then opens images fully with Pillow under its
decompression-bomb limit (a truncated or damaged image is refused, not half
stored). HEIC photos get a JPEG preview for browsers that cannot show HEIC;
every image gets a small JPEG thumbnail. The name kept for downloads is made
safe: no folders, quotes, line breaks or control characters, and the extension
of what the file really is.
"""
from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import dataclass

import filetype
import pillow_heif
from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from models.base import DomainError

pillow_heif.register_heif_opener()

KINDS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/heic": "heic",
         "image/heif": "heic"}
KIND_LABELS = {"pdf": "PDF", "jpg": "JPEG image", "png": "PNG image", "heic": "HEIC photo"}
ACCEPTED = "a PDF, JPEG, PNG or HEIC file"
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,.heic,.heif,application/pdf,image/jpeg,image/png,image/heic"
THUMBNAIL_SIZE = (320, 320)
NAME_LENGTH = 120
UNSAFE = set('"\'<>:|?*\\/;`$')


@dataclass
class Checked:
    """An upload that passed: its safe name, what it is, its bytes and the JPEGs made from it."""

    name: str
    content_type: str
    data: bytes
    preview: bytes | None = None  # a JPEG for browsers that cannot show the original (HEIC)
    thumbnail: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.data)


def max_bytes() -> int:
    return current_app.config["FILE_MAX_BYTES"]


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"


def safe_name(filename: str, extension: str) -> str:
    """The last part of ``filename`` without anything a header or a file system could misread."""
    base = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(ch for ch in base if ch.isprintable() and ch not in UNSAFE)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = " ".join(stem.split()).strip(" .-")[:NAME_LENGTH - len(extension) - 1].strip(" .-")
    return f"{stem or 'file'}.{extension}"


def check_upload(filename: str, data: bytes) -> Checked:
    """The upload as a ``Checked`` file, or a ``DomainError`` saying what is wrong with it."""
    shown = safe_name(filename, "x")[:-2] or "The file"
    if not data:
        raise DomainError(f"“{shown}” is empty.")
    if len(data) > max_bytes():
        raise DomainError(f"“{shown}” is larger than {megabytes(max_bytes())}.")
    guessed = filetype.guess(data[:8192])
    extension = KINDS.get(guessed.mime if guessed else "")
    if extension is None:
        raise DomainError(f"“{shown}” is not {ACCEPTED} (Atrium reads the content, not the name).")
    checked = Checked(name=safe_name(filename, extension), content_type=_content_type(extension), data=data)
    if extension != "pdf":
        _check_image(checked, shown)
    return checked


def _content_type(extension: str) -> str:
    return {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png", "heic": "image/heic"}[extension]


def _check_image(checked: Checked, shown: str) -> None:
    Image.MAX_IMAGE_PIXELS = current_app.config["IMAGE_MAX_PIXELS"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(checked.data)) as image:
                image.load()  # decodes every pixel: a truncated or damaged file fails here
                image = ImageOps.exif_transpose(image)
                if checked.content_type == "image/heic":
                    checked.preview = _jpeg(image, None)
                checked.thumbnail = _jpeg(image, THUMBNAIL_SIZE)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(f"“{shown}” has too many pixels to open safely.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError(f"“{shown}” is damaged or incomplete; it could not be opened.") from None


def _jpeg(image: Image.Image, size: tuple[int, int] | None) -> bytes:
    copy = image.convert("RGB")
    if size is not None:
        copy.thumbnail(size)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85)
    return out.getvalue()
