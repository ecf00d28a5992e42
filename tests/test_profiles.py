"""``flask seed-profile``: the S profile adds the rows it promises, in the shape the model's rules allow, and the
demo accounts keep working on top of it.

The profile goes into a database of its own (``shared_app``: a SQLite file, or a new PostgreSQL database when
TEST_DATABASE_URL is set), never into the shared test world; the CLI test runs the command as a process.
"""
from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from extensions import db
from models.actors import Actor
from models.companies import Company
from models.inquiries import Inquiry
from models.members import check_email, create_user
from models.orders import Order
from models.services import BookedService
from models.users import CompanyUser
from profiles import SIZES, ProfileError, seed_profile, unit_tree
from tests.helpers import login

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "atrium-demo"
PORTAL_ACCOUNTS = ("anna.admin@acme.example", "ben.buyer@acme.example", "alice.approver@acme.example",
                   "carl.ccm@acme.example", "gina.admin@globex.example")
STAFF_ACCOUNTS = ("admin@atrium.example", "support@atrium.example", "agent@atrium.example")
TABLES = (*SIZES["S"], "addresses", "user_roles", "shop_assignments", "workflow_history", "order_lines", "prices",
          "price_lists", "product_shipment_types", "product_shops", "asset_units", "services", "offer_services",
          "offer_shipment_types")


def _rows() -> dict[str, int]:
    return {table: db.session.scalar(text(f"SELECT count(*) FROM {table}")) for table in TABLES}


def _all(sql: str) -> list:
    return db.session.execute(text(sql)).all()


@pytest.fixture(scope="module")
def profiled(tmp_path_factory):
    """An app on its own database with the demo data and the S profile: (app, report, rows before, rows after)."""
    from demo import seed_demo
    from tests.databases import shared_app

    with shared_app(tmp_path_factory.mktemp("profile")) as app:
        with app.app_context():
            seed_demo()
            db.session.commit()
            before = _rows()
            report = seed_profile("s")
            db.session.commit()
            after = _rows()
        yield app, report, before, after


@pytest.fixture
def profile_db(profiled):
    """The profiled app's context; whatever a test writes is rolled back."""
    app = profiled[0]
    with app.app_context():
        yield app
        db.session.rollback()


def test_the_s_profile_adds_the_rows_it_promises(profiled):
    _, report, before, after = profiled
    added = {table: after[table] - before[table] for table in TABLES}
    assert {table: added[table] for table in SIZES["S"]} == SIZES["S"]
    assert dict(report) == {table: count for table, count in added.items() if count}
    assert "Profile S added:" in str(report) and "company_users" in str(report)


@pytest.mark.parametrize("email", PORTAL_ACCOUNTS + STAFF_ACCOUNTS)
def test_every_demo_account_still_signs_in(profiled, email):
    client = profiled[0].test_client()
    staff = email.endswith("@atrium.example")
    response = login(client, email, PASSWORD, "/admin/login/" if staff else "/login")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert client.get("/admin/" if staff else "/account/profile").status_code == 200


def test_the_account_admin_pages_through_acmes_many_users(profiled, profile_db):
    acme_users = db.session.scalar(text("SELECT count(*) FROM company_users u JOIN companies c ON c.id = "
                                        "u.company_id WHERE c.name = 'Acme Industrial'"))
    client = profiled[0].test_client()
    assert login(client, PORTAL_ACCOUNTS[0], PASSWORD).status_code == 302
    response = client.get("/account/users")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Page 1 of {math.ceil(acme_users / 25)} · {acme_users} in all" in html
    assert len(re.findall(r'href="/account/users/\d+" class="font-weight-600"', html)) == 25
    assert client.get("/account/users?page=2").status_code == 200
    assert client.get("/account/audit").status_code == 200


def test_acme_has_the_most_users_and_most_companies_few(profile_db):
    sizes = _all("SELECT c.name, count(u.id) AS n FROM companies c LEFT JOIN company_users u ON u.company_id = c.id "
                 "GROUP BY c.id, c.name ORDER BY n DESC")
    assert sizes[0][0] == "Acme Industrial" and sizes[0][1] > sizes[1][1]
    assert [name for name, _ in sizes[1:4]] == ["Northwind Traders", "Contoso Manufacturing", "Fabrikam Systems"]
    assert sum(1 for _, n in sizes if 1 <= n <= 10) > len(sizes) / 2


