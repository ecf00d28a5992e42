"""Demo data that shows each company feature, made through the model operations."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.actors import Actor
from models.applications import submit_application
from models.attributes import DEFAULT_ATTRIBUTES, AttributeDefinition, ShopAttribute
from models.invitations import invite
from models.registration import register_organisation
from models.roles import create_role
from models.users import CompanyUser, builtin_roles


def _user(email: str) -> CompanyUser:
    return db.session.scalar(select(CompanyUser).where(CompanyUser.email == email))


def seed_features(shops, staff) -> None:
    from demo import DEMO_PASSWORD

    _seed_attributes(shops)
    anna = _user("anna.admin@acme.example")
    as_anna = Actor.for_company_user(anna)
    create_role(anna.company, actor=as_anna, name="Inquiry desk",
                permissions=["create_inquiries", "view_company_inquiries", "view_files", "view_dashboard"])
    invite(anna.company, "dave.new@acme.example", builtin_roles()["buyer"], actor=as_anna)
    submit_application(shops["atrium-us"], {
        "company_name": "Umbrella Supplies", "vat_id": "US-55-1234567", "first_name": "Uma",
        "last_name": "Umbrella", "email": "uma@umbrella.example", "phone": "+1 555 0100",
        "line1": "42 Raccoon Street", "postal_code": "10001", "city": "New York", "country": "US",
    })
    # A self-registration in a shop that requires approval: its assignment starts disabled.
    ivan = register_organisation(shops["atrium-de"], {
        "company_name": "Initech", "first_name": "Ivan", "last_name": "Initech",
        "email": "ivan@initech.example", "password": DEMO_PASSWORD, "confirm": DEMO_PASSWORD,
        "phone": "+49 89 555 10",
    })
    ivan.confirmation_pending = False  # Ivan opened the link in his mail; staff have yet to approve
    db.session.flush()
    from demo_catalog import seed_catalog, seed_orders

    seed_catalog(shops)
    seed_orders(anna.company)
    from demo_aftersales import seed_aftersales

    seed_aftersales(anna.company)


def _seed_attributes(shops) -> None:
    definitions = {}
    for key, label, kind in DEFAULT_ATTRIBUTES:
        definitions[key] = AttributeDefinition(key=key, label=label, type=kind.value)
        db.session.add(definitions[key])
    for code in ("atrium-de", "atrium-us"):
        db.session.add(ShopAttribute(shop=shops[code], definition=definitions["CUSTOMER_PHONE"]))
        db.session.add(ShopAttribute(shop=shops[code], definition=definitions["MARKETING_OPT_IN"], on_registration=False))
        db.session.add(ShopAttribute(shop=shops[code], definition=definitions["CUSTOMER_B2B_REF"], on_registration=False))
