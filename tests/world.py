"""The test world: a small cast of shops, staff, companies and people that most tests share.

It is built once per test session with the factories (and, where a test
relies on the side effects, with the operations themselves: an application
submitted, an organisation registered, an invitation sent), committed, and
every test rolls back on top of it. It is the tests' own: the demo data of
``flask seed-demo`` can change without a test noticing. A test that needs
something else builds it with ``tests.factories``.

| who | what |
|---|---|
| admin@, support@, agent@atrium.example | staff: administrator, support, sales representative |
| Acme Industrial (atrium-de, German, EUR) | anna.admin (Account Admin), ben.buyer, alice.approver, carl.ccm; units Headquarters, Plant North, Plant South; role "Inquiry desk"; dave.new invited |
| Globex (atrium-us, US English, USD) | gina.admin (Account Admin) |
| Umbrella Supplies | an application waiting in atrium-us |
| Initech | registered in atrium-de, waiting for approval |
| catalog, Ben's cart and order | see ``tests.world_catalog`` |
| assets, files, inquiries | see ``tests.world_aftersales`` |
"""
from __future__ import annotations

from extensions import db
from models.actors import Actor
from models.applications import submit_application
from models.attributes import DEFAULT_ATTRIBUTES
from models.invitations import invite
from models.registration import register_organisation
from models.roles import create_role
from models.users import builtin_roles
from tests import factories as f
from tests.world_aftersales import build_aftersales
from tests.world_catalog import build_catalog

PASSWORD = f.PASSWORD


def build_world() -> None:
    """Create the cast (see the module docstring) in the current session; the caller commits."""
    shops = _shops()
    staff = {email: f.StaffUserFactory(email=email, name=name, roles=[role], phone="+49 30 1234 567")
             for email, name, role in (("admin@atrium.example", "Ada Administrator", "administrator"),
                                       ("support@atrium.example", "Sam Support", "support"),
                                       ("agent@atrium.example", "Rita Representative", "sales_rep"))}
    rep = staff["agent@atrium.example"]
    acme = f.CompanyFactory(name="Acme Industrial", shop=shops["atrium-de"], default_service_rep=rep)
    units = {name: f.BusinessUnitFactory(company=acme, name=name, service_rep=rep)
             for name in ("Headquarters", "Plant North", "Plant South")}
    for kind, label, line1, postal, city, default in (
        ("billing", "Head office", "1 Foundry Road", "10115", "Berlin", True),
        ("shipping", "Plant North", "12 Harbour Street", "20095", "Hamburg", True),
        ("shipping", "Plant South", "7 Alpine Way", "80331", "Munich", False),
    ):
        f.AddressFactory(company=acme, kind=kind, label=label, line1=line1, postal_code=postal, city=city,
                         country="DE", is_default=default)
    for email, first, last, unit, roles in (
        ("anna.admin@acme.example", "Anna", "Admin", "Headquarters", ["account_admin"]),
        ("ben.buyer@acme.example", "Ben", "Buyer", "Plant North", []),
        ("alice.approver@acme.example", "Alice", "Approver", "Headquarters", ["approver"]),
        ("carl.ccm@acme.example", "Carl", "Manager", "Plant South", ["cost_center_manager"]),
    ):
        f.CompanyUserFactory(email=email, first_name=first, last_name=last, company=acme,
                             business_unit=units[unit], roles=roles)
    globex = f.CompanyFactory(name="Globex", shop=shops["atrium-us"], default_service_rep=rep)
    main_office = f.BusinessUnitFactory(company=globex, name="Main Office", service_rep=rep)
    f.AddressFactory(company=globex, kind="billing", label="Globex HQ", line1="500 Market Street",
                     postal_code="94105", city="San Francisco", country="US", is_default=True)
    f.CompanyUserFactory(email="gina.admin@globex.example", first_name="Gina", last_name="Admin", company=globex,
                         business_unit=main_office, roles=["account_admin"])
    _attributes(shops)
    _features(acme, shops)
    db.session.flush()
    build_catalog(shops, acme, f.user("ben.buyer@acme.example"), f.user("anna.admin@acme.example").id)
    build_aftersales()


def _shops() -> dict:
    master = f.ShopFactory(code="atrium", name="Atrium Industrial Supply", registration_mode="application")
    germany = f.ShopFactory(code="atrium-de", name="Atrium Germany", parent=master, locale="de_DE")
    usa = f.ShopFactory(code="atrium-us", name="Atrium USA", parent=master, registration_mode="application",
                        locale="en_US", currency="USD")
    f.ShopCustomerSettingFactory(shop=master)
    f.ShopCustomerSettingFactory(shop=germany, requires_approval=True)
    f.ShopCustomerSettingFactory(shop=usa, address_book_mode="billing_read_only")
    return {shop.code: shop for shop in (master, germany, usa)}


def _attributes(shops) -> None:
    definitions = {key: f.AttributeDefinitionFactory(key=key, label=label, type=kind.value)
                   for key, label, kind in DEFAULT_ATTRIBUTES}
    for code in ("atrium-de", "atrium-us"):
        f.ShopAttributeFactory(shop=shops[code], definition=definitions["CUSTOMER_PHONE"])
        f.ShopAttributeFactory(shop=shops[code], definition=definitions["MARKETING_OPT_IN"], on_registration=False)
        f.ShopAttributeFactory(shop=shops[code], definition=definitions["CUSTOMER_B2B_REF"], on_registration=False)


def _features(acme, shops) -> None:
    """What the tests expect to find mid-flight, made as a person would: through the operations."""
    anna = Actor.for_company_user(f.user("anna.admin@acme.example"))
    create_role(acme, actor=anna, name="Inquiry desk",
                permissions=["create_inquiries", "view_company_inquiries", "view_files", "view_dashboard"])
    invite(acme, "dave.new@acme.example", builtin_roles()["buyer"], actor=anna)
    submit_application(shops["atrium-us"], {
        "company_name": "Umbrella Supplies", "vat_id": "US-55-1234567", "first_name": "Uma",
        "last_name": "Umbrella", "email": "uma@umbrella.example", "phone": "+1 555 0100",
        "line1": "42 Raccoon Street", "postal_code": "10001", "city": "New York", "country": "US",
    })
    ivan = register_organisation(shops["atrium-de"], {
        "company_name": "Initech", "first_name": "Ivan", "last_name": "Initech",
        "email": "ivan@initech.example", "password": PASSWORD, "confirm": PASSWORD,
        "phone": "+49 89 555 10",
    })
    ivan.confirmation_pending = False  # Ivan opened the link in his mail; staff have yet to approve
