"""Services in the back office: service points with their services, product offers and their CSV import
(Catalog); every company's booked services (Orders) are in ``backoffice.booked_services``.

Every save goes through the model layer and a refusal shows beside its field: a service point through
``check_service_point``, an offer through ``check_offer`` (its price read with ``parse_amount`` in the back
office's locale), an offer file through ``import_offers_csv``. Service points and offers are never deleted here (offers and booked services refer to them): deactivate.
"""
from __future__ import annotations

from flask import flash, request
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, IntEqualFilter
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup, escape
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from backoffice.base import StaffPageView, badge, refuse_as_form_error
from backoffice.booked_services import BookedServiceView
from backoffice.catalog import CATALOG, CatalogView
from backoffice.filters import ClauseFilter, LiveFilterOptions, in_subquery, live_options
from edge import attempt, refused
from extensions import db
from locales import money, request_locale
from models.base import utcnow
from models.catalog import Product, ShipmentType
from models.money import example, input_text, parse_amount
from models.offer_import import COLUMNS, MAX_FILE_BYTES, MAX_FILE_LINES, REFUSED, import_offers_csv
from models.offers import PRICE_PLACES, check_offer, check_service_point
from models.permissions import StaffPerm
from models.search import contains
from models.services import (
    BookedService,
    ProductOffer,
    Service,
    ServicePoint,
)
from security import current_actor

LINES_SHOWN = 200  # a report lists this many lines of each kind, then says how many more
TONES = {"primary": "primary", "success": "success", "neutral": "secondary"}


def _active(view, context, model, name):
    return badge("Active", "success") if model.active else badge("Inactive", "secondary")


def _point_options():
    return live_options(lambda: [(str(i), n) for i, n in db.session.execute(
        select(ServicePoint.id, ServicePoint.name).order_by(ServicePoint.name))])


# --- service points ---------------------------------------------------------------------------------

class ServicePointView(CatalogView):
    """Service points (where services are given) with their services inline."""

    can_delete = False  # offers and booked services refer to them: deactivate instead
    column_list = ("key", "name", "address", "active", "services")
    column_details_list = column_list
    column_searchable_list = ("key", "name", "city")
    column_filters = (BooleanEqualFilter(ServicePoint.active, "Active"),)
    column_default_sort = "name"
    column_formatters = {
        "active": _active, "address": lambda v, c, m, n: m.address,
        "services": lambda v, c, m, n: ", ".join(s.name + ("" if s.active else " (inactive)") for s in m.services)
        or Markup('<span class="text-muted">none yet</span>'),
    }
    column_formatters_detail = column_formatters
    column_labels = {"line1": "Street and number", "postal_code": "Postal code"}
    form_columns = ("key", "name", "line1", "postal_code", "city", "country", "active", "services")
    form_extra_fields = {"key": StringField("Key", [InputRequired("Give the service point a key.")], description=(
        "Lower-case letters, digits, “_” or “-”, starting with a letter; offer files name the service point by "
        "it, so it is fixed once saved."))}
    column_descriptions = {
        "country": "Two-letter code, e.g. DE.",
        "active": "Inactive service points are not offered to customers; booked services keep their place.",
        "services": "The kinds of service given here, e.g. “On-site service visit”. Deactivate one to retire it.",
    }
    inline_models = ((Service, {"form_columns": ("id", "name", "active"), "form_label": "Service"}),)
    one_loads = (selectinload(ServicePoint.services),)

    def get_query(self):
        return super().get_query().options(*self.one_loads)

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form.key  # offer files name the service point by it
        return form

    def on_model_change(self, form, model, is_created):
        refuse_as_form_error(check_service_point, model, form)


# --- product offers ---------------------------------------------------------------------------------

def _valid_now(value: str):
    today = utcnow().date()
    now = ProductOffer.active.is_(True) & or_(ProductOffer.valid_from.is_(None), ProductOffer.valid_from <= today) & or_(
        ProductOffer.valid_until.is_(None), ProductOffer.valid_until >= today)
    return now if value == "1" else ~now


