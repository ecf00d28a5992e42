"""Forms of the people pages: users, invitations, custom roles (Flask-WTF: CSRF on every form)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from models.permissions import PERM_LABELS, Perm
from models.users import PERIOD_LABELS

BUDGET_PERIODS = [("", "No budget")] + [(code, label.capitalize()) for code, label in PERIOD_LABELS.items()]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; a value not offered is refused with a plain message."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        offered = {value for value, _ in self.choices}
        if any(value not in offered for value in self.data or []):
            raise ValidationError("Choose from the options shown.")


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value reads plainly."""

    def pre_validate(self, form):
        if self.data not in {value for value, *_ in self.choices}:
            raise ValidationError("Choose from the options shown.")


def role_choices(roles) -> list[tuple[int, str]]:
    return [(role.id, role.name) for role in roles]


def unit_choices(units) -> list[tuple[int, str]]:
    return [(0, "No business unit")] + [(unit.id, unit.name) for unit in units]


def permission_choices(actor) -> list[tuple[str, str]]:
    """Only the permissions the actor holds can go into a role they make."""
    return [(perm.value, PERM_LABELS[perm]) for perm in Perm if actor.can(perm)]


class UserForm(FlaskForm):
    roles = CheckboxesField("Additional roles", coerce=int)
    business_unit = ChoiceField("Business unit", coerce=int, default=0)


class NewUserForm(UserForm):
    email = EmailField("E-mail", validators=[DataRequired("Enter an e-mail address."), Length(max=254)])
    first_name = StringField("First name", validators=[DataRequired("Enter a first name."), Length(max=80)])
    last_name = StringField("Last name", validators=[DataRequired("Enter a last name."), Length(max=80)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])


class EditUserForm(UserForm):
    budget_amount = StringField("Budget", validators=[Optional(), Length(max=20)])
    budget_period = ChoiceField("Budget period", choices=BUDGET_PERIODS, default="")
    order_spend_limit = StringField("Order spend limit", validators=[Optional(), Length(max=20)])


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[AnyOf(["0", "1"], message="Say whether to activate or deactivate.")])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired("Enter an e-mail address."), Length(max=254)])
    role = ChoiceField("Role", coerce=int)
    send_invitation = SubmitField("Send invitation")


class InviteListForm(FlaskForm):
    address_file = FileField("List of e-mail addresses", validators=[
        FileRequired("Choose a CSV or TXT file to upload."),
    ])  # type and size: models.invitations.read_address_list
    list_role = ChoiceField("Role for everyone on the list", coerce=int)
    upload_list = SubmitField("Upload and invite")


class RoleForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the role a name."), Length(max=80)])
    permissions = CheckboxesField("Permissions")
