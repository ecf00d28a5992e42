"""Workflow screens: fire transitions on a subject, and edit the definitions.

``WorkflowSubjectView`` is the base of every worklist whose rows are driven by a
workflow (company applications now; inquiries and quotes later): its details
page offers the transitions the signed-in staff member may fire from the
current state, with a reason from the workflow's editable list, and shows the
history. ``WorkflowView`` and ``WorkflowTransitionView`` edit the definitions;
``models.workflow_definitions`` refuses edits the engine could not run.
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterLike, IntEqualFilter
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectMultipleField

from backoffice.base import StaffModelView, badge, refuse_as_form_error
from backoffice.diagram import workflow_svg
from backoffice.filters import LiveFilterOptions, live_options
from backoffice.pages import form_id, load_or_404, run_and_redirect
from edge import attempt
from extensions import db
from models.permissions import BUILTIN_ROLES, PERM_LABELS, STAFF_PERM_LABELS, STAFF_ROLES, Perm, StaffPerm
from models.workflow_definitions import (
    check_definition,
    check_transition,
    mail_templates,
    move_subjects,
)
from models.workflow_engine import available_transitions, history_of, transition, workflow_of, workflows_for
from models.workflows import (
    GUARDS,
    RECIPIENTS,
    SIDE_EFFECTS,
    Tone,
    Workflow,
    WorkflowReason,
    WorkflowState,
    WorkflowTransition,
)
from security import current_actor


def step_button(transition: WorkflowTransition) -> str:
    """A step looks like where it leads: an acceptance as a success, an ending that is not one (a rejection,
    a cancellation) as destructive, a pause as secondary."""
    tone, final = transition.to_state.tone, transition.to_state.final
    if tone == "success":
        return "btn-success"
    if tone == "danger" or final:
        return "btn-outline-danger"
    return "btn-outline-secondary" if tone == "warning" else "btn-primary"


TONE_BADGES = {"neutral": "secondary", "info": "info", "primary": "primary", "success": "success",
               "warning": "warning", "danger": "danger"}


def state_badge(view, context, model, name):
    """The subject's state as a badge, with the label and tone its workflow gives it."""
    label, tone = getattr(view, "_state_looks", {}).get((model.workflow_id, model.state), (model.state, "neutral"))
    return badge(label, TONE_BADGES[tone])


def state_choices(subject_type: str) -> list[tuple[str, str]]:
    """The states of the workflows of a kind of subject, as (key, label) filter options."""
    choices: dict[str, str] = {}
    for workflow in workflows_for(subject_type):
        for state in workflow.states:
            choices.setdefault(state.key, state.label)
    return list(choices.items())


class WorkflowSubjectView(LiveFilterOptions, StaffModelView):
    """A list of workflow subjects whose details page offers the allowed transitions."""

    details_template = "backoffice/workflow_details.html"
    can_edit = False

    def render(self, template, **kwargs):
        if self.model is not None and hasattr(self.model, "subject_type"):
            self._state_looks = {(w.id, s.key): (s.label, s.tone)
                                 for w in workflows_for(self.model.subject_type) for s in w.states}
            model = kwargs.get("model")
            if template == self.details_template and model is not None:
                kwargs.update(self.workflow_context(workflow_of(model), model))
        return super().render(template, **kwargs)

    def workflow_context(self, workflow: Workflow, model) -> dict:
        """What the details page needs: allowed moves, reasons, history, state labels."""
        state = workflow.state(model.state)
        transitions = available_transitions(model, actor=current_actor())
        return {
            "workflow": workflow,
            "transitions": transitions,
            "reasons": {t.id: [r for r in workflow.reasons if r.fits(t)] for t in transitions},
            "step_buttons": {t.id: step_button(t) for t in transitions},
            "history": history_of(model),
            "state_labels": {s.key: s.label for s in workflow.states},
            "state_label": state.label if state else model.state,
            "state_colour": TONE_BADGES[state.tone if state else "neutral"],
            "can_edit_workflows": current_actor().can(StaffPerm.MANAGE_WORKFLOWS),
            "comment_shown": model.customer_sees_comments,
        }

    @expose("/transition/", methods=("POST",))
    def transition_view(self):
        """Fire one transition; refused moves come back as a message and nothing changes.

        A move the staff member's roles do not allow is a 403, like any other
        back office page they may not use.
        """
        subject = load_or_404(self.model, form_id())
        raw_reason = (request.form.get("reason_id") or "").strip()
        reason_id = int(raw_reason) if raw_reason.isdigit() else (-1 if raw_reason else None)
        with attempt():
            moved = transition(
                subject, request.form.get("transition", ""), actor=current_actor(),
                reason_id=reason_id, comment=request.form.get("comment", "")[:2000],
                expected_state=request.form.get("state") or None,
            )
            flash(subject.move_summary(moved), "success")
        return redirect(url_for(".details_view", id=subject.id))


