"""Data profiles for benchmarks: ``flask seed-profile S|M|L``, added to the demo data.

Each profile is ten times the one before (``SIZES``: rows added per table), and
uneven as a real installation is: Acme Industrial (the demo company of
anna.admin@acme.example) is the biggest company, its business units a tree four
levels deep; three more have thousands of users at L, a few dozen have tens,
most have one to ten. Everyone signs in with the demo password. Beside the
demo's catalog a profile adds products and prices (``profiles.catalog``) and two
years of orders with their lines, Acme's the most (``profiles.orders``), and
after-sales: assets, inquiries and file rows (``profiles.aftersales``), and services booked at a few service
points (``profiles.services``).

Rows go in with Core ``insert()`` executemany in chunks, with ids counted here
(foreign keys need no RETURNING) and one password hash for all users: L takes
seconds where ORM objects and a hash per user would take an hour. To add a kind
of row: a ``seed_<kind>(plan, count)`` function, a column in ``SIZES``, an entry
in ``STEPS``. Seed while nobody else writes: ids continue from the largest one.
"""
from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, insert, select

from demo import DEMO_PASSWORD, seed_demo
from extensions import db
from models.applications import CompanyApplication
from models.auth import hash_password
from models.base import utcnow
from models.companies import Address, BusinessUnit, Company
from models.invitations import Invitation
from models.shops import Shop, ShopAssignment
from models.staff import StaffUser
from models.users import CompanyUser, builtin_roles, user_roles
from profiles.aftersales import seed_assets, seed_files, seed_inquiries
from profiles.applications import seed_applications
from profiles.audit import seed_audit_events
from profiles.catalog import seed_products
from profiles.database import continue_sequences, settle_indexes
from profiles.database import vacuum_after_commit as vacuum_after_commit
from profiles.orders import seed_orders
from profiles.services import seed_booked_services, seed_offers, seed_service_points
from profiles.units import unit_tree
from profiles.words import (
    BIG,
    BUDGETS,
    CITIES,
    FIRM_WORDS,
    FIRST,
    LAST,
    LEGAL,
    MEDIUM,
    QUALIFIERS,
    SECTORS,
    SMALL,
    STREETS,
    slug,
)

ACME_ADMIN = "anna.admin@acme.example"
CHUNK = 5_000  # rows per executemany: few round trips, flat memory

#: rows each profile adds, per table
SIZES = {
    "S": {"companies": 20, "business_units": 60, "company_users": 200, "invitations": 200,
          "company_applications": 50, "audit_events": 2_000, "products": 200, "orders": 2_000,
          "assets": 500, "inquiries": 1_000, "files": 500, "service_points": 5, "product_offers": 20,
          "booked_services": 1_000},
    "M": {"companies": 200, "business_units": 600, "company_users": 2_000, "invitations": 2_000,
          "company_applications": 500, "audit_events": 20_000, "products": 2_000, "orders": 20_000,
          "assets": 5_000, "inquiries": 10_000, "files": 5_000, "service_points": 20, "product_offers": 200,
          "booked_services": 10_000},
    "L": {"companies": 2_000, "business_units": 6_000, "company_users": 20_000, "invitations": 20_000,
          "company_applications": 5_000, "audit_events": 200_000, "products": 20_000, "orders": 200_000,
          "assets": 50_000, "inquiries": 100_000, "files": 50_000, "service_points": 50, "product_offers": 2_000,
          "booked_services": 100_000},
}


class ProfileError(Exception):
    """A profile cannot be seeded here: an unknown size, or a profile already in the database."""


class SeedReport(dict):
    """Rows added per table; ``str()`` reads as a short report."""

    def __init__(self, size: str, counts: dict[str, int]):
        super().__init__(counts)
        self.size = size

    def __str__(self) -> str:
        return "\n".join([f"Profile {self.size} added:", *(f"  {t:<22}{n:>9,}" for t, n in self.items())])