def test_business_units_form_trees_within_their_company(profile_db):
    units = {unit_id: (parent_id, company_id) for unit_id, parent_id, company_id in
             _all("SELECT id, parent_id, company_id FROM business_units")}
    for unit_id, (parent_id, company_id) in units.items():
        seen = {unit_id}
        while parent_id is not None:
            assert parent_id not in seen, f"unit {unit_id} is its own ancestor"
            assert units[parent_id][1] == company_id, f"unit {unit_id} hangs under another company's unit"
            seen.add(parent_id)
            parent_id = units[parent_id][0]
        assert len(seen) <= 4
    roots = Counter(company_id for parent_id, company_id in units.values() if parent_id is None)
    assert set(roots) == {company_id for _, company_id in units.values()}


def test_a_big_companys_unit_tree_is_four_levels_deep():
    tree = unit_tree(200, taken=["Headquarters", "Plant North"])

    def depth(index):  # the root unit the tree hangs under is level 1
        return 2 if tree[index][1] is None else 1 + depth(tree[index][1])

    assert len(tree) == 200 and max(depth(i) for i in range(200)) == 4
    assert all(parent is None or parent < i for i, (_, parent) in enumerate(tree))
    names = [name.lower() for name, _ in tree] + ["headquarters", "plant north"]
    assert len(set(names)) == len(names)


def test_the_rows_keep_the_models_rules(profile_db):
    emails = _all("SELECT u.email, c.id FROM company_users u JOIN companies c ON c.id = u.company_id")
    assert all(check_email(email) == email for email, _ in emails)
    domains = Counter((company_id, email.split("@")[1]) for email, company_id in emails)
    assert len({company_id for company_id, _ in domains}) == len(domains), "one mail domain per company"
    assert _all("SELECT shop_id, open_email FROM company_applications WHERE open_email IS NOT NULL "
                "GROUP BY shop_id, open_email HAVING count(*) > 1") == []
    assert _all("SELECT a.id FROM company_applications a JOIN company_users u ON u.email = a.open_email") == []
    assert _all("SELECT token_hash FROM invitations GROUP BY token_hash HAVING count(*) > 1") == []
    assert _all("SELECT i.id FROM invitations i JOIN company_users u ON u.email = i.email "
                "WHERE i.state = 'pending'") == []
    assert _all("SELECT u.id FROM company_users u JOIN companies c ON c.id = u.company_id WHERE NOT EXISTS "
                "(SELECT 1 FROM shop_assignments a WHERE a.user_id = u.id AND a.shop_id = c.shop_id)") == []
    assert _all("SELECT c.id FROM companies c WHERE EXISTS (SELECT 1 FROM company_users u WHERE u.company_id = c.id) "
                "AND NOT EXISTS (SELECT 1 FROM company_users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r "
                "ON r.id = ur.role_id WHERE u.company_id = c.id AND u.active AND r.key = 'account_admin')") == []
    states = dict(_all("SELECT state, count(*) FROM company_applications GROUP BY state"))
    assert set(states) == {"new", "on_hold", "accepted", "rejected"}


def test_every_audit_event_is_one_the_audit_log_describes(profile_db):
    template = (ROOT / "templates" / "shared" / "audit.html").read_text()
    actions = [action for (action,) in _all("SELECT DISTINCT action FROM audit_events")]
    assert [action for action in actions if f"'{action}'" not in template] == []
    by_company = Counter(dict(_all("SELECT company_id, count(*) FROM audit_events GROUP BY company_id")))
    acme = db.session.scalar(select(Company.id).where(Company.name == "Acme Industrial"))
    assert by_company.most_common(1)[0][0] == acme


