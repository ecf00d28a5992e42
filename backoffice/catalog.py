"""The catalog in the back office: products, product types, shipment types, price lists, CSV imports.

Every save goes through the model layer, and a refusal shows beside its field: a product through
``check_product`` (its ``active`` flag through ``set_product_active``, also the bulk actions), types
through ``check_catalog_type``, price lists through ``check_price_list`` and prices through
``set_price``, their amounts read with ``parse_amount`` in the back office's locale.

Products are never deleted here: order lines, carts and prices refer to them; one taken out of the
catalog is deactivated and orders keep their lines. Types and price lists are not deleted either
(products and customer groups rely on them); a single price (a volume tier) is.
"""
from __future__ import annotations

from babel.numbers import format_decimal
from flask import flash, g, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, IntEqualFilter
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from backoffice.base import StaffModelView, StaffPageView, badge, refuse_as_form_error
from backoffice.filters import LiveFilterOptions, live_options
from edge import attempt, refused
from extensions import db
from locales import money, request_locale
from models.catalog import Product, ProductType, ShipmentType, check_product, set_product_active
from models.catalog_import import (
    DESCRIPTION_MAX,
    IMPORTS,
    MAX_FILE_BYTES,
    MAX_FILE_LINES,
    check_catalog_type,
    check_price_list,
    import_catalog_csv,
    set_price,
)
from models.money import example, parse_amount
from models.permissions import StaffPerm
from models.pricing import Price, PriceList
from models.shops import Shop
from paging import capped_counts
from security import current_actor

CATALOG = "Catalog"
PROBLEMS_SHOWN = 200  # a report lists this many refused lines, then says how many more


def _options(model):
    """Filter options: the rows of a small table by name."""
    return live_options(lambda: [(str(i), str(n)) for i, n in db.session.execute(
        select(model.id, model.name).order_by(model.name))])


def _link(endpoint: str, label: str, **args) -> Markup:
    return Markup(f'<a href="{escape(url_for(endpoint, **args))}">{escape(label)}</a>')


def _checkboxes(model, order):
    """Form arguments for a many-to-many relation drawn as checkboxes (a few types or shops)."""
    return {"query_factory": lambda: db.session.scalars(select(model).order_by(order)).all(),
            "widget": ListWidget(prefix_label=False), "option_widget": CheckboxInput()}


class CatalogView(StaffModelView):
    """A catalog list: for staff who may manage the catalog."""

    required_permission = StaffPerm.MANAGE_CATALOG
    named_filter_urls = True

    def save_with(self, form, save):
        """Run ``save()`` (a model operation); a refusal shows beside its field, and nothing is saved."""
        with attempt(form):
            return save()
        return False


def _active(view, context, model, name):
    return badge("Active", "success") if model.active else badge("Inactive", "secondary")


def _shipment_types(view, context, model, name):
    return ", ".join(s.name for s in model.shipment_types) or Markup('<span class="text-muted">none: not orderable</span>')


def _changed(verb: str):
    return lambda n: f"{n} product{'' if n == 1 else 's'} {verb}." if n else f"Nothing to change: they were {verb} already."


