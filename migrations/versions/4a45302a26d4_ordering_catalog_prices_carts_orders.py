"""ordering: catalog, prices, carts, orders

Products with their types, shipment types and the shops that see them; price
lists with volume tiers; carts; orders with their lines and a number counter
per shop; a shop's tax rate and whether visitors may fill carts. Ships the
product types, the shipment types and the order workflow, and, on PostgreSQL,
trigram indexes for the catalog and order searches.

Revision ID: 4a45302a26d4
Revises: f1c2d3e4a5b6
Create Date: 2026-11-24 08:01:07.014371

"""
import sqlalchemy as sa
from alembic import op

import models.base
import models.money
from migrations.reference import ensure_workflow


# revision identifiers, used by Alembic.
revision = '4a45302a26d4'
down_revision = 'f1c2d3e4a5b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('price_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('customer_group', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_lists')),
    sa.UniqueConstraint('currency', 'customer_group', name='uq_price_list_currency_group')
    )
    op.create_table('product_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_types')),
    sa.UniqueConstraint('key', name=op.f('uq_product_types_key'))
    )
    op.create_table('shipment_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_types')),
    sa.UniqueConstraint('key', name=op.f('uq_shipment_types_key'))
    )
    op.create_table('order_counters',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_counters_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_order_counters'))
    )
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('image', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('product_type_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('service_date_required', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_type_id'], ['product_types.id'], name=op.f('fk_products_product_type_id_product_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('sku', name=op.f('uq_products_sku'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_active_name', ['active', 'name', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_product_type_id'), ['product_type_id'], unique=False)

    op.create_table('prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('price_list_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('min_quantity', sa.Integer(), nullable=False),
    sa.Column('amount', models.money.Amount(), nullable=False),
    sa.ForeignKeyConstraint(['price_list_id'], ['price_lists.id'], name=op.f('fk_prices_price_list_id_price_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_prices_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prices')),
    sa.UniqueConstraint('price_list_id', 'product_id', 'min_quantity', name='uq_price_tier')
    )
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.create_index('ix_prices_product', ['product_id', 'price_list_id', 'min_quantity'], unique=False)

    op.create_table('product_shipment_types',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('shipment_type_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_shipment_types_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shipment_type_id'], ['shipment_types.id'], name=op.f('fk_product_shipment_types_shipment_type_id_shipment_types'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', 'shipment_type_id', name=op.f('pk_product_shipment_types'))
    )
    op.create_table('product_shops',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_shops_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_product_shops_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', 'shop_id', name=op.f('pk_product_shops'))
    )
    with op.batch_alter_table('product_shops', schema=None) as batch_op:
        batch_op.create_index('ix_product_shops_shop', ['shop_id', 'product_id'], unique=False)

    op.create_table('carts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=9), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_carts_company_id_companies')),
    sa.ForeignKeyConstraint(['owner_id'], ['company_users.id'], name=op.f('fk_carts_owner_id_company_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_carts_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carts')),
    sa.UniqueConstraint('owner_id', name=op.f('uq_carts_owner_id')),
    sa.UniqueConstraint('token', name=op.f('uq_carts_token'))
    )
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carts_company_id'), ['company_id'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('buyer_name', sa.String(length=170), nullable=False),
    sa.Column('buyer_email', sa.String(length=254), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tax_rate', models.money.Amount(), nullable=False),
    sa.Column('net_total', models.money.Amount(), nullable=False),
    sa.Column('tax_total', models.money.Amount(), nullable=False),
    sa.Column('gross_total', models.money.Amount(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('shipping_address', sa.Text(), nullable=False),
    sa.Column('billing_address', sa.Text(), nullable=False),
    sa.Column('payment_method', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('placed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('business_unit_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['business_unit_id'], ['business_units.id'], name=op.f('fk_orders_business_unit_id_business_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_orders_company_id_companies')),
    sa.ForeignKeyConstraint(['owner_id'], ['company_users.id'], name=op.f('fk_orders_owner_id_company_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_orders_shop_id_shops')),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_orders_workflow_id_workflows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('shop_id', 'number', name='uq_order_shop_number')
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_business_unit_id'), ['business_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_buyer_email'), ['buyer_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_orders_company_placed', ['company_id', 'placed_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_number', ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_orders_owner_placed', ['owner_id', 'placed_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_placed', ['placed_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_state_placed', ['state', 'placed_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_unit_placed', ['business_unit_id', 'placed_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('cart_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cart_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('quoted_price', models.money.Amount(), nullable=True),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], name=op.f('fk_cart_lines_cart_id_carts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_cart_lines_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_lines')),
    sa.UniqueConstraint('cart_id', 'product_id', name='uq_cart_line_product')
    )
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_lines_product_id'), ['product_id'], unique=False)

    op.create_table('order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', models.money.Amount(), nullable=False),
    sa.Column('line_total', models.money.Amount(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_order_lines_product_id_products'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index('ix_order_lines_order', ['order_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_lines_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_order_lines_sku', ['sku', 'order_id'], unique=False)

    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_rate', models.money.Amount(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('guest_carts', sa.Boolean(), server_default=sa.false(), nullable=False))

    _reference_data()


PRODUCT_TYPES = [("standard", "Standard product"), ("service", "Service")]
SHIPMENT_TYPES = [("delivery", "Delivery"), ("on_site_service", "On-site service"),
                  ("in_store_pickup", "In-store pickup")]
ORDER = {
    "key": "order",
    "name": "Order",
    "subject_type": "order",
    "states": [
        ("placed", "Placed", "info", True, False),
        ("on_hold", "Waiting for our check", "warning", False, False),
        ("confirmed", "Confirmed", "primary", False, False),
        ("shipped", "Shipped", "primary", False, False),
        ("delivered", "Delivered", "success", False, True),
        ("cancelled", "Cancelled", "neutral", False, True),
    ],
    # key, label, from, to, permission, requires reason, guard, side effect, mail template, subject, mail to
    "transitions": [
        ("hold", "Hold for a check", "placed", "on_hold", "manage_orders", False, "", "", "", "", ""),
        ("release", "Release", "on_hold", "placed", "manage_orders", False, "", "", "order_status",
         "Your order is released", "contact"),
        ("confirm", "Confirm", "placed", "confirmed", "manage_orders", False, "", "", "order_status",
         "Your order is confirmed", "contact"),
        ("ship", "Mark shipped", "confirmed", "shipped", "manage_orders", False, "", "", "order_status",
         "Your order is on its way", "contact"),
        ("deliver", "Mark delivered", "shipped", "delivered", "manage_orders", False, "", "", "", "", ""),
        ("cancel", "Cancel", "placed", "cancelled", "manage_orders", True, "", "", "order_status",
         "Your order was cancelled", "contact"),
        ("cancel", "Cancel", "on_hold", "cancelled", "manage_orders", True, "", "", "order_status",
         "Your order was cancelled", "contact"),
        ("cancel", "Cancel", "confirmed", "cancelled", "manage_orders", True, "", "", "order_status",
         "Your order was cancelled", "contact"),
        ("withdraw", "Cancel my order", "placed", "cancelled", "purchase", False, "order.placed_by_actor", "",
         "", "", ""),
    ],
    "reasons": ["Asked for by the customer", "Out of stock", "Credit check failed", "Duplicate order"],
}
SEARCHED = (("products", "name"), ("products", "sku"), ("orders", "buyer_name"))


def _reference_data():
    connection = op.get_bind()
    for table, rows in (("product_types", PRODUCT_TYPES), ("shipment_types", SHIPMENT_TYPES)):
        target = sa.table(table, sa.column("key", sa.String), sa.column("name", sa.String))
        known = set(connection.scalars(sa.select(target.c.key)))
        missing = [{"key": key, "name": name} for key, name in rows if key not in known]
        if missing:
            connection.execute(target.insert(), missing)
    ensure_workflow(ORDER)
    if connection.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, column in SEARCHED:  # the portal searches lower(column) LIKE '%…%'
            op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin (lower({column}) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, column in SEARCHED:
            op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
    op.execute("DELETE FROM workflow_history WHERE workflow_id IN (SELECT id FROM workflows WHERE key = 'order')")
    op.execute("DELETE FROM workflows WHERE key = 'order'")
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_column('guest_carts')
        batch_op.drop_column('tax_rate')

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_order_lines_sku')
        batch_op.drop_index(batch_op.f('ix_order_lines_product_id'))
        batch_op.drop_index('ix_order_lines_order')

    op.drop_table('order_lines')
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_lines_product_id'))

    op.drop_table('cart_lines')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_workflow_id'))
        batch_op.drop_index('ix_orders_unit_placed')
        batch_op.drop_index('ix_orders_state_placed')
        batch_op.drop_index('ix_orders_placed')
        batch_op.drop_index('ix_orders_owner_placed')
        batch_op.drop_index(batch_op.f('ix_orders_owner_id'))
        batch_op.drop_index('ix_orders_number')
        batch_op.drop_index('ix_orders_company_placed')
        batch_op.drop_index(batch_op.f('ix_orders_company_id'))
        batch_op.drop_index(batch_op.f('ix_orders_buyer_email'))
        batch_op.drop_index(batch_op.f('ix_orders_business_unit_id'))

    op.drop_table('orders')
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carts_company_id'))

    op.drop_table('carts')
    with op.batch_alter_table('product_shops', schema=None) as batch_op:
        batch_op.drop_index('ix_product_shops_shop')

    op.drop_table('product_shops')
    op.drop_table('product_shipment_types')
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.drop_index('ix_prices_product')

    op.drop_table('prices')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_product_type_id'))
        batch_op.drop_index('ix_products_active_name')

    op.drop_table('products')
    op.drop_table('order_counters')
    op.drop_table('shipment_types')
    op.drop_table('product_types')
    op.drop_table('price_lists')
