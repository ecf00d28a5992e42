"""Assets: a company's equipment that needs care, with its documents, schedule and history.

An asset belongs to a company and is assigned to one or more business units
(the first is where it is filed). Who sees it follows the assets triad: its
creator, users of its units (and the units above) with "View business unit
assets", everyone with "View company assets". Users with "Manage assets"
create and change them; staff manage every company's assets in the back
office. The maintenance schedule is an interval in months and the next due
date; the service history is what was asked or booked about the asset
(inquiries now, booked services later).
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, UTCDateTime, apply_changes, enum_check, utcnow
from models.companies import BusinessUnit
from models.operations import operation
from models.permissions import Perm, StaffPerm
from models.scopes import Owned, visible
from models.search import contains

NAME_LENGTH, SERIAL_LENGTH, REFERENCE_LENGTH, NOTE_LENGTH = 120, 80, 80, 2000
MAX_INTERVAL_MONTHS = 120
MAX_UNITS = 50
MAINTENANCE_NOTICE_DAYS = 14  # how long before an asset's maintenance is due its company hears of it
NOTICE_BATCH = 500  # assets a run reminds of; the next run takes the rest
MAIL_ASSETS = 25  # assets one reminder lists; the rest are counted, with a link to the assets


class AssetStatus(str, enum.Enum):
    IN_USE = "in_use"
    IN_REPAIR = "in_repair"
    OUT_OF_SERVICE = "out_of_service"
    RETIRED = "retired"


STATUS_LABELS = {AssetStatus.IN_USE.value: "In use", AssetStatus.IN_REPAIR.value: "In repair",
                 AssetStatus.OUT_OF_SERVICE.value: "Out of service", AssetStatus.RETIRED.value: "Retired"}
STATUS_TONES = {AssetStatus.IN_USE.value: "success", AssetStatus.IN_REPAIR.value: "warning",
                AssetStatus.OUT_OF_SERVICE.value: "danger", AssetStatus.RETIRED.value: "neutral"}


class AssetUnit(db.Model):
    """An asset's assignment to a business unit."""

    __tablename__ = "asset_units"

    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id", ondelete="CASCADE"),
                                                  primary_key=True, index=True)

    asset: Mapped["Asset"] = relationship(back_populates="assignments")
    unit: Mapped[BusinessUnit] = relationship(lazy="joined")


class Asset(Owned, db.Model):
    __tablename__ = "assets"
    __table_args__ = (Index("ix_assets_company_name", "company_id", "name", "id"),
                      Index("ix_assets_next_maintenance", "next_maintenance_on"),
                      Index("ix_assets_name", "name", "id"),
                      UniqueConstraint("company_id", "serial_number", name="uq_asset_company_serial"),
                      enum_check("status", AssetStatus, "status"))
    scope = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    serial_number: Mapped[str | None] = mapped_column(String(SERIAL_LENGTH))
    reference: Mapped[str] = mapped_column(String(REFERENCE_LENGTH), default="")
    status: Mapped[str] = mapped_column(String(20), default=AssetStatus.IN_USE.value)
    note: Mapped[str] = mapped_column(Text, default="")
    image_file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL",
                                                                 use_alter=True, name="fk_assets_image_file_id"))
    maintenance_months: Mapped[int | None] = mapped_column(Integer)
    next_maintenance_on: Mapped[date | None] = mapped_column(Date)
    maintenance_notice_for: Mapped[date | None] = mapped_column(Date)  # the due date last reminded of
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    company: Mapped["Company"] = relationship()  # noqa: F821
    assignments: Mapped[list[AssetUnit]] = relationship(back_populates="asset", cascade="all, delete-orphan")
    image: Mapped["File | None"] = relationship(foreign_keys=[image_file_id])  # noqa: F821

    @classmethod
    def in_units(cls, units):
        """Filed under one of ``units``, or assigned to one."""
        return or_(cls.business_unit_id.in_(units),
                   exists().where(AssetUnit.asset_id == cls.id, AssetUnit.business_unit_id.in_(units)))

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def status_tone(self) -> str:
        return STATUS_TONES.get(self.status, "neutral")

    @property
    def unit_names(self) -> list[str]:
        return [a.unit.name for a in self.assignments]

    def maintenance_due_in(self, today: date) -> int | None:
        return None if self.next_maintenance_on is None else (self.next_maintenance_on - today).days

    def __str__(self) -> str:
        return f"{self.name} ({self.serial_number})" if self.serial_number else self.name


def _text(value, length: int, label: str, *, required: bool = False) -> str:
    value = " ".join(str(value or "").split())
    if required and not value:
        raise DomainError(f"Give the asset a {label.lower()}.", label.lower().replace(" ", "_"))
    if len(value) > length:
        raise DomainError(f"The {label.lower()} has at most {length} characters.", label.lower().replace(" ", "_"))
    return value