class ProductView(LiveFilterOptions, CatalogView):
    """Products: search by SKU or name, filter by type and status, (de)activate several at once."""

    can_delete = False  # orders, carts and prices refer to products: deactivate instead
    column_list = ("sku", "name", "product_type", "active", "shipment_types")
    column_labels = {"sku": "SKU", "product_type": "Type", "shipment_types": "Shipment types", "active": "Status",
                     "shops": "Visible in shops", "service_date_required": "Service date required",
                     "image": "Image file", "created_at": "Created", "prices": "Prices"}
    column_searchable_list = ("sku", "name")
    column_filters = (IntEqualFilter(Product.product_type_id, "Type", options=_options(ProductType)),
                      BooleanEqualFilter(Product.active, "Active"))
    column_sortable_list = ("sku", "name", "active")
    column_default_sort = "sku"
    column_formatters = {"active": _active, "shipment_types": _shipment_types,
                         "sku": lambda v, c, m, n: _link(".details_view", m.sku, id=m.id)}
    column_details_list = ("sku", "name", "description", "unit", "image", "product_type", "shipment_types", "shops",
                           "active", "service_date_required", "created_at", "prices")
    column_formatters_detail = {
        "active": _active, "shipment_types": _shipment_types,
        "shops": lambda v, c, m, n: ", ".join(s.name for s in m.shops) or "Every shop",
        "prices": lambda v, c, m, n: _link("prices.index_view", "Its prices in every list", flt0_product_id_equals=m.id),
    }
    form_columns = ("sku", "name", "description", "unit", "image", "product_type", "shipment_types", "shops",
                    "active", "service_date_required")
    form_extra_fields = {"sku": StringField("SKU", [InputRequired("Give the product a SKU.")],
                                            description="Upper case, no spaces; unique in the catalog.")}
    form_args = {
        "active": {"label": "Active"},
        "product_type": {"query_factory": lambda: db.session.scalars(select(ProductType).order_by(ProductType.name)).all()},
        "shipment_types": _checkboxes(ShipmentType, ShipmentType.name),
        "shops": _checkboxes(Shop, Shop.name),
    }
    column_descriptions = {
        "description": f"Shown on the product page (at most {DESCRIPTION_MAX:,} characters).",
        "image": "A file under static/products/, e.g. drill-500.jpg (optional).",
        "shipment_types": "How customers may receive it; a product without one cannot be ordered.",
        "shops": "None ticked: visible in every shop. Otherwise only in these shops and their sub shops.",
        "active": "Inactive products are out of the catalog; orders keep their lines.",
        "service_date_required": "Customers choose a date and time for the service at checkout.",
    }
    one_loads = (joinedload(Product.product_type), selectinload(Product.shipment_types), selectinload(Product.shops))

    def get_query(self):
        return super().get_query().options(joinedload(Product.product_type), selectinload(Product.shipment_types))

    def create_model(self, form):
        """A new product, checked by ``check_product`` before it is added."""
        def save():
            product = self.build_new_instance()
            form.populate_obj(product)  # still outside the session: the SKU check cannot flush it
            check_product(product, actor=current_actor())
            db.session.add(product)
            db.session.flush()
            return product

        return self.save_with(form, save)

    def update_model(self, form, model):
        """The form's fields through ``check_product``; its ``active`` through ``set_product_active``."""
        def save():
            actor, active = current_actor(), bool(form.active.data)
            with db.session.no_autoflush:
                was_active = model.active
                form.populate_obj(model)
                model.active = was_active
                check_product(model, actor=actor)
            set_product_active(model, active, actor=actor)
            db.session.flush()
            return True

        return self.save_with(form, save)

    def _set_active(self, ids, active: bool) -> None:
        actor = current_actor()

        def apply(products):
            changed = [p for p in products if p.active != active]
            for product in changed:
                set_product_active(product, active, actor=actor)
            return len(changed)

        self.run_bulk(ids, apply, _changed("activated" if active else "deactivated"))

    @action("activate", "Activate", "Offer the selected products in the catalog again?")
    def action_activate(self, ids):
        self._set_active(ids, True)

    @action("deactivate", "Deactivate", "Take the selected products out of the catalog? Orders keep their lines.")
    def action_deactivate(self, ids):
        self._set_active(ids, False)


class CatalogTypeView(CatalogView):
    """Product types and shipment types: a key (fixed once saved) and a name."""

    can_delete = False  # products and code refer to them by key
    column_list = ("key", "name")
    column_searchable_list = ("key", "name")
    column_default_sort = "name"
    form_columns = ("key", "name")
    # the model's check says plainly why a key is taken (Flask-Admin's own check only says "Already exists")
    form_extra_fields = {"key": StringField("Key", [InputRequired("Give it a key.")], description=(
        "Lower-case letters, digits, “_” or “-”, starting with a letter. Imports and Atrium refer to it, so it is "
        "fixed once saved."))}

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form.key
        return form

    def on_model_change(self, form, model, is_created):
        refuse_as_form_error(check_catalog_type, model, form)


class ProductTypeView(CatalogTypeView):
    column_list = ("key", "name", "products")
    column_formatters = {"products": lambda v, c, m, n: _link("products.index_view", "Products",
                                                                   flt0_type_equals=m.id)}


def _price_counts(list_ids) -> dict[int, str]:
    """Each list's number of prices as shown, "1,000+" past the cap: one statement that reads a bounded number
    of prices however big the lists grow (the linked list of prices counts them all)."""
    ids = list(list_ids)
    return dict(zip(ids, capped_counts([select(Price.id).where(Price.price_list_id == i) for i in ids])))


def _prices_link(price_list: PriceList, count: str) -> Markup:
    return _link("prices.index_view", f"{count} price{'' if count == '1' else 's'}", flt0_price_list_equals=price_list.id)


class PriceListView(CatalogView):
    """Price lists: one per currency and customer group; ``default`` holds the base prices."""

    can_delete = False  # its customer group's companies would silently fall back to base prices
    column_list = ("name", "currency", "customer_group", "prices")
    column_details_list = column_list
    column_labels = {"customer_group": "Customer group"}
    column_default_sort = [("currency", False), ("customer_group", False)]
    column_formatters = {"prices": lambda v, c, m, n: _prices_link(m, g.get("price_counts", {}).get(m.id, "0"))}
    column_formatters_detail = {"prices": lambda v, c, m, n: _prices_link(m, _price_counts([m.id])[m.id])}
    form_columns = ("name", "currency", "customer_group")
    column_descriptions = {
        "currency": "ISO code of the currency, e.g. EUR or USD.",
        "customer_group": "Companies of this customer group (their pricing policy) pay these prices, and the base "
                          "price where this list has none; “default” holds the base prices.",
    }

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        g.price_counts = _price_counts(r.id for r in rows) if rows else {}
        return count, rows

    def on_model_change(self, form, model, is_created):
        refuse_as_form_error(check_price_list, model, form)