@dataclass
class Firm:
    """A company the profile fills, with the ids and labels that later rows point at."""

    id: int
    name: str
    domain: str
    shop: Shop
    created_at: datetime
    weights: tuple[float, ...]  # shares of the users, business units and audit events
    status: str = "active"
    new: bool = True
    admin: tuple[int, str] | None = None
    root_unit: int | None = None
    units: list[tuple[int, str]] = field(default_factory=list)
    users: list[tuple[int, str]] = field(default_factory=list)
    addresses: list[tuple[int, str]] = field(default_factory=list)
    invitations: list[tuple[int, str]] = field(default_factory=list)

    @property
    def country(self) -> str:
        return "US" if self.shop.currency == "USD" else "DE"


@dataclass
class Plan:
    """What the steps share: sizes, a seeded random source (the same data each time), reference rows, firms."""

    sizes: dict[str, int]
    rng: random.Random
    password_hash: str
    shops: dict[str, Shop]
    staff: dict[str, tuple[int, str]]
    roles: dict[str, tuple[int, str]]
    taken: set[str]  # every e-mail address in use
    firms: list[Firm] = field(default_factory=list)
    now: datetime = field(default_factory=utcnow)
    counts: Counter = field(default_factory=Counter)
    next_id: dict[str, int] = field(default_factory=dict)

    def ids(self, table, count: int) -> range:
        """``count`` fresh ids for ``table``, after the largest present."""
        if table.name not in self.next_id:
            self.next_id[table.name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        self.next_id[table.name] += count
        return range(self.next_id[table.name] - count, self.next_id[table.name])

    def insert(self, table, rows: list[dict]) -> None:
        """Insert ``rows`` with executemany, ``CHUNK`` at a time, and count them."""
        if rows:
            self.counts[table.name] += len(rows)
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(table), rows[start:start + CHUNK])

    def ago(self, most_days: float, least_days: float = 0) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(least_days, most_days))

    def person(self, domain: str) -> tuple[str, str, str]:
        """First name, last name and a free address ``first.last@domain`` (numbered when taken)."""
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        local, number = f"{first}.{last}".lower(), 1
        email = f"{local}@{domain}"
        while email in self.taken:
            number += 1
            email = f"{local}{number}@{domain}"
        self.taken.add(email)
        return first, last, email


def seed_profile(size: str) -> SeedReport:
    """Add profile ``size`` (S, M or L) to the demo data, seeding the demo first if missing; flushes, the caller
    commits, then calls ``vacuum_after_commit``. A database holds one profile: seeding again, any size, refuses
    with ``ProfileError`` and adds nothing."""
    size = (size or "").upper()
    if size not in SIZES:
        raise ProfileError(f"Unknown profile {size!r}: choose one of {', '.join(SIZES)}.")
    seed_demo()
    _refuse_if_seeded()
    plan = _plan(size)
    for kind, step in STEPS:
        step(plan, plan.sizes[kind])
    continue_sequences(plan.next_id)
    settle_indexes()
    db.session.expire_all()
    return SeedReport(size, dict(plan.counts))


def _refuse_if_seeded() -> None:
    name = BIG[1][0]
    found = db.session.scalar(select(Company.id).where(Company.name == name).execution_options(unscoped=True))
    if found is not None:
        users = db.session.scalar(select(func.count(CompanyUser.id)).where(CompanyUser.company_id == found))
        raise ProfileError(f"This database already holds a data profile ({name} has {users} users); nothing was "
                           "added. Seed a profile into a database that holds only the demo data.")