def test_the_orders_keep_the_models_rules(profile_db):
    """One to five lines each, totals that add up, numbers counted per shop up to the counter, buyers and units
    of the ordering company, states of the order workflow, two years of them, Acme's the most."""
    assert _all("SELECT o.id FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id GROUP BY o.id, o.line_count "
                "HAVING count(l.id) != o.line_count OR count(l.id) NOT BETWEEN 1 AND 5") == []
    assert _all("SELECT o.id FROM orders o JOIN order_lines l ON l.order_id = o.id GROUP BY o.id, o.net_total "
                "HAVING sum(l.line_total) != o.net_total") == []
    assert _all("SELECT id FROM orders WHERE gross_total != net_total + tax_total") == []
    assert _all("SELECT id FROM order_lines WHERE line_total != unit_price * quantity") == []
    assert _all("SELECT o.id FROM orders o JOIN company_users u ON u.id = o.owner_id "
                "WHERE u.company_id != o.company_id OR u.business_unit_id != o.business_unit_id") == []
    numbers = _all("SELECT o.shop_id, o.number, s.code FROM orders o JOIN shops s ON s.id = o.shop_id")
    last = {shop_id: max(int(number.split("-")[1]) for shop, number, _ in numbers if shop == shop_id)
            for shop_id in {shop for shop, _, _ in numbers}}
    assert dict(_all("SELECT shop_id, last_number FROM order_counters")) == last
    assert all(number.startswith(code.split("-")[-1].upper() + "-") for _, number, code in numbers)
    states = {state for (state,) in _all("SELECT DISTINCT state FROM orders")}
    assert {"placed", "on_hold", "confirmed", "shipped", "delivered", "cancelled"} >= states >= {"delivered", "placed"}
    spread = _all("SELECT min(placed_at), max(placed_at) FROM orders")[0]
    first, newest = (datetime.fromisoformat(str(at)[:19]) for at in spread)
    assert timedelta(days=600) < newest - first <= timedelta(days=731)
    assert newest <= datetime.now(timezone.utc).replace(tzinfo=None)
    by_company = _all("SELECT c.name, count(*) AS n FROM orders o JOIN companies c ON c.id = o.company_id "
                      "GROUP BY c.name ORDER BY n DESC")
    assert by_company[0][0] == "Acme Industrial" and len(by_company) > 10


def test_the_s_profile_adds_after_sales_data(profiled):
    _, report, before, after = profiled
    assert {table: after[table] - before[table] for table in ("assets", "inquiries", "files")} == {
        "assets": 500, "inquiries": 1_000, "files": 500}
    assert 500 < report["asset_units"] < 600  # a tenth of the assets shared with a second unit


def test_the_assets_keep_the_models_rules(profile_db):
    """Units of the asset's own company (its filing unit among them), owners of it too, serial numbers unique per
    company, schedules within 200 days of today, Acme's the most."""
    assert _all("SELECT u.asset_id FROM asset_units u JOIN assets a ON a.id = u.asset_id JOIN business_units b "
                "ON b.id = u.business_unit_id WHERE b.company_id != a.company_id") == []
    assert _all("SELECT a.id FROM assets a WHERE NOT EXISTS (SELECT 1 FROM asset_units u WHERE u.asset_id = a.id "
                "AND u.business_unit_id = a.business_unit_id)") == []
    assert _all("SELECT a.id FROM assets a JOIN company_users u ON u.id = a.owner_id "
                "WHERE u.company_id != a.company_id") == []
    assert _all("SELECT company_id, serial_number FROM assets WHERE serial_number IS NOT NULL "
                "GROUP BY company_id, serial_number HAVING count(*) > 1") == []
    assert _all("SELECT id FROM assets WHERE (maintenance_months IS NULL) != (next_maintenance_on IS NULL)") == []
    today = datetime.now(timezone.utc).date()
    due = [date.fromisoformat(str(day)) for (day,) in _all("SELECT next_maintenance_on FROM assets "
                                                            "WHERE next_maintenance_on IS NOT NULL")]
    assert len(due) > 200 and all(abs((day - today).days) <= 201 for day in due)
    assert {s for (s,) in _all("SELECT DISTINCT status FROM assets")} == {"in_use", "in_repair", "out_of_service",
                                                                          "retired"}
    by_company = _all("SELECT c.name, count(*) AS n FROM assets a JOIN companies c ON c.id = a.company_id "
                      "GROUP BY c.name ORDER BY n DESC")
    assert by_company[0][0] == "Acme Industrial" and len(by_company) > 10


