"""Company applications of a data profile: in every state of their workflow, with the audit events and
history rows the workflow engine would have written."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from models.applications import CompanyApplication
from models.audit import AuditEvent
from models.shops import RegistrationMode, Shop
from models.workflow_engine import get_workflow
from models.workflows import WorkflowHistory
from profiles.words import CITIES, FIRM_WORDS, LEGAL, SECTORS, STREETS, slug

if TYPE_CHECKING:
    from profiles import Firm, Plan


def seed_applications(plan: Plan, count: int) -> None:
    """Applications in the shops that take them, in every state of their workflow: the accepted ones made new
    companies there (their contact is the admin), the open ones hold addresses nobody else uses. Each has the
    audit events and history rows that the workflow engine would have written."""
    workflow = get_workflow("company_application")
    sub_shops = [s for s in plan.shops.values() if s.parent_id]
    shops = [s for s in sub_shops if s.registration_mode == RegistrationMode.APPLICATION.value] or sub_shops
    made = [f for f in plan.firms if f.new and f.shop in shops]
    accepted = min(round(count * 0.35), len(made))  # no more than the companies that could have applied
    states = ["accepted"] * accepted + ["new"] * round((count - accepted) * 25 / 65)
    states += ["on_hold"] * round((count - accepted) * 10 / 65)
    states += ["rejected"] * (count - len(states))
    rows, events, history = [], [], []
    for application_id, state in zip(plan.ids(CompanyApplication.__table__, count), states):
        firm = made.pop() if state == "accepted" else None
        rows.append(_application(plan, application_id, state, firm, plan.rng.choice(shops), workflow.id))
        events += _application_events(plan, workflow, rows[-1], firm, history)
    plan.insert(CompanyApplication.__table__, rows)
    for event_id, event in zip(plan.ids(AuditEvent.__table__, len(events)), events):
        event["id"] = event_id
    plan.insert(AuditEvent.__table__, events)
    for move in history:
        move["audit_event_id"] = move.pop("audit_event")["id"]
    plan.insert(WorkflowHistory.__table__, history)


def _application(plan: Plan, application_id: int, state: str, firm: Firm | None, shop: Shop, workflow_id) -> dict:
    rng = plan.rng
    if firm is not None:
        shop, name, created = firm.shop, firm.name, firm.created_at - timedelta(days=rng.uniform(1, 10))
        person, email = firm.admin[1].rstrip(">").split(" <")
        first, last = person.split(" ", 1)
    else:
        words = f"{rng.choice(FIRM_WORDS)} {rng.choice(SECTORS)}"
        name, created = f"{words} {rng.choice(LEGAL['US'])}", plan.ago(365)
        first, last, email = plan.person(f"{slug(words)}.example")
    country = "US" if shop.currency == "USD" else "DE"
    city, postal = rng.choice(CITIES[country])
    return {"id": application_id, "workflow_id": workflow_id, "state": state, "shop_id": shop.id,
            "company_name": name, "vat_id": f"{country}{rng.randrange(10**8, 10**9)}", "first_name": first,
            "last_name": last, "email": email, "open_email": email if state in ("new", "on_hold") else None,
            "phone": f"+1 555 {rng.randint(1000, 9999)}", "line1": f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
            "line2": "", "postal_code": postal, "city": city, "country": country,
            "company_id": firm.id if firm else None, "created_at": created}


def _application_events(plan: Plan, workflow, row: dict, firm: Firm | None, history: list) -> list[dict]:
    """The audit events of one application, oldest first; its history row goes to ``history``."""
    about = {"target_type": "CompanyApplication", "target_id": row["id"], "company_id": None,
             "target_label": f"{row['company_name']} ({row['first_name']} {row['last_name']})"[:200]}
    visitor = {"actor_kind": "visitor", "actor_id": None, "actor_label": "Visitor", "on_behalf_of_id": None,
               "on_behalf_of_label": ""}
    events = [dict(about, **visitor, at=row["created_at"], action="application.submitted", details={})]
    if row["state"] == "new":
        return events
    staff = dict(visitor, actor_kind="staff", **dict(zip(("actor_id", "actor_label"),
                                                         plan.staff["admin@atrium.example"])))
    move = next(t for t in workflow.transitions if t.from_state.key == "new" and t.to_state.key == row["state"])
    reasons = [r.label for r in workflow.reasons if r.fits(move)] if move.requires_reason else []
    reason = plan.rng.choice(reasons) if reasons else ""
    at = firm.created_at if firm else row["created_at"] + timedelta(days=plan.rng.uniform(0.1, 14))
    events.append(dict(about, **staff, at=at, action="workflow.moved", details={
        "workflow": workflow.name, "step": move.label, "before": move.from_state.label,
        "after": move.to_state.label, "reason": reason}))
    history.append({"workflow_id": workflow.id, "subject_type": "company_application", "subject_id": row["id"],
                    "transition_key": move.key, "from_state": "new", "to_state": row["state"], "reason": reason,
                    "comment": "", "at": at, "audit_event": events[-1]})
    if firm is not None:  # the accept step's side effect
        events.append(dict(staff, at=at, company_id=firm.id, action="company.created", target_type="Company",
                           target_id=firm.id, target_label=firm.name[:200], details={"application": row["id"]}))
    return events
