"""Workflow screens: fire transitions on a subject, and edit the definitions."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from backoffice.base import StaffModelView
from extensions import db
from models.base import DomainError
from models.permissions import StaffPerm
from models.workflows import (
    Workflow,
    WorkflowReason,
    WorkflowState,
    WorkflowTransition,
    available_transitions,
    fire,
    get_workflow,
    history_of,
)


class WorkflowSubjectView(StaffModelView):
    """A list of workflow subjects whose details page offers the allowed transitions."""

    details_template = "backoffice/workflow_details.html"
    can_edit = False

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            actor = current_user._get_current_object()
            workflow = get_workflow(model.workflow_key)
            kwargs.update(
                transitions=available_transitions(model, actor),
                reasons=[r for r in workflow.reasons if r.active],
                history=history_of(model),
                state_label=(workflow.state(model.state) or model.state),
            )
        return super().render(template, **kwargs)

    @expose("/transition/", methods=("POST",))
    def transition_view(self):
        """Fire one transition; refused moves come back as a message, nothing changed."""
        raw_id = request.form.get("id", "")
        subject = self.get_one(raw_id) if raw_id.isdigit() else None
        if subject is None:
            abort(404)
        reason = request.form.get("reason_id") or None
        try:
            transition = fire(
                subject, request.form.get("transition", ""), current_user._get_current_object(),
                reason_id=int(reason) if reason and reason.isdigit() else (-1 if reason else None),
                comment=request.form.get("comment", "")[:2000],
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"{transition.label}: {subject} is now {transition.to_state.label}.", "success")
        return redirect(url_for(".details_view", id=subject.id))


class WorkflowView(StaffModelView):
    """Workflow definitions: states, transitions and reasons are data staff can edit."""

    required_permission = StaffPerm.MANAGE_WORKFLOWS
    can_delete = False
    can_create = False
    column_list = ("key", "name", "states", "transitions")
    column_formatters = {
        "states": lambda v, c, m, n: ", ".join(s.label for s in m.states),
        "transitions": lambda v, c, m, n: len(m.transitions),
    }
    form_columns = ("name", "states", "reasons")
    inline_models = (
        (WorkflowState, {"form_columns": ("id", "key", "label", "initial", "final", "position")}),
        (WorkflowReason, {"form_columns": ("id", "label", "active")}),
    )

    def get_query(self):
        return super().get_query().options(selectinload(Workflow.states), selectinload(Workflow.transitions))


class WorkflowTransitionView(StaffModelView):
    required_permission = StaffPerm.MANAGE_WORKFLOWS
    column_list = ("workflow", "key", "label", "from_state", "to_state", "permission", "requires_reason", "side_effect", "mail_template")
    column_filters = ("workflow.name", "key")
    form_columns = ("workflow", "key", "label", "from_state", "to_state", "permission", "requires_reason", "side_effect", "mail_template", "mail_subject", "position")
    form_choices = {"permission": [(p.value, p.value) for p in StaffPerm]}

    def get_query(self):
        return super().get_query().options(joinedload(WorkflowTransition.workflow))

    def on_model_change(self, form, model, is_created):
        from models.workflows import SIDE_EFFECTS

        if model.side_effect and model.side_effect not in SIDE_EFFECTS:
            raise ValueError(f"Unknown side effect “{model.side_effect}”. Known: {', '.join(sorted(SIDE_EFFECTS))}.")
        if model.from_state.workflow_id != model.workflow.id or model.to_state.workflow_id != model.workflow.id:
            raise ValueError("Both states must belong to the transition's workflow.")