def test_the_inquiries_keep_their_workflows_rules(profile_db):
    """The type's workflow and one of its states, closed (and decided with a resolution) exactly in the final
    states, about an asset or order of the author's own company, the author's details copied."""
    assert _all("SELECT i.id FROM inquiries i JOIN inquiry_types t ON t.id = i.type_id "
                "WHERE i.workflow_id != t.workflow_id") == []
    assert _all("SELECT i.id FROM inquiries i WHERE NOT EXISTS (SELECT 1 FROM workflow_states s "
                "WHERE s.workflow_id = i.workflow_id AND s.key = i.state)") == []
    assert _all("SELECT i.id FROM inquiries i JOIN workflow_states s ON s.workflow_id = i.workflow_id "
                "AND s.key = i.state WHERE (s.final AND i.closed_at IS NULL) OR (NOT s.final AND i.closed_at "
                "IS NOT NULL) OR i.closed_at < i.created_at") == []
    assert _all("SELECT id FROM inquiries WHERE (state IN ('approved', 'rejected')) = (resolution = '')") == []
    assert _all("SELECT i.id FROM inquiries i JOIN inquiry_types t ON t.id = i.type_id WHERE t.key = 'asset' AND "
                "NOT EXISTS (SELECT 1 FROM assets a WHERE a.id = i.asset_id AND a.company_id = i.company_id)") == []
    assert _all("SELECT i.id FROM inquiries i JOIN inquiry_types t ON t.id = i.type_id WHERE t.key = 'order_claim' "
                "AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = i.order_id AND o.company_id = i.company_id "
                "AND o.placed_at <= i.created_at)") == []
    assert _all("SELECT i.id FROM inquiries i JOIN inquiry_types t ON t.id = i.type_id WHERE t.key = 'general' "
                "AND (i.asset_id IS NOT NULL OR i.order_id IS NOT NULL)") == []
    assert _all("SELECT i.id FROM inquiries i JOIN company_users u ON u.id = i.owner_id WHERE u.company_id != "
                "i.company_id OR u.email != i.author_email OR u.business_unit_id != i.business_unit_id") == []
    kinds = dict(_all("SELECT t.key, count(*) FROM inquiries i JOIN inquiry_types t ON t.id = i.type_id "
                      "GROUP BY t.key"))
    assert set(kinds) == {"general", "asset", "order_claim"} and min(kinds.values()) > 100
    now, first = datetime.now(timezone.utc), db.session.scalar(select(func.max(Inquiry.id))) - 1_000 + 1
    states = select(Inquiry.state).where(Inquiry.id >= first)  # the profile's, not the demo's made just now
    recent = set(db.session.scalars(states.where(Inquiry.created_at > now - timedelta(days=3))))
    assert "pending" in recent and not recent & {"approved", "rejected"}
    old = set(db.session.scalars(states.where(Inquiry.created_at < now - timedelta(days=30))))
    assert old == {"approved", "rejected", "canceled"}


def test_the_files_are_rows_without_bytes(profiled, profile_db):
    """PDF rows with unique storage keys, of assets of their own company or company documents; nothing is stored,
    so a profile file cannot be downloaded (404, not a server error)."""
    assert _all("SELECT storage_key FROM files GROUP BY storage_key HAVING count(*) > 1") == []
    keys = _all("SELECT f.id, f.storage_key FROM files f JOIN companies c ON c.id = f.company_id "
                "WHERE f.content_type = 'application/pdf' AND c.name = 'Acme Industrial' AND f.asset_id IS NULL "
                "ORDER BY f.id")  # the profile's rows come after the demo data's files, which have bytes
    assert keys and all(re.fullmatch(r"[0-9a-f]{32}", key) for _, key in keys)
    assert _all("SELECT f.id FROM files f JOIN assets a ON a.id = f.asset_id WHERE a.company_id != f.company_id") == []
    shares = dict(_all("SELECT asset_id IS NULL, count(*) FROM files WHERE content_type = 'application/pdf' "
                       "GROUP BY asset_id IS NULL"))
    assert all(150 < share < 350 for share in shares.values())
    client = profiled[0].test_client()
    assert login(client, PORTAL_ACCOUNTS[0], PASSWORD).status_code == 302
    assert client.get(f"/files/{keys[-1][0]}/download").status_code == 404