def _plan(size: str) -> Plan:
    """Reference rows, every address in use, and Acme as the first firm (its demo rows included)."""
    anna = db.session.scalar(select(CompanyUser).where(CompanyUser.email == ACME_ADMIN))
    if anna is None:
        raise ProfileError(f"The demo account {ACME_ADMIN} is missing; profiles are built around its company.")
    taken = {e for model in (CompanyUser, Invitation, CompanyApplication) for e in db.session.scalars(
        select(model.email).execution_options(unscoped=True))}
    plan = Plan(sizes=SIZES[size], rng=random.Random(f"atrium-profile-{size}"), taken=taken,
                password_hash=hash_password(DEMO_PASSWORD), shops={s.code: s for s in db.session.scalars(select(Shop))},
                staff={s.email: (s.id, f"{s.name} <{s.email}>") for s in db.session.scalars(select(StaffUser))},
                roles={key: (role.id, role.name) for key, role in builtin_roles().items()})
    acme = anna.company
    acme_firm = Firm(acme.id, acme.name, ACME_ADMIN.split("@")[1], acme.shop, acme.created_at, tuple(BIG[0][2:]),
                     status=acme.status, new=False, admin=(anna.id, str(anna)[:200]),
                     units=[(u.id, u.name) for u in acme.business_units], users=[(u.id, str(u)) for u in acme.users],
                     addresses=[(a.id, str(a)[:200]) for a in acme.addresses],
                     invitations=[(i.id, str(i)) for i in db.session.scalars(
                         select(Invitation).where(Invitation.company_id == acme.id))])
    roots = sorted((u.name != "Headquarters", u.id) for u in acme.business_units if u.parent_id is None)
    acme_firm.root_unit = roots[0][1] if roots else None
    plan.firms.append(acme_firm)
    return plan


def _allocate(total: int, weights: list[float], minimum: list[int]) -> list[int]:
    """``total`` split into whole numbers: ``minimum`` each, the rest in proportion to ``weights``."""
    rest, weight = total - sum(minimum), sum(weights)
    if rest < 0:
        raise ProfileError(f"{total} rows cannot give {sum(minimum)} companies one each.")
    quotas = [rest * w / weight for w in weights]
    shares = [int(q) for q in quotas]
    for i in sorted(range(len(quotas)), key=lambda i: shares[i] - quotas[i])[:rest - sum(shares)]:
        shares[i] += 1  # the largest remainders round up
    return [m + s for m, s in zip(minimum, shares)]


def seed_companies(plan: Plan, count: int) -> None:
    """New companies, three big, 2% medium, the rest small; each with a billing and some shipping addresses.
    A few small ones are inactive, or registered and waiting for approval."""
    rng, medium = plan.rng, max(1, round(count * 0.02))
    sizes = [min(12.0, rng.paretovariate(1.5)) for _ in range(count - len(BIG) + 1 - medium)]
    if not sizes:
        raise ProfileError(f"A profile needs more than {count} companies.")
    spread = [rng.uniform(0.5, 1.5) for _ in range(medium)]
    tiers = [(name, shop, tuple(weights)) for name, shop, *weights in BIG[1:]]
    tiers += [(None, None, tuple(w * s / total for w in MEDIUM)) for total in [sum(spread)] for s in spread]
    tiers += [(None, None, tuple(w * s / total for w in SMALL)) for total in [sum(sizes)] for s in sizes]
    domains = {email.split("@")[1] for email in plan.taken}
    rows, addresses = [], []
    for n, (company_id, (name, shop, weights)) in enumerate(zip(plan.ids(Company.__table__, count), tiers)):
        firm = _new_firm(plan, company_id, name, shop, weights, domains)
        small, roll = n >= len(BIG) - 1 + medium, rng.random()
        firm.status = "active" if not small or roll > 0.05 else "pending" if roll < 0.02 else "inactive"
        plan.firms.append(firm)
        approval = rng.random() < 0.2
        rows.append({"id": firm.id, "name": firm.name, "status": firm.status, "shop_id": firm.shop.id,
                     "customer_group": rng.choice(["default"] * 6 + ["wholesale", "key_accounts", "public_sector"]),
                     "vat_id": f"{firm.country}{rng.randrange(10**8, 10**9)}", "currency": firm.shop.currency,
                     "require_approval": approval, "require_approval_over": Decimal(2500) if approval else None,
                     "block_checkout": False, "block_checkout_over": None, "created_at": firm.created_at,
                     "default_service_rep_id": plan.staff["agent@atrium.example"][0]})
        addresses += _addresses(plan, firm, shipping=rng.choice([1, 1, 1, 2, 2, 3]) if small else 5)
    plan.insert(Company.__table__, rows)
    plan.insert(Address.__table__, addresses)


