"""The workflows Atrium ships, installed into the database on first use."""
from __future__ import annotations

from extensions import db
from models.permissions import StaffPerm
from models.workflows import Workflow, WorkflowReason, WorkflowState, WorkflowTransition

DEFAULTS = {
    "company_application": {
        "name": "Company application",
        "states": [
            ("new", "New", True, False),
            ("on_hold", "On hold", False, False),
            ("accepted", "Accepted", False, True),
            ("rejected", "Rejected", False, True),
        ],
        # key, label, from, to, permission, requires reason, side effect, mail template, subject
        "transitions": [
            ("hold", "Put on hold", "new", "on_hold", StaffPerm.MANAGE_COMPANIES, False, "", "application_on_hold", "Your Atrium application is on hold"),
            ("reopen", "Reopen", "on_hold", "new", StaffPerm.MANAGE_COMPANIES, False, "", "", ""),
            ("accept", "Accept", "new", "accepted", StaffPerm.MANAGE_COMPANIES, False, "application.accept", "", ""),
            ("accept", "Accept", "on_hold", "accepted", StaffPerm.MANAGE_COMPANIES, False, "application.accept", "", ""),
            ("reject", "Reject", "new", "rejected", StaffPerm.MANAGE_COMPANIES, True, "", "application_rejected", "Your Atrium application was not accepted"),
            ("reject", "Reject", "on_hold", "rejected", StaffPerm.MANAGE_COMPANIES, True, "", "application_rejected", "Your Atrium application was not accepted"),
        ],
        "reasons": [
            "Company could not be verified",
            "Incomplete information",
            "Not a business customer",
            "Outside our sales regions",
            "Duplicate application",
        ],
    },
}


def install_default(key: str) -> Workflow:
    """Create workflow ``key`` with its shipped states, transitions and reasons."""
    spec = DEFAULTS[key]
    workflow = Workflow(key=key, name=spec["name"])
    states = {}
    for position, (skey, label, initial, final) in enumerate(spec["states"]):
        states[skey] = WorkflowState(key=skey, label=label, initial=initial, final=final, position=position)
        workflow.states.append(states[skey])
    for position, row in enumerate(spec["transitions"]):
        tkey, label, source, target, perm, reason, effect, template, subject = row
        workflow.transitions.append(
            WorkflowTransition(
                key=tkey, label=label, from_state=states[source], to_state=states[target],
                permission=perm.value, requires_reason=reason, side_effect=effect,
                mail_template=template, mail_subject=subject, position=position,
            )
        )
    workflow.reasons = [WorkflowReason(label=label) for label in spec["reasons"]]
    db.session.add(workflow)
    db.session.flush()
    return workflow
