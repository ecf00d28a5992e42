"""A unique constraint that fires reads as a plain sentence: each catalog constraint is broken for real (on
SQLite the driver names the columns, on PostgreSQL the constraint) and ``conflict_message`` says what clashed."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.assets import Asset
from models.catalog import Product, ProductType, ShipmentType
from models.conflicts import GENERIC, conflict_message
from models.inquiries import InquiryType
from models.pricing import Price, PriceList


def _existing_product() -> dict:
    product = db.session.scalar(select(Product).where(Product.sku == "BOLT-M8"))
    return {"sku": product.sku, "name": "Copy", "product_type_id": product.product_type_id}


def _existing_price() -> dict:
    price = db.session.scalar(select(Price).order_by(Price.id).limit(1))
    return {"price_list_id": price.price_list_id, "product_id": price.product_id,
            "min_quantity": price.min_quantity, "amount": Decimal("1.00")}


def _existing_list() -> dict:
    price_list = db.session.scalar(select(PriceList).order_by(PriceList.id).limit(1))
    return {"name": "Copy", "currency": price_list.currency, "customer_group": price_list.customer_group}


def _existing_asset() -> dict:
    asset = db.session.scalar(select(Asset).where(Asset.serial_number == "HP200-0001"))
    return {"company_id": asset.company_id, "name": "Copy", "serial_number": asset.serial_number, "reference": "",
            "status": "in_use", "note": ""}


def _existing_inquiry_type() -> dict:
    kind = db.session.scalar(select(InquiryType).where(InquiryType.key == "general"))
    return {"key": kind.key, "name": "Copy", "needs": "", "workflow_id": kind.workflow_id, "active": True,
            "position": 9}


CLASHES = {
    "uq_asset_company_serial": (Asset, _existing_asset, "The company already has an asset with that serial number."),
    "uq_inquiry_types_key": (InquiryType, _existing_inquiry_type, "An inquiry type with that key already exists."),
    "uq_products_sku": (Product, _existing_product, "Another product already has that SKU."),
    "uq_product_types_key": (ProductType, lambda: {"key": "standard", "name": "Copy"},
                             "A product type with that key already exists."),
    "uq_shipment_types_key": (ShipmentType, lambda: {"key": "delivery", "name": "Copy"},
                              "A shipment type with that key already exists."),
    "uq_price_list_currency_group": (PriceList, _existing_list,
                                     "That customer group already has a price list in that currency."),
    "uq_price_tier": (Price, _existing_price, "That price list already has a price for the product from that "
                                              "quantity; change that one instead."),
}


@pytest.mark.parametrize("constraint", CLASHES)
def test_a_clash_reads_as_a_sentence(app, constraint):
    model, row, message = CLASHES[constraint]
    with app.app_context():
        with pytest.raises(IntegrityError) as clash:
            with db.session.begin_nested():
                db.session.execute(insert(model), [row()])
        assert conflict_message(clash.value) == message != GENERIC
