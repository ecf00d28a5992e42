"""Scopes: a user sees their own rows, their business unit's (and below) or their company's, by permission.

Orders, inquiries, services, assets and files will be ``Owned`` rows; here a
table of the test's own, created inside the test's transaction, stands in for
them, with a row in every corner of a small business-unit tree.
"""
from __future__ import annotations

import pytest
from sqlalchemy import Integer, MetaData, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from extensions import db
from models.actors import SYSTEM, VISITOR, Actor, ActorKind
from models.companies import BusinessUnit
from models.permissions import BUILTIN_ROLES, BuiltinRole, Perm
from models.scopes import TRIADS, Owned, get_visible, visible
from tests import factories as f


class _Base(DeclarativeBase):
    metadata = MetaData()


class Ticket(_Base):
    """Stands in for an Owned row: company, business unit, owner."""

    __tablename__ = "scope_test_tickets"
    scope = "inquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    company_id: Mapped[int] = mapped_column(Integer)
    business_unit_id: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(Integer)

    in_units = classmethod(Owned.in_units.__func__)  # as an Owned row answers it


@pytest.fixture
def tree(app, _rollback):
    """Acme: HQ > North > Line 1, and South; a ticket in each unit, one per person, one of Globex."""
    with app.app_context():
        _Base.metadata.create_all(_rollback)
        acme, globex = f.company("Acme Industrial"), f.company("Globex")
        hq = BusinessUnit(name="Tree HQ", company=acme)
        north = BusinessUnit(name="Tree North", company=acme, parent=hq)
        line = BusinessUnit(name="Tree Line 1", company=acme, parent=north)
        south = BusinessUnit(name="Tree South", company=acme)
        db.session.add_all([hq, north, line, south])
        db.session.flush()
        units = {"hq": hq.id, "north": north.id, "line": line.id, "south": south.id}
        rows = [("hq", acme.id, hq.id, 901), ("north", acme.id, north.id, 902), ("line", acme.id, line.id, 903),
                ("south", acme.id, south.id, 904), ("mine", acme.id, south.id, 900),
                ("globex", globex.id, None, 900)]
        db.session.add_all(Ticket(title=t, company_id=c, business_unit_id=u, owner_id=o) for t, c, u, o in rows)
        db.session.flush()
        yield {"acme": acme.id, "globex": globex.id, **units}


def _person(company_id: int, unit_id: int | None, *perms: Perm) -> Actor:
    return Actor(kind=ActorKind.COMPANY, id=900, name="Pat", email="pat@acme.example", company_id=company_id,
                 business_unit_id=unit_id, permissions=frozenset(perms))


def _seen(actor: Actor) -> set[str]:
    return set(db.session.scalars(select(Ticket.title).where(visible(Ticket, actor).whereclause)))


def test_without_a_scope_permission_a_user_sees_only_their_own(app, tree):
    with app.app_context():
        assert _seen(_person(tree["acme"], tree["north"])) == {"mine"}


def test_the_business_unit_permission_shows_the_unit_and_every_unit_below_it(app, tree):
    with app.app_context():
        north = _person(tree["acme"], tree["north"], Perm.VIEW_BUSINESS_UNIT_INQUIRIES)
        assert _seen(north) == {"mine", "north", "line"}
        hq = _person(tree["acme"], tree["hq"], Perm.VIEW_BUSINESS_UNIT_INQUIRIES)
        assert _seen(hq) == {"mine", "hq", "north", "line"}
        nowhere = _person(tree["acme"], None, Perm.VIEW_BUSINESS_UNIT_INQUIRIES)
        assert _seen(nowhere) == {"mine"}


def test_the_company_permission_shows_the_company_and_never_another(app, tree):
    with app.app_context():
        assert _seen(_person(tree["acme"], tree["south"], Perm.VIEW_COMPANY_INQUIRIES)) == {
            "hq", "north", "line", "south", "mine"}
        assert _seen(_person(tree["globex"], None, *Perm)) == {"globex"}


def test_another_kinds_permission_widens_nothing(app, tree):
    with app.app_context():
        assert _seen(_person(tree["acme"], tree["hq"], Perm.VIEW_COMPANY_ASSETS, Perm.VIEW_COMPANY_ORDERS)) == {"mine"}


def test_an_agent_sees_what_the_customer_sees_and_staff_see_everything(app, tree):
    with app.app_context():
        customer = _person(tree["acme"], tree["north"], Perm.VIEW_BUSINESS_UNIT_INQUIRIES)
        agent = f.actor("agent@atrium.example").emulating(customer)
        assert _seen(agent) == {"mine", "north", "line"}
        assert len(_seen(f.actor("support@atrium.example"))) == 6 and len(_seen(SYSTEM)) == 6
        assert _seen(VISITOR) == set()


def test_one_row_is_loaded_only_when_visible(app, tree):
    with app.app_context():
        ids = dict(db.session.execute(select(Ticket.title, Ticket.id)).all())
        me = _person(tree["acme"], tree["north"])
        assert get_visible(Ticket, ids["mine"], me).title == "mine"
        assert get_visible(Ticket, ids["north"], me) is None
        assert get_visible(Ticket, ids["globex"], _person(tree["acme"], None, *Perm)) is None


def test_every_coming_kind_has_a_triad_that_account_admins_hold():
    assert set(TRIADS) == {"orders", "inquiries", "services", "assets", "files"}
    admin = BUILTIN_ROLES[BuiltinRole.ACCOUNT_ADMIN][1]
    for triad in TRIADS.values():
        assert triad.company in admin and (triad.business_unit is None or triad.business_unit in admin)


def test_the_portal_loads_a_visible_row_or_answers_404(app, tree):
    from flask import g
    from werkzeug.exceptions import NotFound

    from security import get_visible_or_404

    with app.app_context():
        ids = dict(db.session.execute(select(Ticket.title, Ticket.id)).all())
        with app.test_request_context():
            g.actor = _person(tree["acme"], tree["north"])
            assert get_visible_or_404(Ticket, str(ids["mine"])).title == "mine"
            for refused in (ids["north"], ids["globex"], "abc", "-1", str(2**31), "9" * 40, None):
                with pytest.raises(NotFound):
                    get_visible_or_404(Ticket, refused)
