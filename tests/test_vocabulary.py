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