def _product(view, context, model, name):
    return Markup(f'{escape(model.product.name)}<br><span class="small text-muted">{escape(model.product.sku)} · '
                  f'{escape(model.product.product_type.name)}</span>')


def _validity(view, context, model, name):
    if not (model.valid_from or model.valid_until):
        return "Always"
    return f"{model.valid_from.isoformat() if model.valid_from else '…'} – " \
           f"{model.valid_until.isoformat() if model.valid_until else '…'}"


def _price(view, context, model, name):
    return money(model.price, model.currency) if model.price is not None else "The product's price"


def _names(view, context, model, name):
    return ", ".join(item.name for item in getattr(model, name)) or "—"


def _checkboxes(query):
    return {"query_factory": query, "widget": ListWidget(prefix_label=False), "option_widget": CheckboxInput()}


def _services_choice():
    return db.session.scalars(select(Service).join(ServicePoint).options(joinedload(Service.service_point))
                              .order_by(ServicePoint.name, Service.name)).all()


class ProductOfferView(LiveFilterOptions, CatalogView):
    """Product offers: a product at a service point, with its services, shipment types, stock, validity, price."""

    can_delete = False  # booked services refer to them: deactivate instead
    column_list = ("reference", "product", "service_point", "services", "shipment_types", "stock", "validity",
                   "price", "active")
    column_details_list = column_list
    column_labels = {"service_point": "Service point", "shipment_types": "Shipment types", "valid_from": "Valid from",
                     "valid_until": "Valid until", "sku": "Product SKU", "product.sku": "SKU",
                     "service_point.name": "service point"}
    column_searchable_list = ("reference", "product.sku", "service_point.name")
    column_filters = (IntEqualFilter(ProductOffer.service_point_id, "Service point", options=_point_options()),
                      BooleanEqualFilter(ProductOffer.active, "Active"),
                      ClauseFilter(ProductOffer.id, "Valid now", _valid_now, operation="equals",
                                   options=[("1", "Yes"), ("0", "No")]))
    column_sortable_list = ("reference", "stock")
    column_default_sort = "reference"
    column_formatters = {"product": _product, "service_point": lambda v, c, m, n: m.service_point.name,
                         "services": _names, "shipment_types": _names, "validity": _validity, "price": _price,
                         "stock": lambda v, c, m, n: "Always available" if m.stock is None else m.stock,
                         "active": _active}
    column_formatters_detail = column_formatters
    form_columns = ("reference", "sku", "service_point", "services", "shipment_types", "stock", "valid_from",
                    "valid_until", "price", "currency", "active")
    form_extra_fields = {"sku": StringField("Product SKU", [InputRequired("Give the product's SKU.")], description=(
                             "The product offered (any product; usually one of the type “Service”).")),
                         "price": StringField("Price")}
    form_args = {
        "service_point": {"query_factory": lambda: db.session.scalars(
            select(ServicePoint).order_by(ServicePoint.name)).all()},
        "services": _checkboxes(_services_choice),
        "shipment_types": _checkboxes(lambda: db.session.scalars(select(ShipmentType).order_by(ShipmentType.name)).all()),
    }
    column_descriptions = {
        "reference": "Upper-case letters, digits, “-”, “_” or “.”; the offer import names the offer by it.",
        "services": "Services of the offer's own service point only.",
        "shipment_types": "At least one, each allowed for the product (under Products).",
        "stock": "Places left; empty: always available.",
        "valid_until": "On or after “valid from”; empty dates: no bound.",
        "currency": "ISO code, e.g. EUR.",
    }
    one_loads = (joinedload(ProductOffer.product).joinedload(Product.product_type),
                 joinedload(ProductOffer.service_point), selectinload(ProductOffer.services),
                 selectinload(ProductOffer.shipment_types))

    def get_query(self):
        return super().get_query().options(*self.one_loads)

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each word finds the whole reference or SKU, or part of the service point's name."""
        for term in search.split(" ")[:5]:
            if not term:
                continue
            products = select(Product.id).where(Product.sku == term.upper()[:64])
            points = select(ServicePoint.id).where(contains(ServicePoint.name, term[:100]))
            found = or_(ProductOffer.reference == term.upper()[:40], contains(ProductOffer.reference, term[:40]),
                        in_subquery(ProductOffer.product_id, products),
                        in_subquery(ProductOffer.service_point_id, points))
            query = query.filter(found)
            count_query = count_query.filter(found) if count_query is not None else None
        return query, count_query, joins, count_joins

    def create_form(self, obj=None):
        return self._with_help(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._with_help(super().edit_form(obj))

    def _with_help(self, form):
        form.price.description = (f"Net, in the offer's currency, written like {example(request_locale())} (up to "
                                  f"{PRICE_PLACES} decimals); empty: the product's price.")
        if not form.currency.data:
            form.currency.data = "EUR"
        return form

    def on_form_prefill(self, form, id):
        offer = self.get_one(id)
        if offer is not None:
            form.sku.data = offer.product.sku
            form.price.data = input_text(offer.price, request_locale(), offer.currency) if offer.price else ""

    def _save(self, form, offer):
        price = parse_amount(form.price.data, locale=request_locale(), currency=form.currency.data or "EUR",
                             label="The price", field="price", decimals=PRICE_PLACES)
        with db.session.no_autoflush:
            for name in ("reference", "service_point", "services", "shipment_types", "stock", "valid_from",
                         "valid_until", "currency", "active"):
                form[name].populate_obj(offer, name)
            offer.price = price
            check_offer(offer, sku=form.sku.data, actor=current_actor())
        db.session.add(offer)
        db.session.flush()
        return offer

    def create_model(self, form):
        return self.save_with(form, lambda: self._save(form, ProductOffer()))

    def update_model(self, form, model):
        return self.save_with(form, lambda: self._save(form, model) and True)


# --- the offer import -------------------------------------------------------------------------------

class OfferImportForm(FlaskForm):
    csv_file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])