def test_the_service_points_offer_the_profiles_service_products(profiled, profile_db):
    """One or two services per new point; each offer at one point with services of that point only, the on-site
    service shipment type, a product of the profile's catalog (of the type "service" while there are enough)."""
    assert 5 <= profiled[3]["services"] - profiled[2]["services"] <= 10
    assert _all("SELECT p.id FROM service_points p WHERE (SELECT count(*) FROM services s WHERE "
                "s.service_point_id = p.id) NOT BETWEEN 1 AND 2") == []
    assert _all("SELECT o.id FROM offer_services x JOIN product_offers o ON o.id = x.offer_id JOIN services s "
                "ON s.id = x.service_id WHERE s.service_point_id != o.service_point_id") == []
    assert _all("SELECT o.id FROM product_offers o WHERE NOT EXISTS (SELECT 1 FROM offer_services x WHERE "
                "x.offer_id = o.id) OR NOT EXISTS (SELECT 1 FROM offer_shipment_types x JOIN shipment_types t ON "
                "t.id = x.shipment_type_id WHERE x.offer_id = o.id AND t.key = 'on_site_service')") == []
    kinds = dict(_all("SELECT t.key, count(*) FROM product_offers o JOIN products p ON p.id = o.product_id JOIN "
                      "product_types t ON t.id = p.product_type_id WHERE o.reference NOT IN ('HH-PUMP', 'HH-INSPECT', "
                      "'MUC-PUMP', 'MUC-INSPECT') GROUP BY t.key"))
    assert kinds == {"service": 20}
    assert _all("SELECT product_id, service_point_id FROM product_offers GROUP BY product_id, service_point_id "
                "HAVING count(*) > 1") == []
    assert _all("SELECT id FROM product_offers WHERE valid_from > valid_until OR stock < 0 OR price <= 0 OR "
                "currency != 'EUR'") == []


def test_every_booked_service_copies_its_order_and_offer(profile_db):
    """Company, person, unit and number of an order of the profile, booked when it was placed, at least a day
    ahead; product and service point of its offer; from a year ago to half a year ahead, Acme's the most."""
    first = db.session.scalar(select(func.max(BookedService.id))) - 1_000 + 1  # the profile's: not the demo's
    rows = db.session.execute(select(BookedService, Order).join(Order, Order.id == BookedService.order_id)
                              .where(BookedService.id >= first)).all()
    assert len(rows) == 1_000
    for booked, order in rows:
        assert (booked.company_id, booked.owner_id, booked.business_unit_id, booked.order_number) == (
            order.company_id, order.owner_id, order.business_unit_id, order.number), booked.id
        assert order.placed_at <= booked.created_at < booked.scheduled_at - timedelta(hours=23), booked.id
        assert order.state != "cancelled" and booked.quantity in (1, 2)
    assert _all("SELECT b.id FROM booked_services b JOIN product_offers o ON o.id = b.offer_id JOIN products p ON "
                "p.id = o.product_id JOIN service_points s ON s.id = o.service_point_id WHERE b.product_id != p.id "
                "OR b.sku != p.sku OR b.service_point_name != s.name OR b.service_point_address NOT LIKE "
                "s.line1 || '%' OR b.service_name = ''") == []
    now = datetime.now(timezone.utc)
    times = sorted(booked.scheduled_at for booked, _ in rows)
    assert now - timedelta(days=366) < times[0] < now - timedelta(days=330)
    assert now + timedelta(days=150) < times[-1] < now + timedelta(days=183)
    assert 200 < sum(at > now for at in times) < 500
    by_company = Counter(booked.company_id for booked, _ in rows)
    acme = db.session.scalar(select(Company.id).where(Company.name == "Acme Industrial"))
    assert by_company.most_common(1)[0][0] == acme and len(by_company) > 10


