"""factory_boy factories for every model, and finders for rows of the test world (``tests.world``).

Factories flush into the test's session (inside its rolled-back transaction)
and build whatever a row needs: ``CompanyUserFactory()`` makes a company in a
shop, a Buyer role, an enabled shop assignment and a password ("atrium-demo").
Pass what matters to the test and let the factory fill in the rest::

    ben = CompanyUserFactory(company=acme, roles=["approver"], business_unit=north)
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from extensions import db
from models.actors import Actor
from models.applications import CompanyApplication
from models.attributes import AttributeDefinition, AttributeValue, ShopAttribute
from models.audit import AuditEvent
from models.auth import PasswordResetToken, hash_password
from models.base import utcnow
from models.companies import Address, BusinessUnit, Company
from models.followups import FollowUp
from models.invitations import Invitation
from models.mail import OutboxMessage
from models.shops import Shop, ShopAddress, ShopAssignment, ShopCustomerSetting
from models.staff import StaffUser, StaffUserRole
from models.throttle import Throttle
from models.users import CompanyUser, Role, RolePermission, UserRole, builtin_roles
from models.workflow_engine import get_workflow
from models.workflows import Workflow, WorkflowHistory, WorkflowReason, WorkflowState, WorkflowTransition

PASSWORD = "atrium-demo"


def _password_hash() -> str:
    return _hashes.setdefault(PASSWORD, hash_password(PASSWORD))


_hashes: dict[str, str] = {}


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - the app context's session
        sqlalchemy_session_persistence = "flush"


class ShopFactory(_Factory):
    class Meta:
        model = Shop

    code = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.Sequence(lambda n: f"Shop {n}")
    registration_mode = "create_company"
    locale = "en_GB"
    currency = "EUR"


class ShopCustomerSettingFactory(_Factory):
    class Meta:
        model = ShopCustomerSetting

    shop = factory.SubFactory(ShopFactory)
    customer_type = "b2b"
    requires_approval = False
    address_book_mode = "default"


class ShopAddressFactory(_Factory):
    class Meta:
        model = ShopAddress

    shop = factory.SubFactory(ShopFactory)
    kind = "shipping"
    label = factory.Sequence(lambda n: f"Hub {n}")
    line1 = "1 Hub Street"
    postal_code = "04103"
    city = "Leipzig"
    country = "DE"


class CompanyFactory(_Factory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    shop = factory.SubFactory(ShopFactory)
    status = "active"


class BusinessUnitFactory(_Factory):
    class Meta:
        model = BusinessUnit

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Unit {n}")


class AddressFactory(_Factory):
    class Meta:
        model = Address

    company = factory.SubFactory(CompanyFactory)
    kind = "shipping"
    label = factory.Sequence(lambda n: f"Site {n}")
    line1 = "1 Foundry Road"
    postal_code = "10115"
    city = "Berlin"
    country = "DE"
    is_default = False


class RoleFactory(_Factory):
    """A custom role of a company; ``permissions`` are names (purchase by default)."""

    class Meta:
        model = Role

    class Params:
        company = factory.SubFactory(CompanyFactory)

    name = factory.Sequence(lambda n: f"Role {n}")
    company_id = factory.SelfAttribute("company.id")

    @factory.post_generation
    def permissions(role, create, names, **kwargs):
        role.grants = [RolePermission(permission=name) for name in (names or ["purchase"])]
        db.session.flush()


class RolePermissionFactory(_Factory):
    class Meta:
        model = RolePermission

    role_id = factory.LazyFunction(lambda: RoleFactory(permissions=["view_files"]).id)
    permission = "purchase"


class CompanyUserFactory(_Factory):
    """A company user holding Buyer plus ``roles`` (built-in keys or Role rows), enabled in the company's shop."""

    class Meta:
        model = CompanyUser

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Person{n:04}")
    company = factory.SubFactory(CompanyFactory)
    password_hash = factory.LazyFunction(_password_hash)

    @factory.post_generation
    def roles(user, create, wanted, **kwargs):
        known = builtin_roles()
        picked = [known[r] if isinstance(r, str) else r for r in (wanted or [])]
        user.roles = [known["buyer"]] + [r for r in picked if r.key != "buyer"]

    @factory.post_generation
    def shop(user, create, shop, **kwargs):
        """The shop the user is enabled in (the company's unless given; ``shop=False`` for none)."""
        if shop is not False:
            user.shop_assignments.append(ShopAssignment(shop=shop or user.company.shop))
        db.session.flush()