def _details(company_id: int, values: dict) -> dict:
    """The asset's fields, checked; unit ids must be the company's own units."""
    out = {"name": _text(values.get("name"), NAME_LENGTH, "Name", required=True),
           "serial_number": _text(values.get("serial_number"), SERIAL_LENGTH, "Serial number") or None,
           "reference": _text(values.get("reference"), REFERENCE_LENGTH, "Reference")}
    note = (values.get("note") or "").strip()
    if len(note) > NOTE_LENGTH:
        raise DomainError(f"The note has at most {NOTE_LENGTH:,} characters.", "note")
    out["note"] = note
    status = values.get("status") or AssetStatus.IN_USE.value
    if status not in STATUS_LABELS:
        raise DomainError("Choose the asset's status from the list.", "status")
    out["status"] = status
    months = values.get("maintenance_months")
    if months in ("", None):
        months = None
    elif not str(months).isdigit() or not 1 <= int(months) <= MAX_INTERVAL_MONTHS:
        raise DomainError(f"Maintenance every how many months? A whole number from 1 to {MAX_INTERVAL_MONTHS}.",
                          "maintenance_months")
    out["maintenance_months"] = int(months) if months is not None else None
    next_due = values.get("next_maintenance_on")
    if next_due is not None and not isinstance(next_due, date):
        raise DomainError("The next maintenance date is not valid.", "next_maintenance_on")
    if next_due is not None and out["maintenance_months"] is None:
        raise DomainError("Say how often the asset is maintained before giving the next date.", "maintenance_months")
    out["next_maintenance_on"] = next_due
    return out


def _units(company_id: int, unit_ids) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in unit_ids or () if str(i).isdigit()))
    if not ids:
        raise DomainError("Assign the asset to at least one business unit.", "units")
    if len(ids) > MAX_UNITS:
        raise DomainError(f"Assign the asset to at most {MAX_UNITS} business units.", "units")
    found = set(db.session.scalars(select(BusinessUnit.id).where(BusinessUnit.company_id == company_id,
                                                                 BusinessUnit.id.in_(ids))))
    if found != set(ids):
        raise DomainError("Choose business units of the company from the list.", "units")
    return ids


def _check_serial(company_id: int, serial: str | None, asset_id: int | None = None) -> None:
    if serial is None:
        return
    clash = select(Asset.id).where(Asset.company_id == company_id, Asset.serial_number == serial)
    if asset_id is not None:
        clash = clash.where(Asset.id != asset_id)
    if db.session.scalar(clash) is not None:
        raise DomainError(f"The company already has an asset with the serial number {serial}.", "serial_number")


@operation(Perm.MANAGE_ASSETS, staff=StaffPerm.MANAGE_AFTER_SALES, on="company")
def create_asset(company, *, actor: Actor, unit_ids, **values) -> Asset:
    """Record a new asset of ``company`` (fields as in ``update_asset``)."""
    details = _details(company.id, values)
    units = _units(company.id, unit_ids)
    _check_serial(company.id, details["serial_number"])
    creator = actor.on_behalf_of or actor
    asset = Asset(company_id=company.id, business_unit_id=units[0],
                  owner_id=creator.customer_id if creator.acts_as_customer else None, **details)
    asset.assignments = [AssetUnit(business_unit_id=unit_id) for unit_id in units]
    db.session.add(asset)
    db.session.flush()
    record(actor, "asset.created", company_id=company.id, target=asset, name=asset.name)
    return asset


@operation(Perm.MANAGE_ASSETS, staff=StaffPerm.MANAGE_AFTER_SALES, on="asset")
def update_asset(asset: Asset, *, actor: Actor, unit_ids, **values) -> list[str]:
    """Change an asset's name, serial number, reference, status, note, schedule and units; returns what changed."""
    details = _details(asset.company_id, values)
    units = _units(asset.company_id, unit_ids)
    _check_serial(asset.company_id, details["serial_number"], asset.id)
    changed = apply_changes(asset, details)
    if [a.business_unit_id for a in asset.assignments] != units:
        asset.assignments = [AssetUnit(business_unit_id=unit_id) for unit_id in units]
        asset.business_unit_id = units[0]
        changed.append("business units")
    if changed:
        db.session.flush()
        record(actor, "asset.changed", company_id=asset.company_id, target=asset, fields=changed)
    return changed


