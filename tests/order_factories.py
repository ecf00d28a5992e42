"""Factories for the catalog, prices, carts and orders (``tests.factories`` re-exports them)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory

from models.carts import Cart, CartLine, new_token
from models.catalog import Product, ProductType, ShipmentType
from models.order_templates import OrderTemplate, TemplateLine
from models.orders import Order, OrderCounter, OrderLine
from models.pricing import Price, PriceList
from models.quotes import Quote, QuoteLine
from models.recurring import RecurringLine, RecurringOrder
from models.workflow_engine import get_workflow
from tests.factories import CompanyFactory, CompanyUserFactory, ShopFactory, _Factory


class ProductTypeFactory(_Factory):
    class Meta:
        model = ProductType

    key = factory.Sequence(lambda n: f"type_{n}")
    name = factory.Sequence(lambda n: f"Type {n}")


class ShipmentTypeFactory(_Factory):
    class Meta:
        model = ShipmentType

    key = factory.Sequence(lambda n: f"shipment_{n}")
    name = factory.Sequence(lambda n: f"Shipment {n}")


class ProductFactory(_Factory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05}")
    name = factory.Sequence(lambda n: f"Product {n}")
    product_type = factory.SubFactory(ProductTypeFactory)


class PriceListFactory(_Factory):
    class Meta:
        model = PriceList

    name = factory.Sequence(lambda n: f"Price list {n}")
    currency = "EUR"
    customer_group = factory.Sequence(lambda n: f"group-{n}")


class PriceFactory(_Factory):
    class Meta:
        model = Price

    price_list = factory.SubFactory(PriceListFactory)
    product = factory.SubFactory(ProductFactory)
    min_quantity = 1
    amount = Decimal("9.90")


class CartFactory(_Factory):
    class Meta:
        model = Cart

    token = factory.LazyFunction(new_token)
    shop = factory.SubFactory(ShopFactory)


class CartLineFactory(_Factory):
    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class OrderCounterFactory(_Factory):
    class Meta:
        model = OrderCounter

    shop_id = factory.LazyFunction(lambda: ShopFactory().id)


class OrderFactory(_Factory):
    """A placed order of a buyer of its company, one euro net."""

    class Meta:
        model = Order

    company = factory.SubFactory(CompanyFactory)
    owner = factory.SubFactory(CompanyUserFactory, company=factory.SelfAttribute("..company"))
    shop_id = factory.SelfAttribute("company.shop_id")
    number = factory.Sequence(lambda n: f"T-{n}")
    buyer_name = "Pat Person"
    buyer_email = factory.SelfAttribute("owner.email")
    currency = "EUR"
    net_total = tax_total = gross_total = Decimal("1.00")
    state = "placed"
    workflow_id = factory.LazyFunction(lambda: get_workflow("order").id)


class OrderLineFactory(_Factory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    sku = "SKU-1"
    name = "Product"
    quantity = 1
    unit_price = line_total = Decimal("1.00")


class OrderTemplateFactory(_Factory):
    class Meta:
        model = OrderTemplate

    company = factory.SubFactory(CompanyFactory)
    owner = factory.SubFactory(CompanyUserFactory, company=factory.SelfAttribute("..company"))
    owner_id = factory.SelfAttribute("owner.id")
    company_id = factory.SelfAttribute("company.id")
    shop_id = factory.SelfAttribute("company.shop_id")
    name = factory.Sequence(lambda n: f"Template {n}")

    @classmethod
    def _create(cls, model_class, *args, company=None, owner=None, **kwargs):
        return super()._create(model_class, *args, **kwargs)


class TemplateLineFactory(_Factory):
    class Meta:
        model = TemplateLine

    template = factory.SubFactory(OrderTemplateFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class QuoteFactory(_Factory):
    """A quote request waiting for an answer."""

    class Meta:
        model = Quote

    company = factory.SubFactory(CompanyFactory)
    owner = factory.SubFactory(CompanyUserFactory, company=factory.SelfAttribute("..company"))
    shop_id = factory.SelfAttribute("company.shop_id")
    buyer_name = "Pat Person"
    buyer_email = factory.SelfAttribute("owner.email")
    currency = "EUR"
    state = "requested"
    workflow_id = factory.LazyFunction(lambda: get_workflow("quote").id)
    owner_id = factory.SelfAttribute("owner.id")

    @classmethod
    def _create(cls, model_class, *args, owner=None, **kwargs):
        return super()._create(model_class, *args, **kwargs)


class QuoteLineFactory(_Factory):
    class Meta:
        model = QuoteLine

    quote = factory.SubFactory(QuoteFactory)
    sku = "SKU-1"
    name = "Product"
    quantity = 1


class RecurringOrderFactory(_Factory):
    """A monthly recurring order, its first order in a week."""

    class Meta:
        model = RecurringOrder

    company = factory.SubFactory(CompanyFactory)
    owner = factory.SubFactory(CompanyUserFactory, company=factory.SelfAttribute("..company"))
    owner_id = factory.SelfAttribute("owner.id")
    company_id = factory.SelfAttribute("company.id")
    shop_id = factory.SelfAttribute("company.shop_id")
    cadence = "monthly"
    start_date = next_run = factory.LazyFunction(lambda: date.today() + timedelta(days=7))
    buyer_name = "Pat Person"
    buyer_email = factory.SelfAttribute("owner.email")
    currency = "EUR"
    net_total = Decimal("1.00")

    @classmethod
    def _create(cls, model_class, *args, company=None, owner=None, **kwargs):
        return super()._create(model_class, *args, **kwargs)


class RecurringLineFactory(_Factory):
    class Meta:
        model = RecurringLine

    recurring_order = factory.SubFactory(RecurringOrderFactory)
    sku = "SKU-1"
    name = "Product"
    quantity = 1
    unit_price = Decimal("1.00")