class WorkflowView(StaffModelView):
    """Workflow definitions: states and reasons are data staff can edit."""

    required_permission = StaffPerm.MANAGE_WORKFLOWS
    can_delete = False
    can_create = False
    column_list = ("key", "name", "states", "transitions", "reasons", "subject_type")
    column_details_list = ("key", "name", "subject_type", "diagram", "states", "transitions", "reasons")
    column_labels = {"subject_type": "Drives", "diagram": "Diagram"}
    column_formatters = {
        "states": lambda v, c, m, n: ", ".join(s.label for s in m.states),
        "transitions": lambda v, c, m, n: Markup(
            '<a href="{}">{} transitions</a>'.format(
                escape(url_for("transitions.index_view", flt0_workflow_equals=m.id)), len(m.transitions)
            )
        ),
        "reasons": lambda v, c, m, n: len(m.reasons),
    }
    column_formatters_detail = {
        "diagram": lambda v, c, m, n: Markup('<div class="atrium-diagram-box">{}</div>').format(workflow_svg(m)),
        "states": lambda v, c, m, n: Markup("<br>".join(
            escape(f"{s.label} ({s.key})" + (" · initial" if s.initial else "") + (" · final" if s.final else ""))
            for s in m.states
        )),
        "transitions": lambda v, c, m, n: Markup("<br>".join(escape(str(t)) for t in m.transitions)),
        "reasons": lambda v, c, m, n: Markup("<br>".join(
            escape(r.label + ("" if r.active else " (inactive)")) for r in m.reasons
        )),
    }
    form_columns = ("name", "states", "reasons")
    inline_models = (
        (WorkflowState, {
            "form_columns": ("id", "key", "label", "tone", "initial", "final", "position"),
            "form_label": "State",
            "form_choices": {"tone": [(t.value, t.value.capitalize()) for t in Tone]},
            "column_descriptions": {"key": "Stored on each item: lower-case, fixed once saved.",
                                    "tone": "The colour of the state's badge in the portal and the back office."},
        }),
        (WorkflowReason, {"form_columns": ("id", "label", "steps", "active"), "form_label": "Reason",
                          "column_labels": {"steps": "For the steps"},
                          "column_descriptions": {"steps": "The keys of the transitions it explains, e.g. "
                                                  "“hold, reject”; empty: offered for every step."}}),
    )
    column_descriptions = {
        "states": "Custom states are added here; then add transitions to and from them under Transitions.",
        "reasons": "Reasons staff pick when firing a transition (e.g. why an application is rejected). "
                   "Deactivate a reason to retire it; history keeps its text.",
    }

    one_loads = (selectinload(Workflow.states), selectinload(Workflow.transitions), selectinload(Workflow.reasons))
    details_template = "backoffice/workflow_definition.html"

    def get_query(self):
        return super().get_query().options(*self.one_loads)

    @expose("/move/", methods=("POST",))
    def move_view(self):
        """Move every item in one state to another (before removing or retiring a state)."""
        workflow = load_or_404(Workflow, form_id())
        source, target = request.form.get("from_state", "")[:40], request.form.get("to_state", "")[:40]
        return run_and_redirect(
            lambda: move_subjects(workflow, source, target, actor=current_actor()),
            lambda count: f"{count} item{'' if count == 1 else 's'} moved from {workflow.label_of(source)} to "
                          f"{workflow.label_of(target)}.",
            url_for(".details_view", id=workflow.id))

    def on_model_change(self, form, model, is_created):
        for reason in model.reasons:
            reason.label = (reason.label or "").strip()
        refuse_as_form_error(check_definition, model)


def _state_label(state: WorkflowState) -> str:
    return f"{state.workflow.name}: {state.label}"


def _states_query():
    return db.session.scalars(
        select(WorkflowState).options(joinedload(WorkflowState.workflow))
        .order_by(WorkflowState.workflow_id, WorkflowState.position, WorkflowState.id)
    ).all()


