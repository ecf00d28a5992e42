"""The migrations build the schema the models declare, and the demo seed is idempotent.

Each check runs the real ``flask`` command on an empty SQLite file, as ``make run`` does.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

import settings
from app import create_app
from extensions import db
from models.search import is_search_table

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")


def run_flask(database: Path, *args: str) -> subprocess.CompletedProcess:
    """``flask ARGS`` against the SQLite file ``database``, with no other settings from the shell."""
    env = {k: v for k, v in os.environ.items() if k.removeprefix("ATRIUM_") not in settings.ENV_KEYS}
    env.update(FLASK_APP="app:create_app", DATABASE_URL=f"sqlite:///{database}", SECRET_KEY="test-secret")
    result = subprocess.run(
        [str(FLASK), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("migrated") / "atrium.sqlite"
    run_flask(database, "db", "upgrade")
    return database


def schema(url: str) -> dict:
    """Tables with their columns, keys, constraints and indexes, as comparable values."""
    engine = create_engine(url)
    try:
        found = inspect(engine)
        return {
            table: {
                "columns": {
                    c["name"]: (str(c["type"]), c["nullable"], bool(c.get("primary_key"))) for c in found.get_columns(table)
                },
                "primary key": tuple(found.get_pk_constraint(table)["constrained_columns"]),
                "foreign keys": sorted(
                    (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]),
                     (fk.get("options") or {}).get("ondelete"))
                    for fk in found.get_foreign_keys(table)
                ),
                "unique": sorted((u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(table)),
                "checks": sorted(c["name"] or c["sqltext"] for c in found.get_check_constraints(table)),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)
                ),
            }
            for table in found.get_table_names()
            if table != "alembic_version" and not is_search_table(table)  # in migrations only
        }
    finally:
        engine.dispose()


def app_for(database: Path):
    """An app on the SQLite file ``database``, to read what the migrations left there."""
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": f"sqlite:///{database}",
                       "REDIS_URL": "", "MAIL_SERVER": ""})


def query(database: Path, sql: str) -> list[tuple]:
    """The rows a SELECT gives on the SQLite file ``database``."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def test_upgrade_builds_the_same_schema_as_the_models(migrated, tmp_path):
    declared = tmp_path / "declared.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": f"sqlite:///{declared}",
                      "REDIS_URL": "", "MAIL_SERVER": ""})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    from_models, from_migrations = schema(f"sqlite:///{declared}"), schema(f"sqlite:///{migrated}")
    assert sorted(from_migrations) == sorted(from_models)
    for table, shape in from_models.items():
        assert from_migrations[table] == shape, table


def test_autogenerate_finds_no_pending_changes(migrated):
    """``flask db check`` also fails when the upgraded database is not at the single head."""
    result = run_flask(migrated, "db", "check")
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def row_counts(database: Path) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            return {t: connection.scalar(select(func.count()).select_from(text(f'"{t}"'))) for t in tables}
    finally:
        engine.dispose()


def test_seed_demo_twice_changes_nothing_the_second_time(migrated, tmp_path):
    database = tmp_path / "seeded.sqlite"
    shutil.copy(migrated, database)
    assert "Demo data created." in run_flask(database, "seed-demo").stdout
    first = row_counts(database)
    assert first["companies"] >= 2 and first["company_users"] >= 5 and first["staff_users"] >= 3
    assert "Demo data already present." in run_flask(database, "seed-demo").stdout
    assert row_counts(database) == first