def _new_firm(plan: Plan, company_id: int, name: str | None, shop_code: str | None, weights, domains) -> Firm:
    """The named company, or one with a made-up name whose domain (``<slug>.example``) is still free."""
    rng, base = plan.rng, name
    shop = plan.shops[shop_code or rng.choices(["atrium-de", "atrium-us"], [6, 4])[0]]
    while base is None or slug(base) + ".example" in domains:
        words = [rng.choice(FIRM_WORDS), rng.choice(QUALIFIERS), rng.choice(SECTORS)]
        base = " ".join(words if rng.random() < 0.3 else words[::2])
    domains.add(slug(base) + ".example")
    firm = Firm(company_id, name or base, slug(base) + ".example", shop, plan.ago(1500, 120), weights)
    firm.name = name or f"{base} {rng.choice(LEGAL[firm.country])}"
    return firm


def _addresses(plan: Plan, firm: Firm, shipping: int) -> list[dict]:
    """The billing address and ``shipping`` shipping addresses; the first of each kind is the default."""
    rows = []
    for n, address_id in enumerate(plan.ids(Address.__table__, 1 + shipping)):
        city, postal = plan.rng.choice(CITIES[firm.country])
        kind, label = ("billing", firm.name) if n == 0 else ("shipping", f"{city} warehouse {n}")
        line1 = f"{plan.rng.randint(1, 200)} {plan.rng.choice(STREETS)}"
        rows.append({"id": address_id, "company_id": firm.id, "kind": kind, "label": label, "line1": line1,
                     "line2": "", "postal_code": postal, "city": city, "country": firm.country, "is_default": n <= 1})
        firm.addresses.append((address_id, ", ".join([label, line1, f"{postal} {city}", firm.country])[:200]))
    return rows


def seed_business_units(plan: Plan, count: int) -> None:
    """A Headquarters for each new company (its main unit) and, below the root, the company's share as a tree."""
    per_firm = _allocate(count, [f.weights[1] for f in plan.firms], [int(f.new) for f in plan.firms])
    rows = []
    for firm, n in zip(plan.firms, per_firm):
        if firm.new:
            [firm.root_unit] = plan.ids(BusinessUnit.__table__, 1)
            rows.append({"id": firm.root_unit, "company_id": firm.id, "parent_id": None, "name": "Headquarters",
                         "service_rep_id": plan.staff["agent@atrium.example"][0]})
            firm.units.append((firm.root_unit, "Headquarters"))
        tree = unit_tree(n - firm.new, [name for _, name in firm.units])
        ids = plan.ids(BusinessUnit.__table__, len(tree))
        for unit_id, (name, parent) in zip(ids, tree):
            rows.append({"id": unit_id, "company_id": firm.id, "name": name, "service_rep_id": None,
                         "parent_id": firm.root_unit if parent is None else ids[parent]})
            firm.units.append((unit_id, name))
    plan.insert(BusinessUnit.__table__, rows)


