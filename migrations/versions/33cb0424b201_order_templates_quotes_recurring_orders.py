"""Order templates, quotes and recurring orders.

Adds the tables, a cart's quote and repeat settings, an order's link to the
recurring order that placed it (unique per date) and the quote workflow.

Revision ID: 33cb0424b201
Revises: 4a45302a26d4
Create Date: 2026-11-24 09:06:31.231162

"""
import sqlalchemy as sa
from alembic import op

import models.base
import models.money
from migrations.reference import ensure_workflow


# revision identifiers, used by Alembic.
revision = '33cb0424b201'
down_revision = '4a45302a26d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_order_templates_company_id_companies')),
    sa.ForeignKeyConstraint(['owner_id'], ['company_users.id'], name=op.f('fk_order_templates_owner_id_company_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_templates_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_templates')),
    sa.UniqueConstraint('owner_id', 'name', name='uq_order_template_name')
    )
    with op.batch_alter_table('order_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_templates_company_id'), ['company_id'], unique=False)

    op.create_table('recurring_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('cadence', sa.String(length=12), nullable=False),
    sa.Column('every', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('next_run', sa.Date(), nullable=True),
    sa.Column('notice_for', sa.Date(), nullable=True),
    sa.Column('orders_placed', sa.Integer(), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('buyer_name', sa.String(length=170), nullable=False),
    sa.Column('buyer_email', sa.String(length=254), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('net_total', models.money.Amount(), nullable=False),
    sa.Column('shipping_address', sa.Text(), nullable=False),
    sa.Column('billing_address', sa.Text(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('business_unit_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("cadence IN ('weekly', 'weeks', 'monthly', 'quarterly')", name=op.f('ck_recurring_orders_recurring_cadence')),
    sa.CheckConstraint("state IN ('active', 'paused', 'review', 'cancelled', 'ended')", name=op.f('ck_recurring_orders_recurring_state')),
    sa.ForeignKeyConstraint(['business_unit_id'], ['business_units.id'], name=op.f('fk_recurring_orders_business_unit_id_business_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_recurring_orders_company_id_companies')),
    sa.ForeignKeyConstraint(['owner_id'], ['company_users.id'], name=op.f('fk_recurring_orders_owner_id_company_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_recurring_orders_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_orders'))
    )
    with op.batch_alter_table('recurring_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recurring_orders_business_unit_id'), ['business_unit_id'], unique=False)
        batch_op.create_index('ix_recurring_orders_company_created', ['company_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recurring_orders_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_recurring_orders_due', ['state', 'next_run', 'id'], unique=False)
        batch_op.create_index('ix_recurring_orders_next_run', ['next_run', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recurring_orders_owner_id'), ['owner_id'], unique=False)

    op.create_table('order_template_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_order_template_lines_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['order_templates.id'], name=op.f('fk_order_template_lines_template_id_order_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_template_lines')),
    sa.UniqueConstraint('template_id', 'product_id', name='uq_template_line_product')
    )
    with op.batch_alter_table('order_template_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_template_lines_product_id'), ['product_id'], unique=False)

    op.create_table('recurring_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recurring_order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', models.money.Amount(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_recurring_lines_product_id_products'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recurring_order_id'], ['recurring_orders.id'], name=op.f('fk_recurring_lines_recurring_order_id_recurring_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_lines'))
    )
    with op.batch_alter_table('recurring_lines', schema=None) as batch_op:
        batch_op.create_index('ix_recurring_lines_order', ['recurring_order_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_recurring_lines_product_id'), ['product_id'], unique=False)

    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('buyer_name', sa.String(length=170), nullable=False),
    sa.Column('buyer_email', sa.String(length=254), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('net_total', models.money.Amount(), nullable=True),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('requested_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('business_unit_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['business_unit_id'], ['business_units.id'], name=op.f('fk_quotes_business_unit_id_business_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_quotes_company_id_companies')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_quotes_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['company_users.id'], name=op.f('fk_quotes_owner_id_company_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_quotes_shop_id_shops')),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_quotes_workflow_id_workflows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes'))
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotes_business_unit_id'), ['business_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_buyer_email'), ['buyer_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_quotes_company_requested', ['company_id', 'requested_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_quotes_state_requested', ['state', 'requested_at', 'id'], unique=False)
        batch_op.create_index('ix_quotes_state_valid', ['state', 'valid_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('quote_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('list_price', models.money.Amount(), nullable=True),
    sa.Column('quoted_price', models.money.Amount(), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_quote_lines_product_id_products'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_lines_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_lines'))
    )
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_lines_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_quote_lines_quote', ['quote_id', 'position'], unique=False)

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('repeat_cadence', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('repeat_every', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('repeat_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('repeat_end', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_carts_quote_id'), ['quote_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_carts_quote_id_quotes'), 'quotes', ['quote_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recurring_order_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recurring_run_on', sa.Date(), nullable=True))
        batch_op.create_unique_constraint('uq_order_recurring_run', ['recurring_order_id', 'recurring_run_on'])
        batch_op.create_foreign_key(batch_op.f('fk_orders_recurring_order_id_recurring_orders'), 'recurring_orders', ['recurring_order_id'], ['id'], ondelete='SET NULL')

    ensure_workflow(QUOTE)


QUOTE = {
    "key": "quote",
    "name": "Quote",
    "subject_type": "quote",
    "states": [
        ("requested", "Waiting for our answer", "info", True, False),
        ("answered", "Answered", "primary", False, False),
        ("accepted", "Accepted", "success", False, False),
        ("ordered", "Ordered", "success", False, True),
        ("declined", "Declined", "neutral", False, True),
        ("rejected", "Not offered", "neutral", False, True),
        ("expired", "Expired", "neutral", False, True),
        ("withdrawn", "Withdrawn", "neutral", False, True),
    ],
    # key, label, from, to, permission, requires reason, guard, side effect, mail template, subject, mail to
    "transitions": [
        ("answer", "Send the offer", "requested", "answered", "manage_orders", False, "quote.priced", "",
         "quote_answered", "Your quote is ready", "contact"),
        ("reject", "Decline to offer", "requested", "rejected", "manage_orders", True, "", "", "quote_status",
         "About your quote request", "contact"),
        ("withdraw", "Withdraw my request", "requested", "withdrawn", "manage_own_quotes", False,
         "quote.requester", "", "", "", ""),
        ("accept", "Accept and put in cart", "answered", "accepted", "manage_own_quotes", False,
         "quote.acceptable", "quote.to_cart", "", "", ""),
        ("decline", "Decline", "answered", "declined", "manage_own_quotes", False, "quote.requester", "", "", "",
         ""),
        ("order", "Ordered", "accepted", "ordered", "manage_orders", False, "quote.by_atrium", "", "", "", ""),
        ("expire", "Expire", "answered", "expired", "manage_orders", False, "quote.by_atrium", "", "", "", ""),
        ("expire", "Expire", "accepted", "expired", "manage_orders", False, "quote.by_atrium", "", "", "", ""),
    ],
    "reasons": ["Product not available", "Quantity too small for special prices", "Please contact your "
                "representative"],
}


def downgrade():
    op.execute("DELETE FROM workflow_history WHERE workflow_id IN (SELECT id FROM workflows WHERE key = 'quote')")
    op.execute("DELETE FROM workflows WHERE key = 'quote'")
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_orders_recurring_order_id_recurring_orders'), type_='foreignkey')
        batch_op.drop_constraint('uq_order_recurring_run', type_='unique')
        batch_op.drop_column('recurring_run_on')
        batch_op.drop_column('recurring_order_id')

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_carts_quote_id_quotes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_carts_quote_id'))
        batch_op.drop_column('repeat_end')
        batch_op.drop_column('repeat_start')
        batch_op.drop_column('repeat_every')
        batch_op.drop_column('repeat_cadence')
        batch_op.drop_column('quote_id')

    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_quote_lines_quote')
        batch_op.drop_index(batch_op.f('ix_quote_lines_product_id'))

    op.drop_table('quote_lines')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotes_workflow_id'))
        batch_op.drop_index('ix_quotes_state_valid')
        batch_op.drop_index('ix_quotes_state_requested')
        batch_op.drop_index(batch_op.f('ix_quotes_owner_id'))
        batch_op.drop_index('ix_quotes_company_requested')
        batch_op.drop_index(batch_op.f('ix_quotes_company_id'))
        batch_op.drop_index(batch_op.f('ix_quotes_buyer_email'))
        batch_op.drop_index(batch_op.f('ix_quotes_business_unit_id'))

    op.drop_table('quotes')
    with op.batch_alter_table('recurring_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recurring_lines_product_id'))
        batch_op.drop_index('ix_recurring_lines_order')

    op.drop_table('recurring_lines')
    with op.batch_alter_table('order_template_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_template_lines_product_id'))

    op.drop_table('order_template_lines')
    with op.batch_alter_table('recurring_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recurring_orders_owner_id'))
        batch_op.drop_index('ix_recurring_orders_due')
        batch_op.drop_index('ix_recurring_orders_next_run')
        batch_op.drop_index(batch_op.f('ix_recurring_orders_company_id'))
        batch_op.drop_index('ix_recurring_orders_company_created')
        batch_op.drop_index(batch_op.f('ix_recurring_orders_business_unit_id'))

    op.drop_table('recurring_orders')
    with op.batch_alter_table('order_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_templates_company_id'))

    op.drop_table('order_templates')