def _holders(roles: list, perm) -> str:
    return ", ".join(label for label, perms in roles if perm in perms)


def permission_choices() -> list[tuple[str, str]]:
    """Each permission with the roles that hold it, so staff see who may fire a transition."""
    staff_roles = [(label, perms) for label, perms in STAFF_ROLES.values()]
    company_roles = [(label, perms) for label, perms in BUILTIN_ROLES.values()]
    return [(p.value, f"Staff: {STAFF_PERM_LABELS[p]} ({_holders(staff_roles, p)})") for p in StaffPerm] + [
        (p.value, f"Company user: {PERM_LABELS[p]} ({_holders(company_roles, p) or 'custom roles'})") for p in Perm
    ]


PERMISSION_CHOICES = permission_choices()


def _permission_label(code: str) -> str:
    """"Staff: Manage companies and applications", as the form offers it, without the role list."""
    return next((label.split(" (")[0] for value, label in PERMISSION_CHOICES if value == code), code)


class WorkflowTransitionView(LiveFilterOptions, StaffModelView):
    """Transitions: which move, from which state to which, who may fire it, what it does."""

    required_permission = StaffPerm.MANAGE_WORKFLOWS
    named_filter_urls = True
    column_list = ("workflow", "key", "label", "from_state", "to_state", "permission",
                   "requires_reason", "guard", "side_effect", "mail_template", "mail_to")
    column_labels = {"guard": "Condition", "mail_to": "Mail to", "permission": "Who may fire it"}
    column_sortable_list = ("key", "label", "permission")
    column_formatters = {"permission": lambda v, c, m, n: _permission_label(m.permission)}
    column_filters = (
        IntEqualFilter(WorkflowTransition.workflow_id, "Workflow", options=live_options(
            lambda: [(str(w.id), w.name) for w in db.session.scalars(select(Workflow).order_by(Workflow.name))]
        )),
        FilterLike(WorkflowTransition.key, "Key"),
    )
    form_columns = ("workflow", "key", "label", "from_state", "to_state", "permission", "requires_reason",
                    "guard", "side_effect", "mail_template", "mail_subject", "recipients", "position")
    form_choices = {"permission": PERMISSION_CHOICES, "side_effect": [("", "—")], "mail_template": [("", "—")],
                    "guard": [("", "—")]}
    form_extra_fields = {"recipients": SelectMultipleField("Mail to", choices=[])}
    form_args = {
        "from_state": {"query_factory": _states_query, "get_label": _state_label},
        "to_state": {"query_factory": _states_query, "get_label": _state_label},
    }
    column_descriptions = {
        "key": "Transitions with the same key from different states share one button (e.g. reject from New and On hold).",
        "guard": "A condition checked before the move; the move is refused with its reason when it fails.",
        "side_effect": "Code the move runs, e.g. application.accept creates the company.",
        "mail_template": "Mail sent when the move is fired, to the recipients chosen below.",
        "recipients": "Who receives the mail: the item's contact, the company's account admins, or the staff "
                      "who may fire this transition.",
    }

    one_loads = (joinedload(WorkflowTransition.workflow), joinedload(WorkflowTransition.from_state),
                 joinedload(WorkflowTransition.to_state))

    def get_query(self):
        return super().get_query().options(joinedload(WorkflowTransition.workflow))

    def create_form(self, obj=None):
        return self._with_live_choices(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._with_live_choices(super().edit_form(obj))

    def _with_live_choices(self, form):
        form.side_effect.choices = [("", "— none —")] + [(name, name) for name in sorted(SIDE_EFFECTS)]
        form.guard.choices = [("", "— none —")] + [(name, name) for name in sorted(GUARDS)]
        form.mail_template.choices = [("", "— no mail —")] + [(name, name) for name in mail_templates()]
        form.recipients.choices = [(name, RECIPIENTS[name].__doc__.strip().rstrip(".")) for name in sorted(RECIPIENTS)]
        return form

    def on_form_prefill(self, form, id):
        transition = self.get_one(id)
        form.recipients.data = transition.recipient_names if transition else []

    def on_model_change(self, form, model, is_created):
        model.side_effect = model.side_effect or ""
        model.guard = model.guard or ""
        model.mail_template = model.mail_template or ""
        model.mail_subject = (model.mail_subject or "").strip()
        model.mail_to = ",".join(form.recipients.data or [])
        refuse_as_form_error(check_transition, model)

