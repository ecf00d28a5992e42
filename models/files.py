"""Files: documents of a company, an asset's documents and photos, an inquiry's attachments.

A file belongs to a company; it may belong to an asset or an inquiry as well,
and then whoever sees that asset or inquiry sees it there. Company documents
(neither) are what staff share with a company (manuals, service reports,
contracts) and are listed at /files for users with the "View files"
permission. Every upload is checked by its content (``models.file_checks``)
before anything is stored; its bytes go to the storage under fresh keys, and
if the transaction rolls back, the bytes it wrote are removed again.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, event, or_, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, UTCDateTime, enum_check, utcnow
from models.file_checks import KIND_LABELS, Checked, check_upload
from models.operations import operation, part_of_operation
from models.permissions import Perm, StaffPerm
from models.scopes import Owned, visible
from models.search import contains
from models.storage import new_key, storage

STORED_KEY = "stored_file_keys"


class Category(str, enum.Enum):
    MANUAL = "manual"
    SERVICE_REPORT = "service_report"
    CONTRACT = "contract"
    PHOTO = "photo"
    OTHER = "other"


CATEGORY_LABELS = {Category.MANUAL.value: "Manual", Category.SERVICE_REPORT.value: "Service report",
                   Category.CONTRACT.value: "Contract", Category.PHOTO.value: "Photo", Category.OTHER.value: "Other"}


class File(Owned, db.Model):
    __tablename__ = "files"
    __table_args__ = (Index("ix_files_company_uploaded", "company_id", "uploaded_at", "id"),
                      # the company documents (``company_documents``): files of no asset and no inquiry
                      Index("ix_files_company_documents", "company_id", "uploaded_at", "id",
                            sqlite_where=text("asset_id IS NULL AND inquiry_id IS NULL"),
                            postgresql_where=text("asset_id IS NULL AND inquiry_id IS NULL")),
                      Index("ix_files_uploaded", "uploaded_at", "id"),
                      # an asset's and an inquiry's files; only rows that name one, so that no planner
                      # reads "asset_id IS NULL" (half the files) through them
                      Index("ix_files_asset", "asset_id", sqlite_where=text("asset_id IS NOT NULL"),
                            postgresql_where=text("asset_id IS NOT NULL")),
                      Index("ix_files_inquiry", "inquiry_id", sqlite_where=text("inquiry_id IS NOT NULL"),
                            postgresql_where=text("inquiry_id IS NOT NULL")),
                      enum_check("category", Category, "category"))
    scope = "files"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(20), default=Category.OTHER.value)
    storage_key: Mapped[str] = mapped_column(String(32), unique=True)
    preview_key: Mapped[str | None] = mapped_column(String(32))
    thumbnail_key: Mapped[str | None] = mapped_column(String(32))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"))
    uploaded_by: Mapped[str] = mapped_column(String(170))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped["Company"] = relationship()  # noqa: F821

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.extension, "File")

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category)

    def __str__(self) -> str:
        return self.name


def check_uploads(uploads, *, limit: int | None = None) -> list[Checked]:
    """Every upload checked before any is stored: one bad file refuses the lot, saying which and why."""
    uploads = [(name, data) for name, data in uploads if name or data]
    if limit is not None and len(uploads) > limit:
        raise DomainError(f"Attach at most {limit} files; you chose {len(uploads)}.", "files")
    return [check_upload(name, data) for name, data in uploads]


@part_of_operation
def add_file(checked: Checked, *, actor: Actor, company_id: int, category: str = Category.OTHER.value,
             asset=None, inquiry=None) -> File:
    """Store ``checked`` and record it as a file of the company (and of the asset or inquiry)."""
    if category not in CATEGORY_LABELS:
        raise DomainError("Choose what kind of document this is.", "category")
    keys = {"storage_key": new_key(), "preview_key": new_key() if checked.preview else None,
            "thumbnail_key": new_key() if checked.thumbnail else None}
    for key, data in ((keys["storage_key"], checked.data), (keys["preview_key"], checked.preview),
                      (keys["thumbnail_key"], checked.thumbnail)):
        if key:
            storage().save(key, data)
            db.session.info.setdefault(STORED_KEY, []).append(key)
    uploader = actor.on_behalf_of or actor
    row = File(company_id=company_id, owner_id=uploader.customer_id if uploader.acts_as_customer else None,
               business_unit_id=uploader.business_unit_id if uploader.acts_as_customer else None,
               name=checked.name, content_type=checked.content_type, size=checked.size, category=category,
               asset_id=getattr(asset, "id", None), inquiry_id=getattr(inquiry, "id", None),
               uploaded_by=actor.name, **keys)
    db.session.add(row)
    return row


@operation(staff=StaffPerm.MANAGE_AFTER_SALES)
def upload_company_files(company, uploads, *, actor: Actor, category: str = Category.OTHER.value) -> list[File]:
    """Staff share documents with a company (all checked first; none stored if one is refused)."""
    checked = check_uploads(uploads)
    if not checked:
        raise DomainError("Choose at least one file to upload.", "files")
    rows = [add_file(c, actor=actor, company_id=company.id, category=category) for c in checked]
    db.session.flush()
    for row in rows:
        record(actor, "file.uploaded", company_id=company.id, target=row, name=row.name, category=row.category)
    return rows


@operation(Perm.MANAGE_ASSETS, staff=StaffPerm.MANAGE_AFTER_SALES, on="file")
def delete_file(file: File, *, actor: Actor) -> None:
    """Remove a file; company users may remove only an asset's documents (asset managers)."""
    if actor.acts_as_customer and file.asset_id is None:
        raise DomainError("Only Atrium can remove this file.")
    if file.inquiry_id is not None and not actor.is_system:
        raise DomainError("An inquiry's attachments stay with the inquiry.")
    record(actor, "file.deleted", company_id=file.company_id, target=file, name=file.name)
    keys = [k for k in (file.storage_key, file.preview_key, file.thumbnail_key) if k]
    db.session.delete(file)
    db.session.flush()
    db.session.info.setdefault("delete_after_commit", []).extend(keys)


