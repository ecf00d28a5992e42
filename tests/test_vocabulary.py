"""One vocabulary: every audit event reads as a sentence, the same in the portal and the back office."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import get_template_attribute

from models.audit import AuditEvent

MODELS = Path(__file__).resolve().parent.parent / "models"


def recorded_actions() -> list[str]:
    """Every action an operation records (``record(actor, "user.created", ...)`` and its f-string kin)."""
    found = set()
    for source in MODELS.glob("*.py"):
        text = source.read_text()
        for line in re.findall(r"record(?:_many)?\(.*", text):
            found |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', line))
        for prefix in re.findall(r'f"([a-z_]+)\.\{state\.value\}"', text):  # shop.enabled / shop.disabled
            found |= {f"{prefix}.enabled", f"{prefix}.disabled"}
    return sorted(found)


def test_the_scan_finds_the_actions():
    actions = recorded_actions()
    assert {"user.created", "workflow.moved", "shop.enabled", "staff.deactivated"} <= set(actions)


@pytest.mark.parametrize("action", recorded_actions())
def test_every_audit_action_reads_as_a_sentence(app, action):
    event = AuditEvent(action=action, actor_kind="company", actor_label="Anna Admin <anna.admin@acme.example>",
                       target_label="Ben Buyer <ben.buyer@acme.example>", details={})
    with app.test_request_context():
        sentence = " ".join(str(get_template_attribute("shared/audit.html", "describe")(event)).split())
        kind = str(get_template_attribute("shared/audit.html", "kind")(event))
    assert action not in sentence and "_" not in re.sub(r"<[^>]+>", "", sentence), sentence
    assert sentence.startswith("<strong>Anna Admin</strong>") and sentence.endswith(".")
    assert kind and "_" not in kind and "." not in kind


def test_an_empty_choice_in_a_back_office_form_reads_none(login_as):
    page = login_as("admin@atrium.example").get("/admin/shops/new/").get_data(as_text=True)
    assert '<option selected value="__None">— none —</option>' in page
    assert ">__None<" not in page


def test_permissions_are_offered_by_their_names(login_as):
    from models.permissions import Perm, StaffPerm

    page = login_as("admin@atrium.example").get("/admin/transitions/new/").get_data(as_text=True)
    assert ">Staff: Manage companies and applications (Administrator, Support, Sales representative)<" in page
    options = dict(re.findall(r'<option value="([a-z_]+)">([^<]+)</option>', page))
    for code in [p.value for p in StaffPerm] + [p.value for p in Perm]:
        assert code not in options.get(code, code + "?")  # each offered, and named in words


def test_the_transition_list_names_who_may_fire_each_step(login_as):
    page = login_as("admin@atrium.example").get("/admin/transitions/").get_data(as_text=True)
    assert "Staff: Manage companies and applications" in page
    assert ">manage_companies<" not in page


def raw_codes() -> set[str]:
    """Every stored code that is not a word (``half_yearly``, ``read_only``, ``manage_users``, an audit
    action): none may show as text on a page or in a mail."""
    import enum
    import importlib
    import pkgutil

    import models

    codes = set()
    for module in pkgutil.iter_modules(models.__path__):
        for value in vars(importlib.import_module(f"models.{module.name}")).values():
            if isinstance(value, type) and issubclass(value, enum.Enum) and value is not enum.Enum:
                codes |= {str(member.value) for member in value if "_" in str(member.value)}
    return codes | {action for action in recorded_actions() if "_" in action}


def _codes_in(visible: str, codes: set[str]) -> set[str]:
    visible = re.sub(r"<[^>]+>", " ", visible)  # markup kept as text for a script to use is not shown
    words = set(re.findall(r"[a-z]+(?:[._][a-z]+)+", re.sub(r"\S+@\S+|https?://\S+", " ", visible)))
    return words & codes


def test_no_page_shows_a_raw_code(app, login_as):
    from tests.browser_tests.test_layout_and_access import _back_office_pages, _portal_pages
    from tests.helpers import text

    codes = raw_codes()
    assert {"half_yearly", "billing_read_only", "manage_users", "user.budget_changed"} <= codes
    found = {}
    for email, pages in (("anna.admin@acme.example", _portal_pages(app)),
                         ("admin@atrium.example", _back_office_pages(app))):
        client = login_as(email)
        for path in pages:
            html = re.sub(r'<div [^>]*class="d-none"[^>]*>.*?</div>', " ", client.get(path).get_data(as_text=True))
            if shown := _codes_in(text(html), codes):  # (data kept hidden for scripts is not shown)
                found[path] = shown
    assert not found, found


def test_a_budget_period_reads_the_same_in_the_portal_the_back_office_and_mail(app, login_as):
    from decimal import Decimal

    from models.members import set_budget
    from tests import factories as f
    from tests.helpers import outbox, text

    with app.app_context():
        ben = f.user("ben.buyer@acme.example")
        set_budget(ben, actor=f.actor("anna.admin@acme.example"), budget_amount=Decimal("900"),
                   budget_period="half_yearly", order_spend_limit=None)
        db_commit()
        ben_id = ben.id
        mail = outbox("ben.buyer@acme.example", "account_changed")[-1]
        assert "half-yearly" in mail.body_text and not _codes_in(mail.body_text, raw_codes())
    portal = text(login_as("anna.admin@acme.example").get("/account/users?q=ben.buyer"))
    assert "900,00 € half-yearly" in portal
    back_office = text(login_as("admin@atrium.example").get(f"/admin/company_users/details/?id={ben_id}"))
    assert "half-yearly" in back_office
    audit = text(login_as("anna.admin@acme.example").get("/account/audit"))
    assert "half-yearly" in audit and "half_yearly" not in portal + back_office + audit


def test_no_mail_shows_a_raw_code(app):
    from tests.helpers import outbox

    codes = raw_codes()
    with app.app_context():
        messages = outbox()
        assert len({m.template for m in messages}) >= 5
        found = {m.template: shown for m in messages if (shown := _codes_in(m.subject + " " + m.body_text, codes))}
    assert not found, found


def db_commit() -> None:
    from extensions import db

    db.session.commit()
