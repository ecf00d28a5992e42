"""Forms of company self-service: company details, business units, addresses."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from models.addresses import ADDRESS_FIELDS
from models.companies import AddressKind, unit_tree

TOP_LEVEL = 0


class CompanyForm(FlaskForm):
    name = StringField("Company name", validators=[DataRequired(message="The company needs a name."), Length(max=160)])
    vat_id = StringField("VAT ID", validators=[Optional(), Length(max=40)])


class UnitForm(FlaskForm):
    """Add a business unit, or rename / move one (``unit_id`` set)."""

    unit_id = HiddenField()
    name = StringField("Name", validators=[DataRequired(message="The business unit needs a name."), Length(max=120)])
    parent_id = SelectField("Part of", coerce=int, validate_choice=False, default=TOP_LEVEL)

    def __init__(self, *args, offered=(), more_units=False, blocked=frozenset(), **kwargs):
        """``offered``: the units the parent choice lists (all of them, as a tree, unless ``more_units``);
        ``blocked``: the unit being moved and those below it."""
        super().__init__(*args, **kwargs)
        self.blocked, self.more_units = set(blocked), more_units
        self.parent_id.choices = parent_choices(offered, self.blocked, as_tree=not more_units)

    def validate_parent_id(self, field) -> None:
        if field.data in self.blocked:
            raise ValidationError("A business unit cannot be moved under itself or one of its own sub-units.")


class ConfirmForm(FlaskForm):
    """An empty form: only the CSRF token, for delete buttons."""


class AddressForm(FlaskForm):
    kind = SelectField("Type", choices=[(k.value, k.value.capitalize()) for k in AddressKind])
    label = StringField("Name (e.g. Plant North)", validators=[Optional(), Length(max=80)])
    line1 = StringField("Street and number", validators=[DataRequired(message="Please fill in the street."), Length(max=160)])
    line2 = StringField("Address line 2", validators=[Optional(), Length(max=160)])
    postal_code = StringField("Postal code", validators=[DataRequired(message="Please fill in the postal code."), Length(max=20)])
    city = StringField("City", validators=[DataRequired(message="Please fill in the city."), Length(max=80)])
    country = StringField("Country (two letters, e.g. DE)", validators=[
        DataRequired(message="Please fill in the country."),
        Length(min=2, max=2, message="Use the two-letter country code, e.g. DE or US."),
    ])
    is_default = BooleanField("Default address of this type")

    def data_for_model(self) -> dict:
        return {name: self[name].data for name in ADDRESS_FIELDS}


def parent_choices(units, blocked: set[int], as_tree: bool = True) -> list[tuple[int, str]]:
    """The top level, then ``units`` indented as their tree (all the company's) or by name (some of them)."""
    choices = [(TOP_LEVEL, "— top level —")]
    for unit, depth in unit_tree(units) if as_tree else [(unit, 0) for unit in units]:
        if unit.id not in blocked:
            choices.append((unit.id, "\u2003" * depth + unit.name))
    return choices
