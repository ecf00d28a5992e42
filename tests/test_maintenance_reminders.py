"""Maintenance reminders: the company hears of an asset's maintenance two weeks ahead, once per due date."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from extensions import db
from jobs.aftersales import send_maintenance_reminders
from models.assets import MAIL_ASSETS, MAINTENANCE_NOTICE_DAYS, Asset
from models.quotes import today
from tests import factories as f
from tests.helpers import outbox

PRESS = "Hydraulic press HP-200"  # Anna made it; due in 20 days in the test world


def _asset(name=PRESS) -> Asset:
    return db.session.scalar(select(Asset).where(Asset.name == name))


def test_the_creator_is_reminded_once_when_the_due_date_comes_within_two_weeks(app):
    with app.app_context():
        due = _asset().next_maintenance_on
        assert send_maintenance_reminders(on=due - timedelta(days=MAINTENANCE_NOTICE_DAYS + 1)) == 0
        assert send_maintenance_reminders(on=due - timedelta(days=MAINTENANCE_NOTICE_DAYS)) == 1
        [mail] = outbox(template="maintenance_due")
        assert mail.recipient == "anna.admin@acme.example"
        assert PRESS in mail.subject and f"/assets/{_asset().id}" in mail.body_text
        assert f"/assets/{_asset().id}#book" in mail.body_text and "/inquiries/new?type=asset" in mail.body_text
        assert send_maintenance_reminders(on=due - timedelta(days=3)) == 0  # not twice for one date
        assert len(outbox(template="maintenance_due")) == 1


def test_a_new_due_date_is_reminded_of_again(app):
    with app.app_context():
        press = _asset()
        send_maintenance_reminders(on=press.next_maintenance_on - timedelta(days=5))
        press.next_maintenance_on = press.next_maintenance_on + timedelta(days=180)
        db.session.flush()
        assert send_maintenance_reminders(on=press.next_maintenance_on - timedelta(days=1)) == 1
        assert len(outbox(template="maintenance_due")) == 2


def test_without_a_creator_the_account_admins_hear_of_it_and_retired_assets_are_left_alone(app):
    with app.app_context():
        acme = f.company("Acme Industrial")
        soon = today() + timedelta(days=3)
        orphan = f.AssetFactory(company=acme, name="Orphan drill", next_maintenance_on=soon, maintenance_months=6)
        f.AssetFactory(company=acme, name="Old saw", status="retired", next_maintenance_on=soon, maintenance_months=6)
        db.session.flush()
        assert send_maintenance_reminders(on=today()) == 1
        mails = outbox(template="maintenance_due")
        assert {m.recipient for m in mails} == {"anna.admin@acme.example"}
        assert all("Orphan drill" in m.subject for m in mails) and orphan.maintenance_notice_for == soon


def test_many_due_assets_cost_a_fixed_number_of_statements(app):
    from tests.helpers import count_queries

    with app.app_context():
        acme = f.company("Acme Industrial")
        soon = today() + timedelta(days=2)
        for i in range(40):
            f.AssetFactory(company=acme, name=f"Pump {i}", next_maintenance_on=soon, maintenance_months=3)
        db.session.flush()
        with count_queries(app) as statements:
            sent = send_maintenance_reminders(on=today())
        assert sent == 40 and len(statements) <= 6, statements
        mails = outbox(template="maintenance_due")  # one mail to Acme's one Account Admin, not forty
        assert [m.recipient for m in mails] == ["anna.admin@acme.example"]
        [mail] = mails
        assert mail.subject == f"Maintenance due for 40 assets from {soon:%-d %B}"
        assert mail.body_text.count("Book the service:") == MAIL_ASSETS
        assert "… and 15 more: http" in mail.body_text and "/assets" in mail.body_text


def test_one_mail_names_each_of_a_persons_due_assets(app):
    with app.app_context():
        press = _asset()
        anna = f.user("anna.admin@acme.example")
        drill = f.AssetFactory(company=anna.company, owner_id=anna.id, name="Column drill", serial_number="CD-1",
                               next_maintenance_on=press.next_maintenance_on, maintenance_months=12)
        db.session.flush()
        assert send_maintenance_reminders(on=press.next_maintenance_on - timedelta(days=1)) == 2
        [mail] = outbox(template="maintenance_due")
        assert mail.recipient == anna.email
        for asset in (press, drill):
            assert f"{asset.name} (serial number {asset.serial_number}): due on" in mail.body_text
            assert f"/assets/{asset.id}#book" in mail.body_text and f"/assets/{asset.id}#book" in mail.body_html
