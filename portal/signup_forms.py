"""Forms of the public sign-up pages, and the shop's custom attribute fields.

The forms collect only what a visitor may give; whatever else a request posts
(company, roles, state) is never read.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from models.attributes import AttributeType, own_field


def required(what: str, max_length: int) -> list:
    return [DataRequired(message=f"Please fill in {what}."), Length(max=max_length)]


def optional(max_length: int) -> list:
    return [Optional(), Length(max=max_length)]


class PersonFields:
    first_name = StringField("First name", validators=required("your first name", 80))
    last_name = StringField("Last name", validators=required("your last name", 80))
    email = EmailField("E-mail", validators=required("your e-mail address", 254))
    phone = StringField("Phone", validators=optional(40))


class ConfirmAddressForm(FlaskForm):
    """The button on the page a confirmation link opens (a link alone changes nothing)."""


class ApplicationForm(PersonFields, FlaskForm):
    """The company application: company details, contact person, billing address."""

    company_name = StringField("Company name", validators=required("the company name", 160))
    vat_id = StringField("VAT ID", validators=optional(40))
    line1 = StringField("Street and number", validators=required("the street and number", 160))
    line2 = StringField("Address line 2", validators=optional(160))
    postal_code = StringField("Postal code", validators=required("the postal code", 20))
    city = StringField("City", validators=required("the city", 80))
    country = StringField("Country (two letters, e.g. DE)", validators=[
        DataRequired(message="Please fill in the country."),
        Length(min=2, max=2, message="Use the two-letter country code, e.g. DE or US."),
    ])

    COMPANY = ("company_name", "vat_id")
    CONTACT = ("first_name", "last_name", "email", "phone")
    ADDRESS = ("line1", "line2", "postal_code", "city", "country")

    def data_for_model(self, definitions=()) -> dict:
        return {name: self[name].data or "" for name in self.COMPANY + self.CONTACT + self.ADDRESS}


class RegistrationForm(PersonFields, FlaskForm):
    """Organisation sign-up where the shop creates the company at once."""

    company_name = StringField("Organisation name", validators=required("your organisation's name", 160))
    password = PasswordField("Password", validators=required("a password", 200))
    confirm = PasswordField("Repeat the password", validators=required("the password twice", 200))

    FIELDS = ("company_name", "first_name", "last_name", "email", "phone", "password", "confirm")

    def data_for_model(self, definitions=()) -> dict:
        data = {name: self[name].data or "" for name in self.FIELDS}
        data["attributes"] = attribute_values(self, definitions)
        return data


def attribute_field_name(definition) -> str:
    return f"attr_{definition.key}"


def asked(definitions) -> list:
    """The definitions a form asks as attribute fields: not those that repeat a field the form has."""
    return [d for d in definitions if not own_field(d)]


def with_attributes(form_class: type[FlaskForm], definitions) -> type[FlaskForm]:
    """A subclass of ``form_class`` with one field per attribute definition; a field the form has already
    (the phone) becomes required where the shop requires the attribute that repeats it."""
    fields = {}
    for definition in definitions:
        field = own_field(definition)
        if field:
            if definition.required and hasattr(form_class, field):
                label = getattr(form_class, field).args[0]
                fields[field] = StringField(label, validators=required(f"your {label.lower()}", 40))
            continue
        if definition.type == AttributeType.BOOLEAN.value:
            fields[attribute_field_name(definition)] = BooleanField(definition.label)
        else:
            label = definition.label + ("" if definition.required else " (optional)")
            fields[attribute_field_name(definition)] = StringField(label, validators=[Length(max=500)])
    return type(form_class.__name__, (form_class,), fields)


def attribute_values(form: FlaskForm, definitions) -> dict:
    """The posted attribute values by definition key (checked by the model)."""
    return {d.key: form[attribute_field_name(d)].data for d in asked(definitions)}


def attribute_fields(form: FlaskForm, definitions) -> list:
    return [form[attribute_field_name(d)] for d in asked(definitions)]


def fill_attributes(form: FlaskForm, definitions, user) -> None:
    """Show ``user``'s stored values in the attribute fields (GET only)."""
    stored = {v.definition_id: v.value for v in user.attribute_values}
    for definition in asked(definitions):
        value = stored.get(definition.id, "")
        field = form[attribute_field_name(definition)]
        field.data = value == "yes" if definition.type == AttributeType.BOOLEAN.value else value