def test_existing_amounts_move_to_exact_money_with_their_data(tmp_path):
    """An installation from before exact money keeps its budgets and thresholds, to the cent, in its shop's currency."""
    database = tmp_path / "before_money.sqlite"
    run_flask(database, "db", "upgrade", "720b6e7bfe9c")
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO shops (id, code, name, registration_mode, address_format, created_at) "
            "VALUES (1, 'de', 'Germany', 'create_company', 'eu', '2026-01-01 00:00:00')"))
        connection.execute(text(
            "INSERT INTO companies (id, name, status, shop_id, customer_group, require_approval, "
            "require_approval_over, block_checkout, block_checkout_over, created_at) "
            "VALUES (1, 'Acme', 'active', 1, 'default', 1, 1500.10, 0, NULL, '2026-01-01 00:00:00')"))
        connection.execute(text(
            "INSERT INTO company_users (id, company_id, email, first_name, last_name, phone, customer_type, active, "
            "session_version, budget_amount, budget_period, order_spend_limit, created_at) "
            "VALUES (1, 1, 'a@acme.example', 'A', 'B', '', 'b2b', 1, 1, 0.10, 'monthly', 0.20, '2026-01-01 00:00:00')"))
    engine.dispose()
    run_flask(database, "db", "upgrade")
    app = app_for(database)
    with app.app_context():
        from models.companies import Company
        from models.users import CompanyUser

        company, user = db.session.get(Company, 1), db.session.get(CompanyUser, 1)
        assert (company.require_approval_over, company.block_checkout_over, company.currency) == (
            Decimal("1500.10"), None, "EUR")
        assert (user.budget_amount, user.order_spend_limit, user.currency) == (Decimal("0.10"), Decimal("0.20"), "EUR")
        assert db.session.scalar(select(CompanyUser.id).where(
            CompanyUser.budget_amount + CompanyUser.order_spend_limit == Decimal("0.30"))) == 1
        db.engine.dispose()


def test_built_in_roles_hold_the_permissions_the_code_declares(migrated):
    """A permission added to a built-in role in models/permissions.py needs a migration that grants it."""
    from models.permissions import BUILTIN_ROLES

    rows = query(migrated, "SELECT r.key, p.permission FROM roles r JOIN role_permissions p ON p.role_id = r.id "
                           "WHERE r.company_id IS NULL")
    granted: dict[str, set[str]] = {}
    for key, permission in rows:
        granted.setdefault(key, set()).add(permission)
    assert granted == {role.value: {p.value for p in perms} for role, (_, perms) in BUILTIN_ROLES.items()}


def test_the_shipped_workflow_comes_with_the_migrations(migrated):
    states = query(migrated, "SELECT s.key, s.tone, s.initial FROM workflow_states s JOIN workflows w "
                             "ON w.id = s.workflow_id WHERE w.key = 'company_application' ORDER BY s.position")
    steps = query(migrated, "SELECT key, guard, mail_to FROM workflow_transitions ORDER BY position")
    assert states == [("new", "info", 1), ("on_hold", "warning", 0), ("accepted", "success", 0),
                      ("rejected", "neutral", 0)]
    assert ("accept", "application.contact_has_no_account", "") in steps and ("reject", "", "contact") in steps