def company_documents(actor: Actor, *, search: str = "", category: str = ""):
    """The company documents ``actor`` may see (not asset or inquiry files), newest first."""
    query = visible(File, actor).where(File.asset_id.is_(None), File.inquiry_id.is_(None))
    if category in CATEGORY_LABELS:
        query = query.where(File.category == category)
    if search.strip():
        query = query.where(or_(contains(File.name, search), contains(File.uploaded_by, search)))
    return query.order_by(File.uploaded_at.desc(), File.id.desc())


def files_of_asset(asset_id: int) -> list[File]:
    return db.session.scalars(select(File).where(File.asset_id == asset_id)
                              .order_by(File.uploaded_at.desc(), File.id.desc()).limit(50)).all()


def files_of_inquiry(inquiry_id: int) -> list[File]:
    return db.session.scalars(select(File).where(File.inquiry_id == inquiry_id).order_by(File.id)).all()


@event.listens_for(Session, "after_rollback")
def _forget_stored(session) -> None:
    """The transaction that wrote these bytes did not commit: remove them (nothing half stored)."""
    keys = session.info.pop(STORED_KEY, [])
    session.info.pop("delete_after_commit", None)
    if keys:
        for key in keys:
            storage().delete(key)


@event.listens_for(Session, "after_commit")
def _keep_stored(session) -> None:
    session.info.pop(STORED_KEY, None)
    for key in session.info.pop("delete_after_commit", []):
        storage().delete(key)


def reachable_file(file_id: int, actor: Actor) -> File | None:
    """The file if ``actor`` may open it: a company document they may see, a document of an asset they
    may see, an attachment of an inquiry they may see; staff and the system open every file."""
    from models.assets import Asset
    from models.inquiries import Inquiry
    from models.scopes import get_visible

    found = db.session.get(File, file_id)
    if found is None or actor.is_system or actor.acts_as_staff:
        return found
    if found.inquiry_id is not None:
        return found if get_visible(Inquiry, found.inquiry_id, actor) is not None else None
    if found.asset_id is not None:
        return found if get_visible(Asset, found.asset_id, actor) is not None else None
    return found if get_visible(File, found.id, actor) is not None else None
