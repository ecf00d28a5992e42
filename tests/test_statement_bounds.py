"""Flat page cost: every page runs the same number of SQL statements however much data there is, and
no more than a fixed bound.

Each portal page (as an Account Admin) and each back office page (as an administrator), with deep
pages and searches, is counted once Acme has grown by some units, members, invitations, addresses and
audit events and Atrium by some companies, roles, shops and staff, then again after three times as much
more. A page whose count grows with the data
loads rows one by one (an N+1) or renders an unbounded list: it fails here.
"""
from __future__ import annotations

import pytest

from extensions import db
from models.audit import AuditEvent
from models.companies import Company
from tests import factories as f
from tests.browser_tests.test_layout_and_access import _back_office_pages, _portal_pages
from tests.helpers import count_queries, grow_company

# The most statements a page may run: the identity (2), the page's rows and what they show, a count.
MOST = 10
# Pages that need more, and why (each is a finding to work off, not a licence).
MORE = {
    # eight sections: company with shop and representative, units, a page of addresses, the billing address,
    # members with their counts, account admins, newest invitations with their count, last audit entries,
    # staff and roles (with their permissions) for the forms
    "/admin/companies/details/?id=1": 12,
    "/admin/companies/details/?id=1&unit=2&units_page=2&addresses_page=2": 12,
}

DEEP_AND_SEARCH = {
    "anna.admin@acme.example": ["/account/users?page=2", "/account/users?q=row1", "/account/audit?newer=0-0",
                                "/account/invitations?page=2"],
    # (Flask-Admin counts pages from 0: page=1 is the second)
    "admin@atrium.example": ["/admin/company_users/?page=1", "/admin/company_users/?search=row1",
                             "/admin/companies/?search=extra", "/admin/companies/?page=1", "/admin/audit/?page=1",
                             "/admin/companies/details/?id=1&unit=2&units_page=2&addresses_page=2"],
}


def _pages(app) -> dict[str, list[str]]:
    return {"anna.admin@acme.example": _portal_pages(app) + DEEP_AND_SEARCH["anna.admin@acme.example"],
            "admin@atrium.example": _back_office_pages(app) + DEEP_AND_SEARCH["admin@atrium.example"]}


def _count(app, client, path: str) -> int:
    response = client.get(path)
    assert response.status_code == 200, path
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def _grow(app, n: int, tag: str) -> None:
    with app.app_context():
        acme = f.company("Acme Industrial")
        anna = f.user("anna.admin@acme.example")
        grow_company(acme, n, tag=tag, service_rep=f.staff("agent@atrium.example"), invitations=True,
                     addresses=True)
        db.session.add_all(AuditEvent(action="user.profile_updated", actor_kind="company", actor_id=anna.id,
                                      actor_label=str(anna), company_id=acme.id, target_type="CompanyUser",
                                      target_id=anna.id, target_label=str(anna), details={"changed": ["phone"]})
                           for _ in range(2 * n))
        for i in range(n):
            db.session.add(Company(name=f"Extra {tag} {i}", shop=f.shop("atrium-us")))
        for i in range(n // 5):  # and more of what lists show per row: roles, shops and staff
            f.RoleFactory(company=acme, name=f"Role {tag} {i}")
            f.ShopFactory(code=f"{tag}-{i}", name=f"Shop {tag} {i}", parent=f.shop("atrium"))
            f.StaffUserFactory(email=f"{tag}{i}@atrium.example", name=f"Staff {tag} {i}")
        db.session.commit()


@pytest.mark.parametrize("email", ["anna.admin@acme.example", "admin@atrium.example"])
def test_every_page_costs_the_same_few_statements_at_two_sizes(app, login_as, email):
    client = login_as(email)
    pages = _pages(app)[email]
    _grow(app, 25, "grown")
    small = {path: _count(app, client, path) for path in pages}
    _grow(app, 75, "more")
    large = {path: _count(app, client, path) for path in pages}
    grew = {path: (small[path], large[path]) for path in pages if large[path] != small[path]}
    too_many = {path: large[path] for path in pages if large[path] > MORE.get(path, MOST)}
    print("\n" + "\n".join(f"{small[p]:3d} {large[p]:3d}  {p}" for p in pages))
    assert not grew, f"statements grew with the data (small, large): {grew}"
    assert not too_many, f"more than {MOST} statements: {too_many}"


@pytest.mark.parametrize("path,table", [("/admin/audit/", "audit_events"), ("/admin/outbox/", "outbox_messages")])
def test_the_audit_log_and_outbox_never_count_every_row(app, login_as, path, table):
    """They grow without end: a page reads its rows, with previous / next links, never a count(*)."""
    _grow(app, 25, "pager")
    with app.app_context():
        for i in range(25):
            f.OutboxMessageFactory(recipient=f"pager{i}@acme.example")
        db.session.commit()
    client = login_as("admin@atrium.example")
    with count_queries(app) as statements:
        html = client.get(path).get_data(as_text=True)
    counts = [s for s in statements if "count(" in s.lower() and table in s.lower()]
    assert counts == [], counts
    assert f'href="{path}?page=1&amp;page_size=20">Next</a>' in html  # the second page (counted from 0)
    assert client.get(f"{path}?page=1").status_code == 200