class OfferImportView(StaffPageView):
    """Upload a CSV file of offers; the report tells what became of each line."""

    required_permission = StaffPerm.MANAGE_CATALOG

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form, report = OfferImportForm(), None
        if form.validate_on_submit():
            with attempt(form):
                report = import_offers_csv(form.csv_file.data.read(MAX_FILE_BYTES + 1), actor=current_actor())
                flash(_summary(report), "warning" if report.problems else "success")
            if refused():
                form.csv_file.errors = list(form.csv_file.errors) + [refused()]
        failed = request.method == "POST" and (form.errors or refused())
        return self.render("backoffice/services/import.html", form=form, report=report, columns=COLUMNS,
                           max_lines=MAX_FILE_LINES, max_mb=MAX_FILE_BYTES // (1024 * 1024),
                           lines_shown=LINES_SHOWN), 400 if failed else 200


def _summary(report) -> str:
    done = (f"Product offers: {report.count('added')} added, {report.count('changed')} changed, "
            f"{report.count('unchanged')} unchanged")
    refused_lines = report.count(REFUSED)
    if refused_lines:
        return done + f"; {refused_lines} line{'' if refused_lines == 1 else 's'} refused (see below)."
    return done + "."


# --- booked services --------------------------------------------------------------------------------

def register(admin) -> None:
    """Add service points, offers and their import to the Catalog menu, booked services to Orders."""
    admin.add_view(ServicePointView(ServicePoint, db, name="Service points", endpoint="service_points",
                                    category=CATALOG))
    admin.add_view(ProductOfferView(ProductOffer, db, name="Product offers", endpoint="product_offers",
                                    category=CATALOG))
    admin.add_view(OfferImportView(name="Offer import", endpoint="offer_import", url="offer-import",
                                   category=CATALOG))
    admin.add_view(BookedServiceView(BookedService, db, name="Booked services", endpoint="booked_services",
                                     category="Orders"))  # (backoffice.booked_services)