class UserRoleFactory(_Factory):
    """A user holding one more role (a custom role of the user's company)."""

    class Meta:
        model = UserRole

    user_id = factory.LazyFunction(lambda: CompanyUserFactory().id)
    role_id = factory.LazyAttribute(lambda o: RoleFactory(company=db.session.get(CompanyUser, o.user_id).company).id)


class ShopAssignmentFactory(_Factory):
    class Meta:
        model = ShopAssignment

    user = factory.SubFactory(CompanyUserFactory, shop=False)
    shop = factory.SelfAttribute("user.company.shop")
    state = "enabled"


class StaffUserFactory(_Factory):
    """A back office user with ``roles`` (administrator unless given)."""

    class Meta:
        model = StaffUser

    email = factory.Sequence(lambda n: f"staff{n}@atrium.example")
    name = factory.Sequence(lambda n: f"Staff Member {n}")
    password_hash = factory.LazyFunction(_password_hash)

    @factory.post_generation
    def roles(staff, create, wanted, **kwargs):
        staff.roles = wanted if wanted is not None else ["administrator"]
        db.session.flush()


class StaffUserRoleFactory(_Factory):
    class Meta:
        model = StaffUserRole

    staff_user_id = factory.LazyFunction(lambda: StaffUserFactory(roles=[]).id)
    role = "support"


def _token_hash() -> str:
    return hashlib.sha256(secrets.token_urlsafe(16).encode()).hexdigest()


class InvitationFactory(_Factory):
    class Meta:
        model = Invitation

    company = factory.SubFactory(CompanyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = factory.LazyFunction(lambda: builtin_roles()["buyer"])
    token_hash = factory.LazyFunction(_token_hash)
    invited_by = "Pat Person <pat@example.com>"
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=7))


class CompanyApplicationFactory(_Factory):
    class Meta:
        model = CompanyApplication

    shop = factory.SubFactory(ShopFactory, registration_mode="application")
    company_name = factory.Sequence(lambda n: f"Applicant {n}")
    first_name = "Una"
    last_name = "Applicant"
    email = factory.Sequence(lambda n: f"applicant{n}@example.com")
    line1 = "42 Raccoon Street"
    postal_code = "10001"
    city = "New York"
    country = "US"
    workflow = factory.LazyFunction(lambda: get_workflow("company_application"))
    state = "new"


class AttributeDefinitionFactory(_Factory):
    class Meta:
        model = AttributeDefinition

    key = factory.Sequence(lambda n: f"ATTRIBUTE_{n}")
    label = factory.Sequence(lambda n: f"Attribute {n}")
    type = "text"


class ShopAttributeFactory(_Factory):
    class Meta:
        model = ShopAttribute

    shop = factory.SubFactory(ShopFactory)
    definition = factory.SubFactory(AttributeDefinitionFactory)


class AttributeValueFactory(_Factory):
    class Meta:
        model = AttributeValue

    user_id = factory.LazyFunction(lambda: CompanyUserFactory().id)
    definition = factory.SubFactory(AttributeDefinitionFactory)
    value = "a value"


class OutboxMessageFactory(_Factory):
    class Meta:
        model = OutboxMessage

    recipient = factory.Sequence(lambda n: f"reader{n}@example.com")
    template = "account_status"
    subject = "Your Atrium account"
    body_text = "Hello"
    body_html = "<p>Hello</p>"


