"""Company applications (/apply): filed by a prospect, worked by staff.

The state is driven by the ``company_application`` workflow (on hold, accept,
reject, and whatever staff add). Accepting creates the company and invites the
contact person as its Account Admin.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.actors import VISITOR, Actor
from models.audit import record
from models.base import DomainError, UTCDateTime, utcnow
from models.companies import Address, AddressKind, BusinessUnit, Company, CompanyStatus
from models.conflicts import insert_unless_taken
from models.invitations import issue_invitation
from models.mail import queue_mail
from models.members import check_email, email_owner
from models.operations import operation, part_of_operation
from models.permissions import BuiltinRole, StaffPerm
from models.shops import Shop
from models.staff import StaffUser
from models.users import builtin_roles
from models.workflow_engine import start
from models.workflows import WorkflowState, WorkflowSubject, guard, side_effect

APPLICATION_FIELDS = (
    "company_name", "vat_id", "first_name", "last_name", "email", "phone",
    "line1", "line2", "postal_code", "city", "country",
)
REQUIRED_FIELDS = {
    "company_name": "company name", "first_name": "first name", "last_name": "last name",
    "email": "e-mail", "line1": "street and number", "postal_code": "postal code", "city": "city",
    "country": "country",
}


class CompanyApplication(WorkflowSubject, db.Model):
    __tablename__ = "company_applications"
    # One application per address and shop in review: ``open_email`` is the address until a final state.
    __table_args__ = (UniqueConstraint("shop_id", "open_email", name="uq_application_open_email"),)
    subject_type = default_workflow = "company_application"
    subject_noun = "application"
    customer_sees_comments = False  # the applicant has no portal yet: only a mail carries a comment

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    company_name: Mapped[str] = mapped_column(String(160))
    vat_id: Mapped[str] = mapped_column(String(40), default="")
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254), index=True)
    open_email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    line1: Mapped[str] = mapped_column(String(160))
    line2: Mapped[str] = mapped_column(String(160), default="")
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(40), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    shop: Mapped[Shop] = relationship()
    company: Mapped[Company | None] = relationship()

    @property
    def contact_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def contact_emails(self) -> list[str]:
        return [self.email]

    def columns_in_state(self, state: WorkflowState) -> dict:
        return {"open_email": None if state.final else self.email}

    def __str__(self) -> str:
        return f"{self.company_name} ({self.contact_name})"

    @classmethod
    def awaiting_decision(cls):
        """The applications not yet accepted or rejected (their address is held until a final state)."""
        return cls.open_email.is_not(None)

    def move_summary(self, move) -> str:
        if move.side_effect == "application.accept" and self.company is not None:
            return (f"{self.company_name} is accepted: the company is created and {self.contact_name} "
                    f"is invited as Account Admin ({self.email}).")
        told = f" {self.contact_name} is told by mail." if move.mail_template else ""
        return f"The application of {self.company_name} is now {move.to_state.label}.{told}"


def clean_application(data: dict) -> dict:
    """Trimmed fields; refuses missing ones, a bad e-mail, a bad country code."""
    values = {field: str(data.get(field) or "").strip() for field in APPLICATION_FIELDS}
    missing = [label for field, label in REQUIRED_FIELDS.items() if not values[field]]
    if missing:
        raise DomainError("Please fill in: " + ", ".join(missing) + ".")
    values["email"] = check_email(values["email"])
    values["country"] = values["country"].upper()
    if len(values["country"]) != 2 or not values["country"].isalpha():
        raise DomainError("Use the two-letter country code, e.g. DE or US.", "country")
    return values


@operation(public=True)
def submit_application(shop: Shop, data: dict) -> CompanyApplication | None:
    """File an application; staff are told, the contact gets a confirmation.

    The visitor hears the same whether or not the address is known, so nobody
    learns from this form who has an account: an address with an account, or
    with an application still in review in this shop (also one filed a moment
    ago by a concurrent request), files nothing, its owner is told by mail and
    the result is None.
    """
    if shop.is_master:
        raise DomainError(f"Companies apply in one of the shops of {shop.name}; choose one.", "shop")
    values = clean_application(data)
    owner = email_owner(values["email"])
    if owner is not None:
        tell_owner_of_sign_up(owner, shop, values["company_name"], "apply for")
        return None
    application = CompanyApplication(shop=shop, open_email=values["email"], **values)
    start(application)
    if not insert_unless_taken(application):
        queue_mail(values["email"], "application_already_open", subject="Your Atrium application is in review",
                   first_name=values["first_name"], company_name=values["company_name"], shop=shop)
        return None
    record(VISITOR, "application.submitted", target=application)
    queue_mail(application.email, "application_received", subject="We received your Atrium application",
               item=application)
    notify_staff(StaffPerm.MANAGE_COMPANIES, "staff_new_application",
                 f"New company application: {application.company_name}", item=application)
    return application


@part_of_operation
def tell_owner_of_sign_up(owner, shop: Shop, company_name: str, asked: str) -> None:
    """Mail the owner of a known address that someone used it to sign up (instead of telling the visitor)."""
    queue_mail(owner.email, "sign_up_known_address", subject="Someone used your address to sign up for Atrium",
               user=owner, shop=shop, company_name=company_name, asked=asked)


def notify_staff(perm: StaffPerm, template: str, subject: str, **context) -> None:
    """Mail every active staff user who holds ``perm``."""
    for staff in db.session.scalars(select(StaffUser).where(StaffUser.active.is_(True))).all():
        if staff.can(perm):
            queue_mail(staff.email, template, subject=subject, staff=staff, **context)


@guard("application.contact_has_no_account")
def contact_has_no_account(application: CompanyApplication, *, actor: Actor) -> None:
    """Accepting invites the contact as Account Admin: not possible once their address has an account."""
    owner = email_owner(application.email)
    if owner is not None:
        raise DomainError(f"{application.email} is already a member of another company.")


@side_effect("application.accept")
@part_of_operation
def accept_application(application: CompanyApplication, *, actor: Actor, **_) -> Company:
    """Create the company (active) with its billing address and invite the contact as Account Admin."""
    company = Company(
        name=application.company_name, vat_id=application.vat_id or None,
        shop=application.shop, status=CompanyStatus.ACTIVE.value,
    )
    company.business_units.append(BusinessUnit(name="Headquarters"))
    company.addresses.append(
        Address(kind=AddressKind.BILLING.value, label=application.company_name, line1=application.line1,
                line2=application.line2, postal_code=application.postal_code, city=application.city,
                country=application.country, is_default=True)
    )
    db.session.add(company)
    db.session.flush()
    application.company = company
    record(actor, "company.created", company_id=company.id, target=company, application=application.id)
    admin_role = builtin_roles()[BuiltinRole.ACCOUNT_ADMIN.value]
    issue_invitation(company, application.email, admin_role, actor=actor)  # the transition checked who may accept
    return company
