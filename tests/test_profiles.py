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
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from extensions import db
from models.actors import Actor
from models.companies import Company
from models.members import check_email, create_user
from models.users import CompanyUser
from profiles import SIZES, ProfileError, seed_profile, unit_tree
from tests.helpers import login

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "atrium-demo"
PORTAL_ACCOUNTS = ("anna.admin@acme.example", "ben.buyer@acme.example", "alice.approver@acme.example",
                   "carl.ccm@acme.example", "gina.admin@globex.example")
STAFF_ACCOUNTS = ("admin@atrium.example", "support@atrium.example", "agent@atrium.example")
TABLES = (*SIZES["S"], "addresses", "user_roles", "shop_assignments", "workflow_history")


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
