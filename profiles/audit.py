"""Audit events of a data profile: the actions the audit log describes, by whom they are done, with the
details each action records."""
from __future__ import annotations

import random
from typing import TYPE_CHECKING

from models.audit import AuditEvent
from models.money import plain
from profiles.words import AUDIT_MIX, BUDGETS, BY_STAFF, BY_THEMSELVES, TARGET_TYPES

if TYPE_CHECKING:
    from profiles import Firm, Plan


def seed_audit_events(plan: Plan, count: int) -> None:
    """The rest of the audit log (applications wrote theirs): everyday changes of real users, invitations, units
    and addresses over the past year, most of them on Acme's and the big companies' logs, in time order."""
    remaining = max(0, count - plan.counts[AuditEvent.__tablename__])
    firms = plan.rng.choices(plan.firms, [f.weights[2] for f in plan.firms], k=remaining)
    actions = plan.rng.choices(list(AUDIT_MIX), [weight for _, weight in AUDIT_MIX.values()], k=remaining)
    names = {key: name for key, (_, name) in plan.roles.items()}
    role_sets = [[names["buyer"]]] + [[names["buyer"], names[key]] for key in names if key != "buyer"]
    events = sorted((_event(plan, firm, action, role_sets) for firm, action in zip(firms, actions)),
                    key=lambda event: event["at"])
    for event_id, event in zip(plan.ids(AuditEvent.__table__, len(events)), events):
        event["id"] = event_id
    plan.insert(AuditEvent.__table__, events)


def _event(plan: Plan, firm: Firm, action: str, role_sets: list[list[str]]) -> dict:
    about = AUDIT_MIX[action][0]
    if about == "invitation" and not firm.invitations:
        action, about = "user.created", "user"
    pools = {"user": firm.users, "invitation": firm.invitations, "unit": firm.units, "address": firm.addresses}
    target = (firm.id, firm.name) if about == "company" else plan.rng.choice(pools[about])
    return {"at": plan.ago(365), "company_id": firm.id, **_actor(plan, firm, action, target), "action": action,
            "target_type": TARGET_TYPES[about], "target_id": target[0], "target_label": target[1][:200],
            "details": _details(plan.rng, firm, action, role_sets)}


def _actor(plan: Plan, firm: Firm, action: str, target: tuple[int, str]) -> dict:
    """Who acted: the person themselves, staff, or the company's admin (now and then through an agent)."""
    fields = {"actor_kind": "company", "actor_id": firm.admin[0], "actor_label": firm.admin[1],
              "on_behalf_of_id": None, "on_behalf_of_label": ""}
    if action in BY_THEMSELVES:
        fields.update(actor_id=target[0], actor_label=target[1])
    elif action in BY_STAFF:
        fields.update(zip(("actor_id", "actor_label"), plan.staff["support@atrium.example"]), actor_kind="staff")
    elif plan.rng.random() < 0.08:
        fields.update(zip(("actor_id", "actor_label"), plan.staff["agent@atrium.example"]), actor_kind="staff",
                      on_behalf_of_id=firm.admin[0], on_behalf_of_label=firm.admin[1])
    return fields


def _details(rng: random.Random, firm: Firm, action: str, role_sets: list[list[str]]) -> dict:
    """The details the operation behind ``action`` records (see models/members.py and its neighbours)."""
    if action == "user.created":
        return {"roles": rng.choice(role_sets)}
    if action == "user.roles_changed":
        return dict(zip(("before", "after"), rng.sample(role_sets, 2)))
    if action == "user.budget_changed":
        amount, period = rng.choice(BUDGETS)
        return {"before": {"budget": None, "period": None, "limit": None, "currency": firm.shop.currency},
                "after": {"budget": plain(amount, firm.shop.currency), "period": period, "limit": None,
                          "currency": firm.shop.currency}}
    if action == "user.business_unit_changed":
        return dict(zip(("before", "after"), rng.sample([""] + [name for _, name in firm.units], 2)))
    if action == "user.profile_updated":
        return {"changed": rng.choice([["phone"], ["first_name"], ["last_name", "phone"]])}
    if action.startswith("shop."):
        return {"shop": firm.shop.code, **({"state": "enabled"} if action == "shop.assigned" else {})}
    if action in ("invitation.sent", "invitation.accepted"):
        return {"role": rng.choice(role_sets[:1] * 8 + role_sets[1:])[-1]}
    if action == "company.updated":
        return {"changed": rng.choice([["vat_id"], ["name"], ["name", "vat_id"]])}
    return {}