@operation(Perm.MANAGE_ASSETS, staff=StaffPerm.MANAGE_AFTER_SALES, on="asset")
def add_asset_files(asset: Asset, uploads, *, actor: Actor, category: str = "other", as_image: bool = False):
    """Attach documents or photos to an asset (checked first; none stored if one is refused).
    ``as_image``: the (single, image) upload becomes the asset's picture."""
    from models.files import add_file, check_uploads

    checked = check_uploads(uploads, limit=10)
    if not checked:
        raise DomainError("Choose a file to upload.", "files")
    if as_image and (len(checked) != 1 or not checked[0].content_type.startswith("image/")):
        raise DomainError("The asset's picture is one JPEG, PNG or HEIC image.", "files")
    rows = [add_file(c, actor=actor, company_id=asset.company_id, asset=asset,
                     category="photo" if as_image else category) for c in checked]
    db.session.flush()
    if as_image:
        asset.image_file_id = rows[0].id
    for row in rows:
        record(actor, "file.uploaded", company_id=asset.company_id, target=row, name=row.name, asset=asset.name)
    return rows


def _reminders(due: list[Asset], people) -> list:
    """One mail per person, naming every due asset that is theirs to look after: the assets they recorded,
    and for an Account Admin those nobody active recorded."""
    from models.mail import Mail

    by_id, admins, assets_of = {p.id: p for p in people}, {}, {}
    for p in people:
        if p.is_admin:
            admins.setdefault(p.company_id, {})[p.id] = p
    for asset in due:
        to = [by_id[asset.owner_id]] if asset.owner_id in by_id else list(admins.get(asset.company_id, {}).values())
        for p in to:
            assets_of.setdefault(p.id, (p, []))[1].append(asset)
    mails = []
    for p, assets in assets_of.values():
        first = assets[0]
        subject = (f"Maintenance due on {first.next_maintenance_on:%-d %B}: {first.name}" if len(assets) == 1
                   else f"Maintenance due for {len(assets)} assets from {first.next_maintenance_on:%-d %B}")
        mails.append(Mail(p.email, "maintenance_due", subject, {"assets": assets[:MAIL_ASSETS],
                                                                 "more": len(assets) - MAIL_ASSETS,
                                                                 "first_name": p.first_name}))
    return mails


def send_maintenance_reminders(on: date) -> int:
    """Mail each asset's creator (or, without one, the company's Account Admins) when its maintenance falls
    due in the next ``MAINTENANCE_NOTICE_DAYS`` days, once per due date; how many assets were reminded of."""
    from models.mail import queue_mails
    from models.permissions import BuiltinRole
    from models.users import CompanyUser, Role

    due = db.session.scalars(
        select(Asset).where(Asset.next_maintenance_on >= on,
                            Asset.next_maintenance_on <= on + timedelta(days=MAINTENANCE_NOTICE_DAYS),
                            Asset.status != AssetStatus.RETIRED.value,
                            or_(Asset.maintenance_notice_for.is_(None),
                                Asset.maintenance_notice_for != Asset.next_maintenance_on))
        .order_by(Asset.next_maintenance_on, Asset.id).limit(NOTICE_BATCH)).all()
    if not due:
        return 0
    people = db.session.execute(
        select(CompanyUser.id, CompanyUser.company_id, CompanyUser.email, CompanyUser.first_name,
               (Role.key == BuiltinRole.ACCOUNT_ADMIN.value).label("is_admin"))
        .outerjoin(CompanyUser.roles)
        .where(CompanyUser.active.is_(True), or_(
            CompanyUser.id.in_({a.owner_id for a in due if a.owner_id}),
            and_(CompanyUser.company_id.in_({a.company_id for a in due}),
                 Role.key == BuiltinRole.ACCOUNT_ADMIN.value)))
        .execution_options(unscoped=True)).all()
    queue_mails(_reminders(due, people))
    db.session.execute(update(Asset).where(Asset.id.in_([a.id for a in due]))
                       .values(maintenance_notice_for=Asset.next_maintenance_on)
                       .execution_options(synchronize_session=False))
    return len(due)


def asset_list(actor: Actor, *, search: str = "", status: str = "", unit_id: int | None = None):
    """The assets ``actor`` may see, by name: search name, serial number or reference; filter status, unit."""
    query = visible(Asset, actor)
    if search.strip():
        query = query.where(or_(*(contains(c, search) for c in (Asset.name, Asset.serial_number, Asset.reference))))
    if status in STATUS_LABELS:
        query = query.where(Asset.status == status)
    if unit_id:
        query = query.where(Asset.in_units(select(BusinessUnit.id).where(BusinessUnit.id == unit_id)))
    return query.order_by(Asset.name, Asset.id).options(selectinload(Asset.assignments))


def get_asset(asset_id: int, actor: Actor) -> Asset | None:
    """The asset if ``actor`` may see it, with its units and picture."""
    return db.session.scalar(visible(Asset, actor).where(Asset.id == asset_id)
                             .options(selectinload(Asset.assignments), selectinload(Asset.image)))