def seed_users(plan: Plan, count: int) -> None:
    """Users with the demo password, built-in roles, a business unit and an assignment in their company's shop
    (waiting for approval in a pending company, and now and then elsewhere). A new company's first user is its
    Account Admin."""
    per_firm = _allocate(count, [f.weights[0] for f in plan.firms], [int(f.new) for f in plan.firms])
    ids = iter(plan.ids(CompanyUser.__table__, count))
    users, roles, assignments = [], [], []
    for firm, n in zip(plan.firms, per_firm):
        for i in range(n):
            user = _user(plan, firm, next(ids), admin=firm.new and i == 0)
            keys = ["buyer"] + [key for key, odds in (("account_admin", 0.05), ("approver", 0.12),
                                                       ("cost_center_manager", 0.06)) if plan.rng.random() < odds]
            if firm.admin[0] == user["id"] and "account_admin" not in keys:
                keys.append("account_admin")
            users.append(user)
            roles += [{"user_id": user["id"], "role_id": plan.roles[key][0]} for key in keys]
            enabled = firm.status != "pending" and (firm.admin[0] == user["id"] or plan.rng.random() > 0.03)
            assignments.append({"user_id": user["id"], "shop_id": firm.shop.id, "changed_at": user["created_at"],
                                "state": "enabled" if enabled else "disabled"})
    plan.insert(CompanyUser.__table__, users)
    plan.insert(user_roles, roles)
    plan.insert(ShopAssignment.__table__, assignments)


def _user(plan: Plan, firm: Firm, user_id: int, admin: bool) -> dict:
    rng = plan.rng
    first, last, email = plan.person(firm.domain)
    budget, period = rng.choice(BUDGETS) if rng.random() < 0.3 else (None, None)
    firm.users.append((user_id, f"{first} {last} <{email}>"[:200]))
    if admin:
        firm.admin = firm.users[-1]
    return {"id": user_id, "email": email, "password_hash": plan.password_hash, "first_name": first,
            "last_name": last, "phone": f"+{1 if firm.country == 'US' else 49} {rng.randint(200, 999)} 555 "
            f"{rng.randint(1000, 9999)}", "company_id": firm.id, "customer_type": "b2b",
            "business_unit_id": firm.root_unit if admin else rng.choice(firm.units)[0],
            "active": admin or rng.random() > 0.04, "confirmation_pending": False, "session_version": 1,
            "currency": firm.shop.currency, "budget_amount": budget, "budget_period": period,
            "order_spend_limit": rng.choice([Decimal(500), Decimal(2500)]) if rng.random() < 0.2 else None,
            "created_at": firm.created_at + (plan.now - firm.created_at) * rng.random(),
            "last_login_at": plan.ago(60) if rng.random() < 0.75 else None}


def seed_invitations(plan: Plan, count: int) -> None:
    """Pending invitations to new addresses at each active company's domain, sent by its admin in the last ten
    days; some have expired unanswered. Nobody holds their links: each token hash is random."""
    per_firm = _allocate(count, [f.weights[0] * (f.status == "active") for f in plan.firms], [0] * len(plan.firms))
    days, ids, rows = current_app.config.get("INVITATION_DAYS", 7), iter(plan.ids(Invitation.__table__, count)), []
    for firm, n in zip(plan.firms, per_firm):
        for _ in range(n):
            invitation_id, (_, _, email), sent = next(ids), plan.person(firm.domain), plan.ago(10)
            role = plan.rng.choices(["buyer", "approver", "account_admin"], [85, 10, 5])[0]
            rows.append({"id": invitation_id, "company_id": firm.id, "email": email, "role_id": plan.roles[role][0],
                         "token_hash": secrets.token_hex(32), "state": "pending", "invited_by": firm.admin[1],
                         "created_at": sent, "expires_at": sent + timedelta(days=days), "accepted_at": None,
                         "user_id": None})
            firm.invitations.append((invitation_id, f"Invitation for {email}"))
    plan.insert(Invitation.__table__, rows)


#: what a profile adds, in order (later rows point at earlier ones); a step adds ``SIZES[size][kind]`` rows
STEPS = [
    ("companies", seed_companies),
    ("business_units", seed_business_units),
    ("company_users", seed_users),
    ("invitations", seed_invitations),
    ("company_applications", seed_applications),
    ("audit_events", seed_audit_events),
    ("products", seed_products),
    ("orders", seed_orders),
    ("assets", seed_assets),
    ("inquiries", seed_inquiries),
    ("files", seed_files),
    ("service_points", seed_service_points),
    ("product_offers", seed_offers),
    ("booked_services", seed_booked_services),
]