def test_booked_services_ahead_are_scheduled_or_cancelled_and_those_past_done_or_cancelled(profiled, profile_db):
    now, hour = datetime.now(timezone.utc), timedelta(hours=1)  # seeded a moment ago: a slot may have passed since
    first = db.session.scalar(select(func.max(BookedService.id))) - 1_000 + 1
    states = Counter()
    for at, state in db.session.execute(select(BookedService.scheduled_at, BookedService.state)
                                        .where(BookedService.id >= first)):
        ahead = at > now
        assert state in (("scheduled", "cancelled") if ahead else ("completed", "cancelled", "scheduled"))
        assert state != "scheduled" or at > now - hour
        states[ahead, state] += 1
    assert set(states) == {(True, "scheduled"), (True, "cancelled"), (False, "completed"), (False, "cancelled")}
    assert states[True, "scheduled"] > 3 * states[True, "cancelled"]
    assert states[False, "completed"] > 3 * states[False, "cancelled"]
    client = profiled[0].test_client()
    assert login(client, PORTAL_ACCOUNTS[0], PASSWORD).status_code == 302
    assert client.get("/services").status_code == 200 and client.get("/services?upcoming=1").status_code == 200


def test_every_profile_product_has_base_prices_in_both_currencies(profile_db):
    assert _all("SELECT p.id FROM products p WHERE (SELECT count(DISTINCT l.currency) FROM prices r JOIN price_lists l "
                "ON l.id = r.price_list_id WHERE r.product_id = p.id AND l.customer_group = 'default' "
                "AND r.min_quantity = 1) != 2") == []


def test_new_rows_after_the_profile_get_free_ids(profile_db):
    anna = db.session.scalar(select(CompanyUser).where(CompanyUser.email == PORTAL_ACCOUNTS[0]))
    user = create_user(anna.company, actor=Actor.for_company_user(anna), email="new.colleague@acme.example",
                       first_name="New", last_name="Colleague")
    db.session.add(Company(name="After The Profile", shop_id=anna.company.shop_id))
    db.session.flush()  # on PostgreSQL the sequences were moved past the profile's ids, or this collides
    assert user.id > db.session.scalar(select(func.max(CompanyUser.id)).where(CompanyUser.id != user.id))


def test_the_query_planner_knows_the_new_sizes(profile_db):
    """Bulk inserts leave the planner's statistics behind (PostgreSQL guessed 17 users where Acme has 2,974
    and chose plans ten times slower): seeding ends with ANALYZE."""
    if db.engine.dialect.name == "postgresql":
        estimated = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'company_users'"))
    else:
        stat = db.session.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'company_users' LIMIT 1"))
        estimated = int(stat.split()[0]) if stat else 0
    assert estimated >= db.session.scalar(select(func.count(CompanyUser.id))) * 0.9


@pytest.mark.parametrize("size", ["S", "M"])
def test_seeding_again_refuses_and_adds_nothing(profiled, profile_db, size):
    with pytest.raises(ProfileError, match="already holds a data profile"):
        seed_profile(size)
    assert _rows() == profiled[3]


def test_an_unknown_size_is_refused(profile_db):
    with pytest.raises(ProfileError, match="choose one of S, M, L"):
        seed_profile("XL")


def test_the_command_seeds_a_profile_as_a_process(tmp_path):
    database = f"sqlite:///{tmp_path / 'profile.sqlite'}"
    env = dict(os.environ, FLASK_APP="app:create_app", DATABASE_URL=database, REDIS_URL="", MAIL_SERVER="",
               SECRET_KEY="profile-test")

    def flask(*args):
        return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)

    assert flask("db", "upgrade").returncode == 0
    first = flask("seed-profile", "s")  # the size in any case; the demo data comes with it
    assert first.returncode == 0, first.stderr
    assert "Profile S added:" in first.stdout and re.search(r"company_users\s+200\b", first.stdout)
    assert re.search(r"Done in \d+\.\d seconds\.", first.stdout)
    again = flask("seed-profile", "S")
    assert again.returncode != 0 and "already holds a data profile" in again.stderr
    engine = create_engine(database)
    with engine.connect() as connection:
        users = connection.scalar(text("SELECT count(*) FROM company_users"))
        anna = connection.scalar(text("SELECT count(*) FROM company_users WHERE email = 'anna.admin@acme.example'"))
    engine.dispose()
    assert anna == 1 and users == 200 + 6  # the demo's six users and the profile's
