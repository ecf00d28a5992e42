"""Who acts: a company user, a staff user, the system, or an agent for a customer.

``security.py`` turns the signed-in account into one ``Actor`` per request;
jobs and the CLI act as ``SYSTEM``. Every operation takes it as ``actor=``,
checks its rule with it (``models.operations``) and records it in the audit
log. An ``Actor`` is a plain value: it holds ids, names and permissions, never
an ORM object, so it can be built in tests without a database.

An agent (a sales representative in assisted-service mode) is a staff actor
with ``on_behalf_of`` set to the customer: the rules see the customer (their
company, business unit and permissions, and none of the agent's staff powers),
and the audit log names both.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from models.permissions import BuiltinRole, Perm, StaffPerm


class ActorKind(str, enum.Enum):
    COMPANY = "company"
    STAFF = "staff"
    SYSTEM = "system"
    VISITOR = "visitor"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None
    name: str = "Atrium"
    email: str = ""
    company_id: int | None = None
    business_unit_id: int | None = None
    customer_type: str | None = None
    permissions: frozenset = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    on_behalf_of: Actor | None = None

    # --- building ---------------------------------------------------------------

    @classmethod
    def for_company_user(cls, user) -> Actor:
        """The actor for a signed-in company user (roles and their grants loaded)."""
        return cls(
            kind=ActorKind.COMPANY, id=user.id, name=user.full_name, email=user.email,
            company_id=user.company_id, business_unit_id=user.business_unit_id,
            customer_type=user.customer_type, permissions=frozenset(user.permissions),
            roles=frozenset(r.key or f"custom:{r.id}" for r in user.roles),
        )

    @classmethod
    def for_staff(cls, staff) -> Actor:
        """The actor for a signed-in back office user."""
        return cls(
            kind=ActorKind.STAFF, id=staff.id, name=staff.name, email=staff.email,
            permissions=frozenset(staff.permissions), roles=frozenset(r.value for r in staff.roles),
        )

    def emulating(self, customer: Actor) -> Actor:
        """This staff member acting on behalf of ``customer`` (assisted service)."""
        if self.kind is not ActorKind.STAFF or customer.kind is not ActorKind.COMPANY:
            raise ValueError("only a staff member acts on behalf of a company user")
        return replace(
            self, company_id=customer.company_id, business_unit_id=customer.business_unit_id,
            customer_type=customer.customer_type, permissions=customer.permissions,
            roles=customer.roles, on_behalf_of=customer,
        )

    # --- what the rules see -----------------------------------------------------

    @property
    def is_system(self) -> bool:
        return self.kind is ActorKind.SYSTEM

    @property
    def acts_as_staff(self) -> bool:
        """Staff in the back office (an agent acting for a customer is not)."""
        return self.kind is ActorKind.STAFF and self.on_behalf_of is None

    @property
    def acts_as_customer(self) -> bool:
        """A company user, or an agent acting for one."""
        return self.kind is ActorKind.COMPANY or self.on_behalf_of is not None

    @property
    def customer_id(self) -> int | None:
        """The company user whose account this actor uses (themselves, or the emulated customer)."""
        if self.kind is ActorKind.COMPANY:
            return self.id
        return self.on_behalf_of.id if self.on_behalf_of is not None else None

    def is_user(self, user) -> bool:
        """Whether ``user`` (a company user) is the account this actor acts as."""
        return user is not None and self.customer_id is not None and self.customer_id == user.id

    def can(self, perm: Perm | StaffPerm) -> bool:
        """Whether this actor holds a named permission. The system may do anything."""
        if self.is_system:
            return True
        if isinstance(perm, StaffPerm):
            return self.acts_as_staff and perm in self.permissions
        return self.acts_as_customer and perm in self.permissions

    def holds_all(self, perms) -> bool:
        return all(self.can(p) for p in perms)

    def may_act_on(self, user) -> bool:
        """Whether this actor may change company user ``user``'s account.

        Staff and the system may; a customer may change their own account, an
        account whose every permission they hold too, and (as Account Admin)
        any account that is not an Account Admin's. So a role that may manage
        users cannot be used to lock out, cap or delete the people above it.
        """
        if self.is_system or self.acts_as_staff or self.is_user(user):
            return True
        if self.holds_all(user.permissions):
            return True
        admin = BuiltinRole.ACCOUNT_ADMIN.value
        return admin in self.roles and not any(r.key == admin for r in user.roles)

    # --- what the records say ------------------------------------------------------

    @property
    def label(self) -> str:
        """How the audit log names the person: "Anna Admin <anna@acme.example>"."""
        return f"{self.name} <{self.email}>" if self.email else self.name

    @property
    def display_name(self) -> str:
        """How mail names who acted: "Anna Admin", "Rita Representative for Ben Buyer"."""
        if self.on_behalf_of is not None:
            return f"{self.name} for {self.on_behalf_of.name}"
        return self.name

    def audit_fields(self) -> dict:
        """The columns an audit row records about who acted and for whom."""
        behalf = self.on_behalf_of
        return {
            "actor_kind": self.kind.value,
            "actor_id": self.id,
            "actor_label": self.label[:200],
            "on_behalf_of_id": behalf.id if behalf is not None else None,
            "on_behalf_of_label": behalf.label[:200] if behalf is not None else "",
        }

    def __str__(self) -> str:
        return self.label


SYSTEM = Actor(kind=ActorKind.SYSTEM, name="Atrium")
VISITOR = Actor(kind=ActorKind.VISITOR, name="Visitor")