def test_applications_keep_their_state_and_history_when_workflows_move_onto_the_rows(tmp_path):
    database = tmp_path / "before_workflow_rows.sqlite"
    run_flask(database, "db", "upgrade", "3f6b0c9d2e11")
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:  # as the code of that time made them on first use
        connection.execute(text(
            "INSERT INTO shops (id, code, name, registration_mode, address_format, locale, currency, created_at) "
            "VALUES (1, 'us', 'USA', 'application', 'us', 'en_US', 'USD', '2026-01-01 00:00:00')"))
        connection.execute(text("INSERT INTO workflows (id, key, name) VALUES (7, 'company_application', "
                                "'Company application')"))
        connection.execute(text(
            "INSERT INTO workflow_states (id, workflow_id, key, label, initial, final, position) VALUES "
            "(1, 7, 'new', 'New', 1, 0, 0), (2, 7, 'on_hold', 'On hold', 0, 0, 1), "
            "(3, 7, 'accepted', 'Accepted', 0, 1, 2), (4, 7, 'rejected', 'Rejected', 0, 1, 3)"))
        connection.execute(text(
            "INSERT INTO workflow_transitions (workflow_id, key, label, from_state_id, to_state_id, permission, "
            "requires_reason, side_effect, mail_template, mail_subject, position) VALUES "
            "(7, 'hold', 'Put on hold', 1, 2, 'manage_companies', 0, '', 'application_on_hold', 'On hold', 0), "
            "(7, 'accept', 'Accept', 2, 3, 'manage_companies', 0, 'application.accept', '', '', 1)"))
        connection.execute(text(
            "INSERT INTO company_applications (id, shop_id, company_name, vat_id, first_name, last_name, email, "
            "phone, line1, line2, postal_code, city, country, state, created_at) VALUES (3, 1, 'Umbrella', '', "
            "'Uma', 'U', 'uma@umbrella.example', '', '1 Street', '', '10001', 'New York', 'US', 'on_hold', "
            "'2026-01-02 00:00:00')"))
        connection.execute(text(
            "INSERT INTO workflow_history (workflow_key, subject_type, subject_id, transition_key, from_state, "
            "to_state, actor_kind, actor_id, actor_label, reason, comment, at) VALUES ('company_application', "
            "'CompanyApplication', 3, 'hold', 'new', 'on_hold', 'staff', 1, 'Ada <ada@atrium.example>', '', "
            "'Checking', '2026-01-03 00:00:00')"))
    engine.dispose()
    run_flask(database, "db", "upgrade")
    app = app_for(database)
    with app.app_context():
        from models.applications import CompanyApplication
        from models.workflow_engine import available_transitions, history_of

        application = db.session.get(CompanyApplication, 3)
        assert (application.workflow.key, application.state) == ("company_application", "on_hold")
        [entry] = history_of(application)
        assert (entry.from_state, entry.to_state, entry.comment) == ("new", "on_hold", "Checking")
        assert entry.audit_event.actor_label == "Ada <ada@atrium.example>"
        assert entry.audit_event.details["after"] == "On hold"
        assert application.workflow.state("on_hold").tone == "warning"
        from models.actors import SYSTEM

        assert [t.key for t in available_transitions(application, actor=SYSTEM)] == ["accept"]
        db.engine.dispose()


def test_a_permission_added_later_reaches_an_installations_built_in_roles(tmp_path):
    database = tmp_path / "before_order_permissions.sqlite"
    run_flask(database, "db", "upgrade", "19fb95a0ee89")
    held = "SELECT p.permission FROM role_permissions p JOIN roles r ON r.id = p.role_id WHERE r.key = '{}'"
    assert ("view_company_orders",) not in query(database, held.format("account_admin"))
    run_flask(database, "db", "upgrade")
    assert {("view_company_orders",), ("view_business_unit_orders",)} <= set(query(database, held.format("account_admin")))
    assert ("view_business_unit_orders",) in query(database, held.format("approver"))
    assert ("view_company_orders",) not in query(database, held.format("approver"))


def test_links_in_mail_written_before_sealing_are_hidden_and_waiting_ones_sealed(tmp_path):
    database = tmp_path / "before_sealing.sqlite"
    run_flask(database, "db", "upgrade", "7a1e69680fb4")
    sent, waiting = "S" * 43, "W" * 43
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        for row_id, state, token in ((1, "sent", sent), (2, "pending", waiting)):
            connection.execute(text(
                "INSERT INTO outbox_messages (id, idempotency_key, recipient, template, subject, body_text, body_html,"
                " state, attempts, last_error, transport, created_at) VALUES (:id, :key, 'a@acme.example',"
                " 'invitation', 'Join', :text, :html, :state, 0, '', '', '2026-01-01 00:00:00')"),
                {"id": row_id, "key": f"k{row_id}", "state": state, "text": f"Open https://x.example/invitations/{token}",
                 "html": f'<a href="https://x.example/invitations/{token}">Accept</a>'})
    engine.dispose()
    run_flask(database, "db", "upgrade")
    stored = " ".join(str(value) for row in query(database, "SELECT * FROM outbox_messages") for value in row)
    assert sent not in stored and waiting not in stored
    app = app_for(database)
    with app.app_context():
        from models.mail import OutboxMessage

        assert db.session.get(OutboxMessage, 1).bodies_for_recipient()[0] == "Open https://x.example/invitations/⟦hidden⟧"
        assert db.session.get(OutboxMessage, 2).bodies_for_recipient() == (
            f"Open https://x.example/invitations/{waiting}", f'<a href="https://x.example/invitations/{waiting}">Accept</a>')
        db.engine.dispose()
