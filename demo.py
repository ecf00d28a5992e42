"""Demo data for ``flask seed-demo``: the accounts of the README, idempotent."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.auth import hash_password
from models.companies import Address, BusinessUnit, Company
from models.permissions import StaffRole
from models.shops import (
    AddressBookMode,
    RegistrationMode,
    Shop,
    ShopAssignment,
    ShopCustomerSetting,
)
from models.staff import StaffUser
from models.users import CompanyUser, builtin_roles

DEMO_PASSWORD = "atrium-demo"

STAFF = [
    ("admin@atrium.example", "Ada Administrator", [StaffRole.ADMINISTRATOR]),
    ("support@atrium.example", "Sam Support", [StaffRole.SUPPORT]),
    ("agent@atrium.example", "Rita Representative", [StaffRole.SALES_REP]),
]

COMPANIES = {
    "Acme Industrial": {
        "shop": "atrium-de",
        "units": ["Headquarters", "Plant North", "Plant South"],
        "addresses": [
            ("billing", "Head office", "1 Foundry Road", "10115", "Berlin", "DE", True),
            ("shipping", "Plant North", "12 Harbour Street", "20095", "Hamburg", "DE", True),
            ("shipping", "Plant South", "7 Alpine Way", "80331", "Munich", "DE", False),
        ],
        "users": [
            ("anna.admin@acme.example", "Anna", "Admin", "Headquarters", ["account_admin"]),
            ("ben.buyer@acme.example", "Ben", "Buyer", "Plant North", []),
            ("alice.approver@acme.example", "Alice", "Approver", "Headquarters", ["approver"]),
            ("carl.ccm@acme.example", "Carl", "Manager", "Plant South", ["cost_center_manager"]),
        ],
    },
    "Globex": {
        "shop": "atrium-us",
        "units": ["Main Office"],
        "addresses": [("billing", "Globex HQ", "500 Market Street", "94105", "San Francisco", "US", True)],
        "users": [("gina.admin@globex.example", "Gina", "Admin", "Main Office", ["account_admin"])],
    },
}

# code, name, master, registration mode, B2B needs approval, B2B address book mode, locale, currency
SHOPS = [
    ("atrium", "Atrium Industrial Supply", None, RegistrationMode.APPLICATION, False, AddressBookMode.DEFAULT,
     "en_GB", "EUR"),
    ("atrium-de", "Atrium Germany", "atrium", RegistrationMode.CREATE_COMPANY, True, AddressBookMode.DEFAULT,
     "de_DE", "EUR"),
    ("atrium-us", "Atrium USA", "atrium", RegistrationMode.APPLICATION, False, AddressBookMode.BILLING_READ_ONLY,
     "en_US", "USD"),
]


def seed_demo() -> bool:
    """Create the demo data unless it exists; returns True when it created it."""
    if db.session.scalar(select(StaffUser).where(StaffUser.email == STAFF[0][0])):
        return False
    password_hash = hash_password(DEMO_PASSWORD)
    shops = _seed_shops()
    staff = _seed_staff(password_hash)
    roles = builtin_roles()
    for name, spec in COMPANIES.items():
        _seed_company(name, spec, shops, roles, password_hash, rep=staff["agent@atrium.example"])
    db.session.flush()
    from demo_features import seed_features

    seed_features(shops, staff)
    return True


def _seed_shops() -> dict[str, Shop]:
    shops: dict[str, Shop] = {}
    for code, name, parent, mode, approval, book, locale, currency in SHOPS:
        shops[code] = Shop(code=code, name=name, parent=shops.get(parent), registration_mode=mode.value,
                           locale=locale, currency=currency)
        shops[code].customer_settings.append(
            ShopCustomerSetting(customer_type="b2b", requires_approval=approval, address_book_mode=book.value)
        )
        db.session.add(shops[code])
    return shops


def _seed_staff(password_hash: str) -> dict[str, StaffUser]:
    staff = {}
    for email, name, roles in STAFF:
        user = StaffUser(email=email, name=name, password_hash=password_hash, phone="+49 30 1234 567")
        user.roles = roles
        db.session.add(user)
        staff[email] = user
    return staff


def _seed_company(name, spec, shops, roles, password_hash, rep) -> Company:
    company = Company(name=name, shop=shops[spec["shop"]], default_service_rep=rep)
    units = {unit: BusinessUnit(name=unit, company=company, service_rep=rep) for unit in spec["units"]}
    for kind, label, line1, postal, city, country, default in spec["addresses"]:
        company.addresses.append(
            Address(kind=kind, label=label, line1=line1, postal_code=postal, city=city, country=country, is_default=default)
        )
    for email, first, last, unit, extra_roles in spec["users"]:
        user = CompanyUser(
            email=email,
            first_name=first,
            last_name=last,
            company=company,
            business_unit=units[unit],
            password_hash=password_hash,
            roles=[roles["buyer"]] + [roles[key] for key in extra_roles],
        )
        user.shop_assignments.append(ShopAssignment(shop=company.shop))
        db.session.add(user)
    db.session.add(company)
    return company