class AuditEventFactory(_Factory):
    class Meta:
        model = AuditEvent

    company_id = None
    actor_kind = "system"
    actor_label = "Atrium"
    action = "company.updated"


class ThrottleFactory(_Factory):
    class Meta:
        model = Throttle

    key = factory.Sequence(lambda n: f"sign-in:guess{n}@example.com")
    count = 1


class PasswordResetTokenFactory(_Factory):
    class Meta:
        model = PasswordResetToken

    user = factory.SubFactory(CompanyUserFactory)
    token_hash = factory.LazyFunction(_token_hash)
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(hours=2))


class FollowUpFactory(_Factory):
    class Meta:
        model = FollowUp

    queue = "emails"
    job = "jobs.mail.deliver_mails"
    args = factory.LazyFunction(lambda: [[]])


class WorkflowFactory(_Factory):
    class Meta:
        model = Workflow

    key = factory.Sequence(lambda n: f"workflow_{n}")
    name = factory.Sequence(lambda n: f"Workflow {n}")
    subject_type = "company_application"


class WorkflowStateFactory(_Factory):
    class Meta:
        model = WorkflowState

    workflow = factory.SubFactory(WorkflowFactory)
    key = factory.Sequence(lambda n: f"state_{n}")
    label = factory.Sequence(lambda n: f"State {n}")


class WorkflowTransitionFactory(_Factory):
    class Meta:
        model = WorkflowTransition

    workflow = factory.SubFactory(WorkflowFactory)
    key = factory.Sequence(lambda n: f"step_{n}")
    label = factory.Sequence(lambda n: f"Step {n}")
    from_state = factory.SubFactory(WorkflowStateFactory, workflow=factory.SelfAttribute("..workflow"))
    to_state = factory.SubFactory(WorkflowStateFactory, workflow=factory.SelfAttribute("..workflow"))
    permission = "manage_companies"


class WorkflowReasonFactory(_Factory):
    class Meta:
        model = WorkflowReason

    workflow = factory.SubFactory(WorkflowFactory)
    label = factory.Sequence(lambda n: f"Reason {n}")


class WorkflowHistoryFactory(_Factory):
    class Meta:
        model = WorkflowHistory

    workflow = factory.SubFactory(WorkflowFactory)
    subject_type = "company_application"
    subject_id = factory.LazyFunction(lambda: CompanyApplicationFactory().id)
    transition_key = "hold"
    from_state = "new"
    to_state = "on_hold"
    audit_event = factory.SubFactory(AuditEventFactory, action="workflow.moved")


# --- finders for the rows of the test world (tests.world) -------------------------------------


def user(email: str) -> CompanyUser:
    return db.session.scalar(select(CompanyUser).where(CompanyUser.email == email))


def staff(email: str) -> StaffUser:
    return db.session.scalar(select(StaffUser).where(StaffUser.email == email))


def company(name: str) -> Company:
    return db.session.scalar(select(Company).where(Company.name == name))


def shop(code: str) -> Shop:
    return db.session.scalar(select(Shop).where(Shop.code == code))


def role(key_or_name: str) -> Role:
    return db.session.scalar(select(Role).where((Role.key == key_or_name) | (Role.name == key_or_name)))


def attribute(key: str) -> AttributeDefinition:
    return db.session.scalar(select(AttributeDefinition).where(AttributeDefinition.key == key))


def shop_attribute() -> ShopAttribute:
    return db.session.scalar(select(ShopAttribute).order_by(ShopAttribute.id))


def actor(who) -> Actor:
    """The actor for a company user, a staff user, or an e-mail of either."""
    if isinstance(who, Actor):
        return who
    if isinstance(who, str):
        who = staff(who) if who.endswith("@atrium.example") else user(who)
    if isinstance(who, StaffUser):
        return Actor.for_staff(who)
    return Actor.for_company_user(who)


from tests.aftersales_factories import *  # noqa: E402,F401,F403  (the after-sales factories)
from tests.order_factories import *  # noqa: E402,F401,F403  (the ordering factories, so every model has one here)
