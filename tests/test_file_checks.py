"""Checking uploads by their content (``models.file_checks``): the four kinds Atrium takes, the files it refuses
with a message naming them, the names it keeps for downloads, and that one refused file stores nothing."""
from __future__ import annotations

import io
import os
from contextlib import contextmanager

import pytest
from PIL import Image
from sqlalchemy import func, select

from extensions import db
from models.assets import Asset, add_asset_files
from models.base import DomainError
from models.file_checks import check_upload, safe_name
from models.files import File, check_uploads
from tests import factories as f
from tests.sample_files import (
    EXECUTABLE,
    HTML_AS_PDF,
    PDF,
    SVG,
    WINDOWS_PROGRAM,
    bomb_png,
    heic,
    jpeg,
    pdf_of_size,
    png,
    truncated_jpeg,
)

ANNA = "anna.admin@acme.example"


@contextmanager
def max_bytes(app, size: int):
    """FILE_MAX_BYTES set to ``size`` for the block."""
    before = app.config["FILE_MAX_BYTES"]
    app.config["FILE_MAX_BYTES"] = size
    try:
        yield
    finally:
        app.config["FILE_MAX_BYTES"] = before


def stored_files(app) -> int:
    """How many files the storage folder holds."""
    return sum(len(names) for _, _, names in os.walk(app.config["UPLOAD_FOLDER"]))


def _jpeg_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.format == "JPEG"
        return opened.size


# --- what is taken ----------------------------------------------------------------------------

def test_a_pdf_is_taken_as_it_is_without_pictures(app):
    with app.app_context():
        checked = check_upload("Manual.pdf", PDF)
    assert (checked.name, checked.content_type, checked.data, checked.size) == ("Manual.pdf", "application/pdf",
                                                                                 PDF, len(PDF))
    assert checked.preview is None and checked.thumbnail is None


@pytest.mark.parametrize(("name", "make", "content_type", "kept_as"), [
    ("photo.png", png, "image/png", "photo.png"),
    ("photo.jpeg", jpeg, "image/jpeg", "photo.jpg"),
    ("IMG_0001.HEIC", heic, "image/heic", "IMG_0001.heic"),
])
def test_every_image_gets_a_jpeg_thumbnail(app, name, make, content_type, kept_as):
    with app.app_context():
        checked = check_upload(name, make())
    assert (checked.content_type, checked.name) == (content_type, kept_as)
    width, height = _jpeg_size(checked.thumbnail)
    assert width <= 320 and height <= 320


def test_a_heic_photo_gets_a_jpeg_preview_browsers_can_show(app):
    with app.app_context():
        checked = check_upload("IMG_0001.heic", heic())
    assert checked.content_type == "image/heic"
    assert _jpeg_size(checked.preview) == (64, 48)


def test_the_name_follows_the_content_not_the_browser(app):
    with app.app_context():
        assert check_upload("scan.pdf", png()).name == "scan.png"
        assert check_upload("report", PDF).name == "report.pdf"


# --- what is refused --------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "message"), [
    ("setup.pdf", EXECUTABLE, "“setup” is not a PDF, JPEG, PNG or HEIC file (Atrium reads the content, not the name)."),
    ("setup.pdf", WINDOWS_PROGRAM,
     "“setup” is not a PDF, JPEG, PNG or HEIC file (Atrium reads the content, not the name)."),
    ("invoice.pdf", HTML_AS_PDF,
     "“invoice” is not a PDF, JPEG, PNG or HEIC file (Atrium reads the content, not the name)."),
    ("drawing.svg", SVG, "“drawing” is not a PDF, JPEG, PNG or HEIC file (Atrium reads the content, not the name)."),
    ("empty.pdf", b"", "“empty” is empty."),
    ("bomb.png", None, "“bomb” has too many pixels to open safely."),
    ("cut.jpg", None, "“cut” is damaged or incomplete; it could not be opened."),
])
def test_a_refused_file_is_named_with_the_reason(app, name, data, message):
    data = {"bomb.png": bomb_png, "cut.jpg": truncated_jpeg}[name]() if data is None else data
    with app.app_context(), pytest.raises(DomainError) as refused:
        check_upload(name, data)
    assert refused.value.message == message


def test_the_size_limit_takes_the_limit_and_refuses_one_byte_more(app):
    with app.app_context(), max_bytes(app, 2048):
        assert check_upload("big.pdf", pdf_of_size(2048)).size == 2048
        with pytest.raises(DomainError) as refused:
            check_upload("big.pdf", pdf_of_size(2049))
    assert refused.value.message == "“big” is larger than 2 KB."


# --- names kept for downloads -----------------------------------------------------------------

@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\ben\\Desktop\\Report 2024.pdf", "Report 2024.pdf"),
    ('quote"s \'n\' <tags>.pdf', "quotes n tags.pdf"),
    ("two\r\nlines.pdf", "twolines.pdf"),
    ("bell\x07and\x1bescape.pdf", "bellandescape.pdf"),
    ("....pdf", "file.pdf"),
    ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
])
def test_names_are_made_safe(app, given, kept):
    assert safe_name(given, "pdf") == kept
    with app.app_context():
        assert check_upload(given, PDF).name == kept


# --- several files ----------------------------------------------------------------------------

def test_more_files_than_the_limit_are_refused_before_any_is_read(app):
    with app.app_context(), pytest.raises(DomainError) as refused:
        check_uploads([(f"{i}.pdf", PDF) for i in range(6)], limit=5)
    assert refused.value.message == "Attach at most 5 files; you chose 6."
    with app.app_context():
        assert len(check_uploads([(f"{i}.pdf", PDF) for i in range(5)], limit=5)) == 5


def test_one_refused_file_among_good_ones_stores_nothing(app):
    with app.app_context():
        press = db.session.scalar(select(Asset).where(Asset.serial_number == "HP200-0001"))
        rows_before, files_before = db.session.scalar(select(func.count(File.id))), stored_files(app)
        with pytest.raises(DomainError) as refused:
            add_asset_files(press, [("good.pdf", PDF), ("photo.png", png()), ("setup.pdf", EXECUTABLE)],
                            actor=f.actor(ANNA))
        assert "“setup” is not a PDF" in refused.value.message
        db.session.rollback()
        assert db.session.scalar(select(func.count(File.id))) == rows_before
        assert stored_files(app) == files_before


def test_good_files_are_stored_and_their_bytes_removed_when_the_transaction_rolls_back(app):
    with app.app_context():
        press = db.session.scalar(select(Asset).where(Asset.serial_number == "HP200-0001"))
        files_before = stored_files(app)
        rows = add_asset_files(press, [("good.pdf", PDF), ("photo.png", png())], actor=f.actor(ANNA))
        assert [row.name for row in rows] == ["good.pdf", "photo.png"]
        assert stored_files(app) == files_before + 3  # the PDF, the PNG and its thumbnail
        db.session.rollback()
        assert stored_files(app) == files_before