def _amount_text(amount, locale: str) -> str:
    """A price as the form shows it for editing: two to four decimals, in the back office's locale."""
    return "" if amount is None else format_decimal(amount, format="0.00##", locale=locale)


class PriceView(LiveFilterOptions, CatalogView):
    """Prices: a product's net unit price in a list from a minimum quantity on (volume tiers)."""

    column_list = ("price_list", "product.sku", "product", "min_quantity", "amount")
    column_labels = {"price_list": "Price list", "product.sku": "SKU", "product.name": "Product name",
                     "min_quantity": "From quantity", "amount": "Net unit price", "sku": "Product SKU"}
    column_searchable_list = ("product.sku", "product.name")
    column_filters = (IntEqualFilter(Price.price_list_id, "Price list", options=_options(PriceList)),
                      IntEqualFilter(Price.product_id, "Product id"))
    column_sortable_list = ("min_quantity",)
    column_default_sort = [("price_list_id", False), ("product_id", False), ("min_quantity", False)]
    column_formatters = {"amount": lambda v, c, m, n: money(m.amount, m.price_list.currency),
                         "product": lambda v, c, m, n: m.product.name}
    column_details_list = ("price_list", "product", "min_quantity", "amount")
    column_formatters_detail = column_formatters
    form_columns = ("price_list", "sku", "min_quantity", "amount")
    form_extra_fields = {"sku": StringField("Product SKU"), "amount": StringField("Net unit price")}
    amount_help = "Net, in the list's currency, written like {} (up to four decimals)."
    form_args = {"price_list": {"query_factory": lambda: db.session.scalars(
        select(PriceList).order_by(PriceList.currency, PriceList.customer_group)).all()}}
    column_descriptions = {"min_quantity": "The price applies from this quantity on; 1 for the price of a single piece."}
    one_loads = (joinedload(Price.price_list), joinedload(Price.product))

    def get_query(self):
        return super().get_query().options(*self.one_loads)

    def create_form(self, obj=None):
        return self._with_help(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._with_help(super().edit_form(obj))

    def _with_help(self, form):
        form.amount.description = self.amount_help.format(example(request_locale()))
        return form

    def on_form_prefill(self, form, id):
        price = self.get_one(id)
        if price is not None:
            form.sku.data = price.product.sku
            form.amount.data = _amount_text(price.amount, request_locale())

    def _save(self, form, price):
        price_list = form.price_list.data
        amount = parse_amount(form.amount.data, locale=request_locale(), currency=price_list.currency,
                              label="The price", field="amount", decimals=4) if price_list else None
        return set_price(price, price_list=price_list, sku=form.sku.data, min_quantity=form.min_quantity.data,
                         amount=amount, actor=current_actor())

    def create_model(self, form):
        return self.save_with(form, lambda: self._save(form, Price()))

    def update_model(self, form, model):
        return self.save_with(form, lambda: self._save(form, model) and True)


class ImportForm(FlaskForm):
    kind = SelectField("The file holds", choices=[(kind, spec.label) for kind, spec in IMPORTS.items()])
    csv_file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])


class CatalogImportView(StaffPageView):
    """Upload a CSV file of products, product types or type assignments; the report names each bad line."""

    required_permission = StaffPerm.MANAGE_CATALOG

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form, report = ImportForm(), None
        if form.validate_on_submit():
            upload = form.csv_file.data
            with attempt(form):
                report = import_catalog_csv(form.kind.data, upload.read(MAX_FILE_BYTES + 1), actor=current_actor())
                flash(_summary(report), "warning" if report.problems else "success")
            if refused():
                form.csv_file.errors = list(form.csv_file.errors) + [refused()]
        failed = request.method == "POST" and (form.errors or refused())
        return self.render("backoffice/catalog/import.html", form=form, report=report, imports=IMPORTS,
                           max_lines=MAX_FILE_LINES, max_mb=MAX_FILE_BYTES // (1024 * 1024),
                           problems_shown=PROBLEMS_SHOWN), 400 if failed else 200


def _summary(report) -> str:
    done = f"{report.label}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    if report.problems:
        return done + f"; {len(report.problems)} line{'' if len(report.problems) == 1 else 's'} not imported (see below)."
    return done + "."


def register(admin) -> None:
    """Add the catalog views to the back office."""
    admin.add_view(ProductView(Product, db, name="Products", endpoint="products", category=CATALOG))
    admin.add_view(ProductTypeView(ProductType, db, name="Product types", endpoint="product_types", category=CATALOG))
    admin.add_view(CatalogTypeView(ShipmentType, db, name="Shipment types", endpoint="shipment_types",
                                   category=CATALOG))
    admin.add_view(PriceListView(PriceList, db, name="Price lists", endpoint="price_lists", category=CATALOG))
    admin.add_view(PriceView(Price, db, name="Prices", endpoint="prices", category=CATALOG))
    admin.add_view(CatalogImportView(name="CSV import", endpoint="catalog_import", url="catalog-import",
                                     category=CATALOG))
